// The properties every fuzz target demands of the decoder (SPEC §5.3, §5.4, §7.3).
// Tests/XPCWireTests/FailCaseReplayTests.swift applies the same checks to Fuzz/FailCases/ under
// `swift test`; keep the two in step.

import XPCWire

/// Decodes fuzz input and traps, so that libFuzzer reports the input, when a property fails.
///
/// For an input the default decoder accepts:
/// - the message encodes canonically, the strict decoder accepts that encoding and gives back an
///   equal message, and encoding that message again gives identical bytes (SPEC §5.4, 3 and 4);
/// - the strict decoder accepts the input itself exactly when it already is that canonical
///   encoding, and otherwise fails with `nonCanonical` (SPEC §5.3);
/// - the envelope's JSON description, compact and pretty, reads back as an equal envelope (SPEC §8).
///
/// For an input the default decoder rejects with error E, the strict decoder fails with E or with
/// a `nonCanonical` error met earlier (SPEC §5.3: every other error is the same in both modes).
/// Every error offset lies inside the input or at its end.
public enum RoundTripOracle {
    static let lenient = XPCWireDecoder()
    static let strict = XPCWireDecoder(options: XPCWireDecodingOptions(requiresCanonicalEncoding: true))
    static let encoder = XPCWireEncoder()

    /// Decodes `bytes` as an envelope in both modes and checks the properties above.
    ///
    /// - Returns: the envelope the default decoder read, or `nil` when it rejected the input.
    @discardableResult
    public static func checkEnvelope(_ bytes: UnsafeRawBufferPointer) -> XPCEnvelope? {
        let envelope: XPCEnvelope
        do {
            envelope = try lenient.decodeEnvelope(bytes)
        } catch {
            checkOffset(of: error, inputCount: bytes.count, bytes: bytes, what: "decodeEnvelope")
            do {
                let accepted = try strict.decodeEnvelope(bytes)
                violation("strict decodeEnvelope accepted what the default mode rejected with \(error): \(accepted.message)", bytes)
            } catch let strictError {
                checkSameErrorOrNonCanonical(lenient: error, strict: strictError, bytes: bytes)
            }
            return nil
        }
        let canonical = encodeEnvelope(envelope.message, input: bytes)
        let again: XPCEnvelope
        do {
            again = try strict.decodeEnvelope(canonical)
        } catch {
            violation("strict decoding of the canonical re-encoding failed: \(error); canonical \(hex(canonical))", bytes)
        }
        guard again.message == envelope.message else {
            violation("re-decoded message differs: \(again.message) vs \(envelope.message)", bytes)
        }
        guard again.slots == envelope.slots else {
            violation("slot table changed in the round trip: \(again.slots) vs \(envelope.slots)", bytes)
        }
        guard again.version == .current, again.flags == 0 else {
            violation("canonical envelope has version \(again.version), flags \(again.flags)", bytes)
        }
        let twice = encodeEnvelope(again.message, input: bytes)
        guard twice == canonical else {
            violation("second encoding differs: \(hex(twice)) vs \(hex(canonical))", bytes)
        }
        // The JSON description is lossless (SPEC §8), in both forms.
        for pretty in [false, true] {
            do {
                let described = try XPCEnvelope(jsonDescription: envelope.jsonDescription(pretty: pretty))
                guard described == envelope else {
                    violation("JSON description (pretty: \(pretty)) reads back as \(described.message)", bytes)
                }
            } catch {
                violation("JSON description (pretty: \(pretty)) does not read back: \(error)", bytes)
            }
        }
        checkStrictAcceptsExactlyCanonical(
            isCanonical: canonical.elementsEqual(bytes), bytes: bytes,
            decodeStrictly: { () throws(XPCWireDecodingError) in try strict.decodeEnvelope(bytes).message },
            expected: envelope.message)
        return envelope
    }

