// Replays every input the fuzzers ever failed on (Fuzz/FailCases/) through the checks of FuzzDecode
// and of FuzzCodable, and defines FuzzDecode's checks for the malformed-input matrix
// (MalformedInputMatrixTests.swift). FuzzCodable's checks and typed shapes are
// FuzzCodableShapes.swift, a byte-for-byte copy of the fuzz target's file (checked below).

import Foundation
import Testing
import XPCWire

/// What FuzzDecode demands of any input (Fuzz/Sources/FuzzSupport/RoundTripOracle.swift; keep the
/// two in step), reported as a list of broken properties instead of a trap.
///
/// Default mode either fails with an error whose offset lies inside the input (or at its end), and
/// strict mode then fails with the same error or an earlier `nonCanonical` one (SPEC §5.3); or it
/// gives a message whose canonical encoding strict mode decodes to an equal message, whose second
/// encoding is byte-identical, which equals the input exactly when strict mode accepts the
/// input (SPEC §5.4), and whose JSON description reads back as the same envelope (SPEC §8).
enum WireDecodingOracle {
    static let lenient = XPCWireDecoder()
    static let strict = XPCWireDecoder(options: XPCWireDecodingOptions(requiresCanonicalEncoding: true))

    /// The outcome of the default decoder, for tests that say more about it.
    enum Outcome {
        case accepted(XPCMessage)
        case rejected(XPCWireDecodingError)
    }

    /// Decodes `bytes` as an envelope and returns the outcome with every broken property.
    static func checkEnvelope(_ bytes: UnsafeRawBufferPointer) -> (Outcome, violations: [String]) {
        let envelope: XPCEnvelope
        do throws(XPCWireDecodingError) {
            envelope = try lenient.decodeEnvelope(bytes)
        } catch {
            var violations = offsetViolations(error, inputCount: bytes.count)
            do throws(XPCWireDecodingError) {
                let accepted = try strict.decodeEnvelope(bytes)
                violations.append("strict mode accepted \(accepted.message) where the default mode failed with \(error)")
            } catch let strictError {
                violations += modeViolations(lenient: error, strict: strictError)
            }
            return (.rejected(error), violations)
        }
        var violations: [String] = []
        do {
            let canonical = try XPCWireEncoder().encode(envelope.message)
            let again = try strict.decodeEnvelope(canonical)
            if again.message != envelope.message { violations.append("round trip changed the message to \(again.message)") }
            if again.slots != envelope.slots { violations.append("round trip changed the slots to \(again.slots)") }
            if again.version != .current || again.flags != 0 {
                violations.append("canonical envelope has version \(again.version), flags \(again.flags)")
            }
            if try XPCWireEncoder().encode(again.message) != canonical { violations.append("second encoding differs") }
            for pretty in [false, true] {
                let described = try XPCEnvelope(jsonDescription: envelope.jsonDescription(pretty: pretty))
                if described != envelope { violations.append("JSON description (pretty: \(pretty)) reads back as \(described.message)") }
            }
            let isCanonical = canonical.elementsEqual(bytes)
            do throws(XPCWireDecodingError) {
                let strictMessage = try strict.decodeEnvelope(bytes).message
                if !isCanonical { violations.append("strict mode accepted a non-canonical input") }
                if strictMessage != envelope.message { violations.append("strict mode read \(strictMessage)") }
            } catch {
                if isCanonical { violations.append("strict mode rejected a canonical input: \(error)") }
                if case .nonCanonical = error {} else { violations.append("strict mode failed with \(error), not nonCanonical") }
            }
        } catch {
            violations.append("accepted message failed to round-trip: \(error)")
        }
        return (.accepted(envelope.message), violations)
    }

    /// Decodes `bytes` as a bare body with no slots and returns the outcome with every broken property.
    static func checkBody(_ bytes: UnsafeRawBufferPointer) -> (Outcome, violations: [String]) {
        let message: XPCMessage
        do throws(XPCWireDecodingError) {
            message = try lenient.decodeBody(bytes)
        } catch {
            var violations = offsetViolations(error, inputCount: bytes.count)
            do throws(XPCWireDecodingError) {
                let accepted = try strict.decodeBody(bytes)
                violations.append("strict mode accepted \(accepted) where the default mode failed with \(error)")
            } catch let strictError {
                violations += modeViolations(lenient: error, strict: strictError)
            }
            return (.rejected(error), violations)
        }
        var violations: [String] = []
        do {
            let canonical = try XPCWireEncoder().encodeBody(message)
            let again = try strict.decodeBody(canonical)
            if again != message { violations.append("body round trip changed the message to \(again)") }
            if try XPCWireEncoder().encodeBody(again) != canonical { violations.append("second body encoding differs") }
            let isCanonical = canonical.elementsEqual(bytes)
            do throws(XPCWireDecodingError) {
                _ = try strict.decodeBody(bytes)
                if !isCanonical { violations.append("strict mode accepted a non-canonical body") }
            } catch {
                if isCanonical { violations.append("strict mode rejected a canonical body: \(error)") }
                if case .nonCanonical = error {} else { violations.append("strict mode failed with \(error), not nonCanonical") }
            }
        } catch {
            violations.append("accepted body failed to round-trip: \(error)")
        }
        return (.accepted(message), violations)
    }

    private static func offsetViolations(_ error: XPCWireDecodingError, inputCount: Int) -> [String] {
        error.offset >= 0 && error.offset <= inputCount ? [] : ["\(error) lies outside the \(inputCount)-byte input"]
    }

    private static func modeViolations(lenient: XPCWireDecodingError, strict: XPCWireDecodingError) -> [String] {
        if strict == lenient { return [] }
        if case .nonCanonical = strict { return [] }
        return ["default mode failed with \(lenient) but strict mode with \(strict)"]
    }
}

