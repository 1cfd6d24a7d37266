// Helpers shared by the codec tests. Expected bytes are always written by hand from the format
// rules; nothing here calls the encoder.

import Testing
import XPCWire
import Foundation

/// Parses hex digits into bytes; spaces, newlines and `_` are ignored: `hexBytes("d1 00 80")`.
func hexBytes(_ text: String) -> [UInt8] {
    var digits: [UInt8] = []
    for scalar in text.unicodeScalars {
        switch scalar {
        case "0"..."9": digits.append(UInt8(scalar.value - 0x30))
        case "a"..."f": digits.append(UInt8(scalar.value - 0x61 + 10))
        case "A"..."F": digits.append(UInt8(scalar.value - 0x41 + 10))
        case " ", "\n", "\t", "_": continue
        default: preconditionFailure("not a hex digit: \(scalar)")
        }
    }
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
}

/// Big-endian bytes of a fixed-width integer.
func bigEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    (0..<MemoryLayout<T>.size).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
}

/// Builds a 1.x envelope around `body` by hand (SPEC §3.1): magic, version, flags, slot count,
/// body length, slot kinds, body. `bodyLength` overrides the declared length.
func makeEnvelope(
    _ body: [UInt8], slots: [UInt8] = [], major: UInt8 = 1, minor: UInt8 = 0, flags: UInt16 = 0,
    slotCount: UInt16? = nil, bodyLength: UInt32? = nil
) -> [UInt8] {
    var bytes: [UInt8] = [0x58, 0x50, 0x43, 0x57, major, minor]
    bytes += bigEndianBytes(flags)
    bytes += bigEndianBytes(slotCount ?? UInt16(slots.count))
    bytes += bigEndianBytes(bodyLength ?? UInt32(body.count))
    bytes += slots
    bytes += body
    return bytes
}

/// The 14-byte header of a canonical envelope with `slotCount` slots and a body of `bodyLength` bytes.
func canonicalEnvelopeHeader(slotCount: UInt16 = 0, bodyLength: UInt32) -> [UInt8] {
    [0x58, 0x50, 0x43, 0x57, 0x01, 0x00, 0x00, 0x00] + bigEndianBytes(slotCount) + bigEndianBytes(bodyLength)
}

let strictWireOptions = XPCWireDecodingOptions(requiresCanonicalEncoding: true)
let strictWireDecoder = XPCWireDecoder(options: strictWireOptions)

/// A decoder with one limit changed.
func limitedDecoder(_ change: (inout XPCWireLimits) -> Void, strict: Bool = false) -> XPCWireDecoder {
    var limits = XPCWireLimits()
    change(&limits)
    return XPCWireDecoder(options: XPCWireDecodingOptions(limits: limits, requiresCanonicalEncoding: strict))
}

/// The UTF-8 bytes of each string, for comparisons that must not use Swift's canonical equivalence.
func utf8BytesOf(_ strings: [String]) -> [[UInt8]] {
    strings.map { Array($0.utf8) }
}

/// `count` nested arrays around `innermost`, built without recursion.
func nestedArrayMessage(_ count: Int, innermost: XPCMessage = .null) -> XPCMessage {
    var message = innermost
    for _ in 0..<count { message = .array([message]) }
    return message
}

/// Counts the single-element arrays wrapped around a value and takes the value apart level by
/// level, so that a very deep value is never destroyed (or compared) recursively.
///
/// Returns the depth and the innermost non-array value.
func measureAndDismantleNestedArrays(_ message: consuming XPCMessage) -> (depth: Int, innermost: XPCMessage) {
    // `message` itself is the cursor: no other binding keeps the root alive.
    var depth = 0
    while case .array(let elements) = message, elements.count == 1 {
        depth += 1
        message = elements[0]
    }
    return (depth, message)
}

/// A UUID from its canonical text, for readable fixtures.
func uuidFromString(_ text: String) -> UUID {
    guard let value = UUID(uuidString: text) else { preconditionFailure("bad UUID \(text)") }
    return value
}