    /// Decodes `bytes` as a bare body referring to `slots` in both modes and checks the properties above.
    ///
    /// - Returns: the message the default decoder read, or `nil` when it rejected the input.
    @discardableResult
    public static func checkBody(_ bytes: UnsafeRawBufferPointer, slots: [XPCSlotKind] = []) -> XPCMessage? {
        let message: XPCMessage
        do {
            message = try lenient.decodeBody(bytes, slots: slots)
        } catch {
            checkOffset(of: error, inputCount: bytes.count, bytes: bytes, what: "decodeBody")
            do {
                let accepted = try strict.decodeBody(bytes, slots: slots)
                violation("strict decodeBody accepted what the default mode rejected with \(error): \(accepted)", bytes)
            } catch let strictError {
                checkSameErrorOrNonCanonical(lenient: error, strict: strictError, bytes: bytes)
            }
            return nil
        }
        let canonical: [UInt8]
        do {
            canonical = try encoder.encodeBody(message)
        } catch {
            violation("encodeBody failed for an accepted body: \(error)", bytes)
        }
        let again: XPCMessage
        do {
            again = try strict.decodeBody(canonical, slots: slots)
        } catch {
            violation("strict decodeBody of the canonical body failed: \(error); canonical \(hex(canonical))", bytes)
        }
        guard again == message else {
            violation("re-decoded body differs: \(again) vs \(message)", bytes)
        }
        let twice: [UInt8]
        do {
            twice = try encoder.encodeBody(again)
        } catch {
            violation("encodeBody failed on the second round: \(error)", bytes)
        }
        guard twice == canonical else {
            violation("second body encoding differs: \(hex(twice)) vs \(hex(canonical))", bytes)
        }
        // The same message as a whole envelope: the slot table the encoder derives is the one given.
        let envelopeBytes = encodeEnvelope(message, input: bytes)
        do {
            let envelope = try strict.decodeEnvelope(envelopeBytes)
            guard envelope.message == message, envelope.slots == slots else {
                violation("envelope of an accepted body decodes to \(envelope)", bytes)
            }
        } catch {
            violation("strict decodeEnvelope of an accepted body's envelope failed: \(error)", bytes)
        }
        checkStrictAcceptsExactlyCanonical(
            isCanonical: canonical.elementsEqual(bytes), bytes: bytes,
            decodeStrictly: { () throws(XPCWireDecodingError) in try strict.decodeBody(bytes, slots: slots) },
            expected: message)
        return message
    }

    private static func encodeEnvelope(_ message: XPCMessage, input: UnsafeRawBufferPointer) -> [UInt8] {
        do {
            return try encoder.encode(message)
        } catch {
            violation("encode failed for an accepted message: \(error)", input)
        }
    }

    /// SPEC §5.3: strict mode accepts an input if and only if it is canonical.
    private static func checkStrictAcceptsExactlyCanonical(
        isCanonical: Bool, bytes: UnsafeRawBufferPointer,
        decodeStrictly: () throws(XPCWireDecodingError) -> XPCMessage, expected: XPCMessage
    ) {
        do {
            let strictMessage = try decodeStrictly()
            guard isCanonical else {
                violation("strict mode accepted a non-canonical input", bytes)
            }
            guard strictMessage == expected else {
                violation("strict and default mode disagree: \(strictMessage) vs \(expected)", bytes)
            }
        } catch {
            guard !isCanonical else {
                violation("strict mode rejected a canonical input: \(error)", bytes)
            }
            guard case .nonCanonical = error else {
                violation("strict mode rejected an input the default mode accepts with \(error)", bytes)
            }
        }
    }

    private static func checkSameErrorOrNonCanonical(
        lenient: XPCWireDecodingError, strict: XPCWireDecodingError, bytes: UnsafeRawBufferPointer
    ) {
        if strict == lenient { return }
        if case .nonCanonical = strict { return }
        violation("default mode fails with \(lenient) but strict mode with \(strict)", bytes)
    }

    private static func checkOffset(
        of error: XPCWireDecodingError, inputCount: Int, bytes: UnsafeRawBufferPointer, what: String
    ) {
        guard error.offset >= 0, error.offset <= inputCount else {
            violation("\(what) reported \(error) outside the \(inputCount)-byte input", bytes)
        }
    }
}

/// Reports a broken property with the input in hex, then traps so that libFuzzer saves the input.
public func violation(_ what: String, _ input: UnsafeRawBufferPointer) -> Never {
    let shown = input.count <= 512 ? hex(input) : hex(input.prefix(512)) + " … (\(input.count) bytes)"
    fatalError("XPCWire fuzz property violated: \(what)\ninput: \(shown)")
}

/// Bytes as two-digit lowercase hex separated by spaces, as SPEC.md writes them.
public func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    let digits = Array("0123456789abcdef")
    var text = ""
    for byte in bytes {
        if !text.isEmpty { text.append(" ") }
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0f)])
    }
    return text
}