/// Bytes as SPEC.md writes them, cut after `limit` bytes.
func hexDump(_ bytes: some Collection<UInt8>, limit: Int = 64) -> String {
    let shown = bytes.prefix(limit).map { byte in
        let digits = String(byte, radix: 16)
        return byte < 16 ? "0" + digits : digits
    }.joined(separator: " ")
    return bytes.count > limit ? shown + " … (\(bytes.count) bytes)" : shown
}

@Suite struct FailCaseReplayTests {
    /// `Fuzz/FailCases/`, found from this file: Tests/XPCWireTests/ → the repository root.
    static let failCasesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz").appendingPathComponent("FailCases")

    /// Every saved input, as a path relative to Fuzz/FailCases/; the README and hidden files are not inputs.
    static func savedInputs() throws -> [String] {
        let root = failCasesDirectory.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var inputs: [String] = []
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") || name == "README.md" { continue }
            var isDirectory: ObjCBool = false
            let path = (root as NSString).appendingPathComponent(relative)
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                inputs.append(relative)
            }
        }
        return inputs.sorted()
    }

    /// Guards the replay below against finding nothing because it looks in the wrong place.
    @Test func failCasesFolderIsWhereTheFuzzersWriteIt() {
        let readme = Self.failCasesDirectory.appendingPathComponent("README.md").path
        #expect(FileManager.default.fileExists(atPath: readme), "no \(readme): the replay would silently check nothing")
    }

    @Test func everySavedInputDecodesToAnErrorOrACanonicalRoundTrip() throws {
        for relative in try Self.savedInputs() {
            let bytes = Array(try Data(contentsOf: Self.failCasesDirectory.appendingPathComponent(relative)))
            bytes.withUnsafeBytes { buffer in
                for violation in WireDecodingOracle.checkEnvelope(buffer).violations {
                    Issue.record("Fuzz/FailCases/\(relative) as an envelope: \(violation)\ninput: \(hexDump(bytes, limit: 512))")
                }
                for violation in WireDecodingOracle.checkBody(buffer).violations {
                    Issue.record("Fuzz/FailCases/\(relative) as a body: \(violation)\ninput: \(hexDump(bytes, limit: 512))")
                }
            }
        }
    }

    /// The repository root, from this file: Tests/XPCWireTests/ → the root.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every saved input, whichever target found it, through FuzzCodable's oracle: both decoding
    /// paths agree, errors are `DecodingError`s, decoded values round-trip (FuzzCodableShapes.check).
    @Test func everySavedInputDecodesAlikeOnBothCodablePaths() throws {
        for relative in try Self.savedInputs() {
            let bytes = Array(try Data(contentsOf: Self.failCasesDirectory.appendingPathComponent(relative)))
            for violation in FuzzCodableShapes.check(bytes) {
                Issue.record("Fuzz/FailCases/\(relative) through FuzzCodable's oracle: \(violation)\ninput: \(hexDump(bytes, limit: 512))")
            }
        }
    }

    /// The shapes and oracle replayed here are the fuzz target's own: the two copies are identical.
    @Test func fuzzCodableShapesAreTheFuzzTargetsOwn() throws {
        let copy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FuzzCodableShapes.swift")
        let original = Self.repositoryRoot.appendingPathComponent("Fuzz/Sources/FuzzCodable/FuzzCodableShapes.swift")
        #expect(
            try Data(contentsOf: copy) == Data(contentsOf: original),
            "Tests/XPCWireTests/FuzzCodableShapes.swift differs from Fuzz/Sources/FuzzCodable/FuzzCodableShapes.swift: copy the edited one over the other")
    }

    /// Fuzz/Seeds/FuzzCodable/ holds exactly the encodings of `FuzzCodableShapes.seeds()`, each of
    /// which decodes as the shape its name starts with and passes the oracle.
    @Test func fuzzCodableSeedsAreTheEncodingsOfTheSeedValues() throws {
        let directory = Self.repositoryRoot.appendingPathComponent("Fuzz/Seeds/FuzzCodable")
        let seeds = try FuzzCodableShapes.seeds()
        let committed = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".bin") }
        #expect(
            Set(committed) == Set(seeds.map { $0.name + ".bin" }),
            "regenerate: XPCWIRE_FUZZ_WRITE_SEEDS=Fuzz/Seeds/FuzzCodable Fuzz/.build/release/FuzzCodable (after removing the old files)")
        for seed in seeds {
            let file = directory.appendingPathComponent(seed.name + ".bin")
            guard let bytes = try? Array(Data(contentsOf: file)) else { continue }
            #expect(bytes == seed.bytes, "Fuzz/Seeds/FuzzCodable/\(seed.name).bin is not the encoding of its seed value")
            let attachments = FuzzCodableShapes.attachments(forSlotTableOf: bytes)
            let decoder = XPCDecoder()
            switch seed.name.prefix(while: { $0 != "-" }) {
            case "scalars": _ = try decoder.decode(FuzzCodableShapes.Scalars.self, from: bytes, attachments: attachments)
            case "request": _ = try decoder.decode(FuzzCodableShapes.Request.self, from: bytes, attachments: attachments)
            case "drawing": _ = try decoder.decode(FuzzCodableShapes.Drawing.self, from: bytes, attachments: attachments)
            case "channel": _ = try decoder.decode(FuzzCodableShapes.Channel.self, from: bytes, attachments: attachments)
            default: Issue.record("seed \(seed.name) does not name its shape")
            }
            for violation in FuzzCodableShapes.check(bytes) {
                Issue.record("seed \(seed.name): \(violation)")
            }
        }
    }
}
