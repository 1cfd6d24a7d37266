// The malformed-input matrix: the valid fixtures cut short, with single bits flipped and with bytes
// replaced by 00, c1, ff, dd and df; then hostile lengths, extreme nesting, duplicate keys and keys
// that differ only by Unicode normalization.
//
// Every input must give an XPCWireDecodingError or a message that round-trips canonically
// (WireDecodingOracle, the checks of FuzzDecode); where SPEC §7.3 fixes the error, the exact error
// and offset are asserted. Every fixture up to 4 KiB is cut at every length and mutated at every
// byte. The six larger ones are sampled (`MatrixFixtures`): cut at 3,758 lengths in all; the four
// 64 KiB strings and data mutated at 36 offsets each; the array32 and map32 fixtures of 65,536 values
// at one (the element count), since one round trip of either takes a tenth of a second or more in a
// debug build.

import Foundation
import Testing
import XPCWire

/// The valid fixtures (Fixtures/v1/*.bin) and where to mutate them.
enum MatrixFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("v1")

    /// File names of the valid fixtures, sorted; empty if the folder cannot be read (a test checks).
    static let names: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".bin") }.sorted()
    }()

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// Fixtures up to this size are cut and mutated at every offset.
    static let everyOffsetLimit = 4096
    /// Fixtures holding more values than this are mutated at one offset only.
    static let manyValues = 4096

    /// Where to cut a fixture of `count` bytes: everywhere up to 4 KiB; beyond, the first 64
    /// lengths, every 251st and the last 4.
    static func truncationLengths(count: Int) -> [Int] {
        guard count > everyOffsetLimit else { return Array(0..<count) }
        return Array(0..<64) + Array(stride(from: 64, to: count - 4, by: 251)) + Array((count - 4)..<count)
    }

    /// The offsets to mutate in a fixture of `count` bytes holding `values` values: every offset up
    /// to 4 KiB; for a larger fixture with few values (one long string or data value) the first 24
    /// bytes (header and the value's header), 8 offsets evenly spaced after them and the last 4; for
    /// one with more than 4096 values (the array32 and map32 fixtures) only offset 18, the low byte
    /// of the element count.
    static func offsets(count: Int, values: Int) -> [Int] {
        guard count > everyOffsetLimit else { return Array(0..<count) }
        guard values <= manyValues else { return [18] }
        let step = (count - 28) / 8
        return Array(0..<24) + (0..<8).map { 24 + $0 * step } + Array((count - 4)..<count)
    }

    /// The number of values in `message` (SPEC §6.2: containers and scalars, not keys), counted
    /// without recursion.
    static func valueCount(_ message: XPCMessage) -> Int {
        var pending = [message]
        var count = 0
        while let next = pending.popLast() {
            count += 1
            switch next {
            case .array(let elements): pending += elements
            case .dictionary(let dictionary): pending += dictionary.values
            default: break
            }
        }
        return count
    }

    /// The replacement bytes of the matrix: NUL, the reserved byte, -1, array32 and map32.
    static let replacements: [UInt8] = [0x00, 0xc1, 0xff, 0xdd, 0xdf]
}

/// What SPEC §3 and §7.3 say about one mutated envelope, where they say something exact.
enum MutationExpectation: Equatable {
    /// Fails with exactly this error, in both modes.
    case error(XPCWireDecodingError)
    /// The default mode reads the original message (a change to the minor version or to ignorable flags).
    case sameMessage
    /// Only the oracle's properties apply.
    case unspecified

    /// The expectation for `fixture` (a canonical envelope) with the byte at `offset` set to `byte`.
    static func replacing(_ offset: Int, with byte: UInt8, in fixture: [UInt8]) -> MutationExpectation {
        let slotCount = Int(fixture[8]) << 8 | Int(fixture[9])
        let bodyStart = 14 + slotCount
        if byte == fixture[offset] { return .sameMessage }
        switch offset {
        case 0..<4:
            return .error(.badMagic(offset: 0))
        case 4:
            return .error(.unsupportedVersion(major: byte, minor: fixture[5], offset: 4))
        case 5, 7:
            // SPEC §3.2: any minor version of major 1; §3.3: bits 0–7 are ignorable.
            return .sameMessage
        case 6:
            // SPEC §3.3: bits 8–15 are critical and 1.0 knows none.
            return .error(.unsupportedFlags(UInt16(byte) << 8, offset: 6))
        case 14..<bodyStart where byte != XPCSlotKind.fd.rawValue && byte != XPCSlotKind.endpoint.rawValue:
            return .error(.invalidSlotKind(byte, offset: offset))
        case bodyStart where byte == 0xc1:
            return .error(.reservedByte(offset: offset))
        default:
            return .unspecified
        }
    }

    /// SPEC §7.3: the error for the first `length` bytes of a valid envelope with `slotCount` slots.
    static func truncation(to length: Int, slotCount: Int) -> XPCWireDecodingError {
        switch length {
        case 0..<4: .truncated(offset: 0)
        case 4: .truncated(offset: 4)
        case 5: .truncated(offset: 5)
        case 6, 7: .truncated(offset: 6)
        case 8, 9: .truncated(offset: 8)
        case 10..<14: .truncated(offset: 10)
        case 14..<(14 + slotCount): .truncated(offset: length)
        default: .truncated(offset: 14 + slotCount)
        }
    }
}

@Suite struct MalformedInputMatrixTests {
    /// Guards the parameterized tests below against running over nothing.
    @Test func validFixturesAreThere() {
        #expect(MatrixFixtures.names.contains("every-variant.bin"), "no fixtures found in \(MatrixFixtures.directory.path)")
        #expect(MatrixFixtures.names.count >= 50)
    }

    @Test(arguments: MatrixFixtures.names)
    func everyTruncationFailsAsTruncated(fixture name: String) throws {
        let fixture = try MatrixFixtures.bytes(name)
        let slotCount = Int(fixture[8]) << 8 | Int(fixture[9])
        fixture.withUnsafeBytes { whole in
            for length in MatrixFixtures.truncationLengths(count: fixture.count) {
                let prefix = UnsafeRawBufferPointer(rebasing: whole[0..<length])
                let (outcome, violations) = WireDecodingOracle.checkEnvelope(prefix)
                let expected = MutationExpectation.truncation(to: length, slotCount: slotCount)
                let context = { "\(name) cut to \(length) bytes: \(hexDump(prefix))" }
                for violation in violations { Issue.record("\(context()): \(violation)") }
                switch outcome {
                case .rejected(let error):
                    if error != expected { Issue.record("\(context()): \(error), expected \(expected)") }
                case .accepted(let message): Issue.record("\(context()): accepted as \(message), expected \(expected)")
                }
            }
        }
    }

    @Test(arguments: MatrixFixtures.names)
    func everySingleBitFlipGivesAnErrorOrACanonicalMessage(fixture name: String) throws {
        var mutated = try MatrixFixtures.bytes(name)
        let original = mutated
        let originalMessage = try XPCWireDecoder().decode(original)
        let values = MatrixFixtures.valueCount(originalMessage)
        for offset in MatrixFixtures.offsets(count: original.count, values: values) {
            for bit in 0..<8 {
                mutated[offset] = original[offset] ^ (1 << bit)
                let expected = MutationExpectation.replacing(offset, with: mutated[offset], in: original)
                check(mutated, expected: expected, originalMessage: originalMessage,
                      context: "\(name) with bit \(bit) of byte \(offset) flipped")
            }
            mutated[offset] = original[offset]
        }
    }

    @Test(arguments: MatrixFixtures.names)
    func everyByteReplacementGivesAnErrorOrACanonicalMessage(fixture name: String) throws {
        var mutated = try MatrixFixtures.bytes(name)
        let original = mutated
        let originalMessage = try XPCWireDecoder().decode(original)
        let values = MatrixFixtures.valueCount(originalMessage)
        for offset in MatrixFixtures.offsets(count: original.count, values: values) {
            for replacement in MatrixFixtures.replacements {
                mutated[offset] = replacement
                let expected = MutationExpectation.replacing(offset, with: replacement, in: original)
                check(mutated, expected: expected, originalMessage: originalMessage,
                      context: "\(name) with byte \(offset) set to \(hexDump([replacement]))")
            }
            mutated[offset] = original[offset]
        }
    }

    private func check(_ bytes: [UInt8], expected: MutationExpectation, originalMessage: XPCMessage, context: String) {
        let (outcome, violations) = bytes.withUnsafeBytes { WireDecodingOracle.checkEnvelope($0) }
        for violation in violations { Issue.record("\(context): \(violation)") }
        switch (expected, outcome) {
        case (.unspecified, _):
            break
        case (.error(let error), .rejected(let actual)):
            if actual != error { Issue.record("\(context): \(actual), expected \(error)") }
        case (.error(let error), .accepted(let message)):
            Issue.record("\(context): accepted as \(message), expected \(error)")
        case (.sameMessage, .accepted(let message)):
            if message != originalMessage { Issue.record("\(context): read \(message), expected the original message") }
        case (.sameMessage, .rejected(let error)):
            Issue.record("\(context): rejected with \(error), expected the original message")
        }
    }
}

// MARK: - Hostile lengths

/// A body whose header claims far more than follows it (SPEC §6.3).
struct HostileLengthCase: Sendable, CustomTestStringConvertible {
    let name: String
    let body: [UInt8]
    /// The offset in the body of the format byte whose claim is impossible.
    let offendingOffset: Int
    var testDescription: String { name }
}

@Suite struct HostileLengthTests {
    static let cases: [HostileLengthCase] = [
        HostileLengthCase(name: "str32 of 2^32-1 bytes", body: hexBytes("db ff ff ff ff 61"), offendingOffset: 0),
        HostileLengthCase(name: "bin32 of 2^32-1 bytes", body: hexBytes("c6 ff ff ff ff 00"), offendingOffset: 0),
        HostileLengthCase(name: "array32 of 2^32-1 elements", body: hexBytes("dd ff ff ff ff c0"), offendingOffset: 0),
        HostileLengthCase(name: "map32 of 2^32-1 entries", body: hexBytes("df ff ff ff ff a1 61 c0"), offendingOffset: 0),
        HostileLengthCase(name: "ext32 of 2^32-1 bytes", body: hexBytes("c9 ff ff ff ff 01 00"), offendingOffset: 0),
        HostileLengthCase(name: "map32 key str32 of 2^32-1 bytes", body: hexBytes("81 db ff ff ff ff 61"), offendingOffset: 1),
        HostileLengthCase(name: "array32 inside an array", body: hexBytes("91 dd ff ff ff ff c0"), offendingOffset: 1),
        HostileLengthCase(name: "str32 of 2^31 bytes in an array", body: hexBytes("91 db 80 00 00 00 61 62"), offendingOffset: 1),
    ]

    /// Limits as high as they go: only the bytes actually present can stop these inputs.
    static let unlimited: XPCWireDecodingOptions = {
        var limits = XPCWireLimits()
        limits.maximumDepth = .max
        limits.maximumElementCount = .max
        limits.maximumStringLength = .max
        limits.maximumDataLength = .max
        limits.maximumMessageSize = .max
        return XPCWireDecodingOptions(limits: limits)
    }()

    @Test(arguments: cases)
    func impossibleClaimFailsAtItsFormatByteBeforeAllocating(_ hostile: HostileLengthCase) {
        let envelope = makeEnvelope(hostile.body)
        let decoders = [XPCWireDecoder(), WireDecodingOracle.strict, XPCWireDecoder(options: Self.unlimited)]
        for decoder in decoders {
            #expect(throws: XPCWireDecodingError.truncated(offset: 14 + hostile.offendingOffset)) {
                try decoder.decode(envelope)
            }
            #expect(throws: XPCWireDecodingError.truncated(offset: hostile.offendingOffset)) {
                try decoder.decodeBody(hostile.body)
            }
        }
        let (_, violations) = envelope.withUnsafeBytes { WireDecodingOracle.checkEnvelope($0) }
        #expect(violations.isEmpty, "\(violations)")
    }

    /// 256 nested array32 headers, each claiming every byte that follows it, then that many nulls:
    /// 1 MiB in all. Each claim passes the check against the bytes left (SPEC §6.3), and the
    /// innermost array is complete, so decoding fails only at the end, at the second level's
    /// missing element: `truncated` at 1,048,576.
    static let nestedClaims: [UInt8] = {
        let total = 1 << 20
        var body: [UInt8] = []
        for level in 0..<256 {
            body += [0xdd] + bigEndianBytes(UInt32(total - (level + 1) * 5))
        }
        return body + [UInt8](repeating: 0xc0, count: total - body.count)
    }()

    /// Runs `check` with 1 GiB of address space beyond what the process already maps, then exits:
    /// successfully only if `check` returns `true`. For exit tests.
    static func exitAfterCheckingWithinOneMoreGiB(_ check: () -> Bool) -> Never {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let mappedKiB = status.split(separator: "\n").first { $0.hasPrefix("VmSize:") }
            .flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        let allowance = rlim_t(mappedKiB * 1024 + (1 << 30))
        var limit = rlimit(rlim_cur: allowance, rlim_max: allowance)
        guard mappedKiB > 0, setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0 else { exit(2) }
        exit(check() ? EXIT_SUCCESS : EXIT_FAILURE)
    }

    /// The same allowance is plenty for an honest 1 MiB input: one array of 1,048,571 nulls.
    @Test func oneMebibyteArrayDecodesWithinOneMoreGiB() async {
        await #expect(processExitsWith: .success) {
            HostileLengthTests.exitAfterCheckingWithinOneMoreGiB {
                let total = 1 << 20
                let body = [0xdd] + bigEndianBytes(UInt32(total - 5)) + [UInt8](repeating: 0xc0, count: total - 5)
                return (try? XPCWireDecoder().decodeBody(body).arrayValue?.count) == total - 5
            }
        }
    }

    /// Every open container may reserve capacity for the count it declares, and each count is only
    /// checked against the bytes left, so nested claims could add up: without a budget for
    /// reservations over the whole decode, this 1 MiB input made the decoder reserve about 6 GB of
    /// address space (256 levels × ~1M elements × 24 bytes), and the allocation failed (a trap)
    /// within a 1 GiB allowance. With the default limits the worst case was about 4 MiB of input
    /// reserving about 24 GiB.
    @Test func nestedClaimsReserveNoMoreThanTheInputCanFill() async {
        await #expect(processExitsWith: .success) {
            HostileLengthTests.exitAfterCheckingWithinOneMoreGiB {
                do throws(XPCWireDecodingError) {
                    _ = try XPCWireDecoder().decodeBody(HostileLengthTests.nestedClaims)
                    return false
                } catch {
                    return error == .truncated(offset: 1 << 20)
                }
            }
        }
    }

    @Test func envelopeClaimingFourGiBFailsAtTheBodyLengthField() {
        let header = canonicalEnvelopeHeader(bodyLength: .max) + [0xc0]
        #expect(throws: XPCWireDecodingError.limitExceeded(.messageSize, value: 14 + Int(UInt32.max), limit: 64 << 20, offset: 10)) {
            try XPCWireDecoder().decode(header)
        }
        // Without the size limit, the bytes present decide.
        #expect(throws: XPCWireDecodingError.truncated(offset: 14)) {
            try XPCWireDecoder(options: Self.unlimited).decode(header)
        }
    }

    @Test func envelopeClaimingEveryPossibleSlotFailsAtTheSlotCount() {
        let bytes = canonicalEnvelopeHeader(slotCount: .max, bodyLength: 1) + [0x01, 0xc0]
        #expect(throws: XPCWireDecodingError.limitExceeded(.slotCount, value: 65_535, limit: 253, offset: 8)) {
            try XPCWireDecoder().decode(bytes)
        }
    }
}

// MARK: - Extreme nesting

@Suite struct ExtremeNestingTests {
    static let millionDeepArrays = [UInt8](repeating: 0x91, count: 1_000_000) + [0xc0]
    static let millionDeepMaps = Array([[UInt8]](repeating: [0x81, 0xa0], count: 1_000_000).joined()) + [0xc0]

    static func decoder(maximumDepth: Int) -> XPCWireDecoder {
        var limits = XPCWireLimits()
        limits.maximumDepth = maximumDepth
        return XPCWireDecoder(options: XPCWireDecodingOptions(limits: limits))
    }

    /// SPEC §6.2: with the default limit of 256, the 257th container fails, at its format byte.
    @Test func millionDeepArraysFailAtTheFirstContainerPastTheDefaultLimit() {
        let envelope = makeEnvelope(Self.millionDeepArrays)
        for decoder in [XPCWireDecoder(), WireDecodingOracle.strict] {
            #expect(throws: XPCWireDecodingError.depthLimitExceeded(limit: 256, offset: 14 + 256)) {
                try decoder.decode(envelope)
            }
            #expect(throws: XPCWireDecodingError.depthLimitExceeded(limit: 256, offset: 256)) {
                try decoder.decodeBody(Self.millionDeepArrays)
            }
        }
    }

    @Test func millionDeepMapsFailAtTheFirstContainerPastTheDefaultLimit() {
        // Each level is `81 a0`: a one-entry map and its empty key, two bytes.
        #expect(throws: XPCWireDecodingError.depthLimitExceeded(limit: 256, offset: 14 + 2 * 256)) {
            try XPCWireDecoder().decode(makeEnvelope(Self.millionDeepMaps))
        }
    }

    @Test func millionDeepArraysFailPastARaisedLimit() {
        #expect(throws: XPCWireDecodingError.depthLimitExceeded(limit: 100_000, offset: 14 + 100_000)) {
            try Self.decoder(maximumDepth: 100_000).decode(makeEnvelope(Self.millionDeepArrays))
        }
    }

    /// The depth of single-element containers (arrays, or dictionaries with one entry) around
    /// `message`, walked without recursion, and what is innermost.
    static func nestingDepth(of message: XPCMessage) -> (Int, XPCMessage) {
        var depth = 0
        var cursor = message
        while true {
            if case .array(let elements) = cursor, elements.count == 1 {
                cursor = elements[0]
            } else if case .dictionary(let dictionary) = cursor, dictionary.count == 1 {
                cursor = dictionary[0].value
            } else {
                return (depth, cursor)
            }
            depth += 1
        }
    }

    /// One nesting level of each shape: `91` (an array of one), `81 a0` (a map of one, key "").
    enum Shape { case arrays, maps, mixed }

    /// `depth` nested containers of `shape` around a null.
    static func nestedBody(_ shape: Shape, depth: Int) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(2 * depth + 1)
        for level in 0..<depth {
            switch shape {
            case .arrays: body.append(0x91)
            case .maps: body += [0x81, 0xa0]
            case .mixed: body += level % 2 == 0 ? [0x91] : [0x81, 0xa0]
            }
        }
        body.append(0xc0)
        return body
    }

    /// The same value as ``nestedBody(_:depth:)`` decodes to, built in code without recursion.
    static func nestedMessage(_ shape: Shape, depth: Int) -> XPCMessage {
        var message: XPCMessage = .null
        for level in stride(from: depth - 1, through: 0, by: -1) {
            let isArray = switch shape {
            case .arrays: true
            case .maps: false
            case .mixed: level % 2 == 0
            }
            message = isArray ? .array([message]) : .dictionary(["": message])
        }
        return message
    }

    /// Decodes 100,000 nested arrays with the limit raised to match (SPEC §6.4: no stack overflow),
    /// and exits before the message is destroyed.
    static func decodeHundredThousandDeepArraysAndExit() -> Never {
        do {
            let message = try decoder(maximumDepth: 100_000).decode(makeEnvelope(nestedBody(.arrays, depth: 100_000)))
            let (depth, innermost) = nestingDepth(of: message)
            exit(depth == 100_000 && innermost == .null ? EXIT_SUCCESS : EXIT_FAILURE)
        } catch {
            exit(EXIT_FAILURE)
        }
    }

    /// Decodes 100,000 nested containers of `shape` and destroys the message like any other value.
    static func decodeHundredThousandDeepAndDrop(_ shape: Shape) {
        do {
            let message = try decoder(maximumDepth: 100_000).decode(makeEnvelope(nestedBody(shape, depth: 100_000)))
            let (depth, innermost) = nestingDepth(of: message)
            if depth != 100_000 || innermost != .null { exit(EXIT_FAILURE) }
        } catch {
            exit(EXIT_FAILURE)
        }
    }

    /// Renders a 100,000-deep mixed message every way the library renders messages: none of
    /// them recurses per level (they walk with a heap stack), so none overflows the stack.
    static func renderHundredThousandDeepMixed() {
        let depth = 100_000
        let message = nestedMessage(.mixed, depth: depth)
        // Level 0 is an array, level 1 a map with key "", and so on; the null is innermost.
        let expectedLine = String(repeating: "[{\"\": ", count: depth / 2) + "null" + String(repeating: "}]", count: depth / 2)
        guard message.nestingDepth == depth, message.description == expectedLine else { exit(EXIT_FAILURE) }
        // Without indentation the tree is linear in size: one line per value.
        let tree = message.treeDescription(indentation: "")
        guard tree.split(separator: "\n").count == depth + 1, tree.hasSuffix("\"\": null") else { exit(EXIT_FAILURE) }
        let json = message.jsonDescription(pretty: false)
        let expectedJSON = String(repeating: #"{"array":[{"dictionary":[["","#, count: depth / 2) + #"{"null":null}"#
            + String(repeating: "]]}]}", count: depth / 2)
        guard json == expectedJSON else { exit(EXIT_FAILURE) }
        guard XPCEnvelope(slots: [], message: message).jsonDescription(pretty: false).hasSuffix(expectedJSON + "}") else { exit(EXIT_FAILURE) }
    }

    @Test func hundredThousandDeepMessagesRenderWithoutRecursion() async {
        await #expect(processExitsWith: .success) {
            ExtremeNestingTests.renderHundredThousandDeepMixed()
            exit(EXIT_SUCCESS)
        }
    }

    // All run in a child process, so that a stack overflow fails the expectation instead of
    // killing the whole test run.
    @Test func hundredThousandDeepArraysDecodeWithTheLimitRaised() async {
        await #expect(processExitsWith: .success) {
            ExtremeNestingTests.decodeHundredThousandDeepArraysAndExit()
        }
    }

    /// Issue #5: destroying a deeply nested XPCMessage used to recurse once per level in the Swift
    /// runtime and overflowed an 8 MiB stack in debug builds from about 40,000 levels on. The
    /// containers' storage now takes nested containers apart iteratively.
    @Test func hundredThousandDeepArraysCanBeDestroyedAfterDecoding() async {
        await #expect(processExitsWith: .success) {
            ExtremeNestingTests.decodeHundredThousandDeepAndDrop(.arrays)
            exit(EXIT_SUCCESS)
        }
    }

    @Test func hundredThousandDeepMapsCanBeDestroyedAfterDecoding() async {
        await #expect(processExitsWith: .success) {
            ExtremeNestingTests.decodeHundredThousandDeepAndDrop(.maps)
            exit(EXIT_SUCCESS)
        }
    }

    @Test func hundredThousandDeepMixedArraysAndMapsCanBeDestroyedAfterDecoding() async {
        await #expect(processExitsWith: .success) {
            ExtremeNestingTests.decodeHundredThousandDeepAndDrop(.mixed)
            exit(EXIT_SUCCESS)
        }
    }

    /// A decoded deep message equals the same message built in code, and both hash alike
    /// (`==` and `hash(into:)` do not recurse either).
    static func compareDecodedWithBuilt() {
        for shape in [Shape.arrays, .maps, .mixed] {
            do {
                let decoded = try decoder(maximumDepth: 100_000).decode(makeEnvelope(nestedBody(shape, depth: 100_000)))
                let built = nestedMessage(shape, depth: 100_000)
                let other = nestedMessage(shape, depth: 99_999)
                if decoded != built || decoded == other || decoded.hashValue != built.hashValue {
                    exit(EXIT_FAILURE)
                }
            } catch {
                exit(EXIT_FAILURE)
            }
        }
    }

    @Test func hundredThousandDeepMessagesCompareAndHashWithoutRecursion() async {
        await #expect(processExitsWith: .success) {
            ExtremeNestingTests.compareDecodedWithBuilt()
            exit(EXIT_SUCCESS)
        }
    }

    /// A million levels, built in code rather than decoded (no depth limit applies), destroyed:
    /// alone, after a copy of the whole message was dropped first, and after a copy of an inner
    /// level was dropped last (shared storage is released without taking it apart).
    static func buildMillionDeepAndDrop() {
        for shape in [Shape.arrays, .maps, .mixed] {
            var message: XPCMessage? = nestedMessage(shape, depth: 1_000_000)
            var copy = message
            copy = nil
            var inner: XPCMessage? = message?[0] ?? message?[""]
            message = nil
            if let remaining = inner, nestingDepth(of: remaining).0 != 999_999 { exit(EXIT_FAILURE) }
            inner = nil
            _ = (copy, inner)
        }
    }

    /// 100,000 levels built through each way of putting a value into a container (the storage
    /// keeps a bound of its nesting height up to date through all of them), then destroyed.
    static func buildByMutationAndDrop() {
        let depth = 100_000
        let ways: [(XPCMessage) -> XPCMessage] = [
            { var array = XPCArray(); array.append($0); return .array(array) },
            { var array = XPCArray(); array.insert($0, at: 0); return .array(array) },
            { var array: XPCArray = [1]; array[0] = $0; return .array(array) },
            { var array: XPCArray = [1]; array.replaceSubrange(0..<1, with: [$0]); return .array(array) },
            { var array = XPCArray(); array.append(contentsOf: [$0]); return .array(array) },
            { var array = XPCArray(); array += [$0]; return .array(array) },
            { .array(XPCArray([$0].lazy.map { $0 })) },
            { var dictionary = XPCDictionary(); dictionary["k"] = $0; return .dictionary(dictionary) },
            { var dictionary: XPCDictionary = ["k": 1]; dictionary["k"] = $0; return .dictionary(dictionary) },
            { (try? XPCDictionary(uniqueKeysWithValues: [("k", $0)])).map { .dictionary($0) } ?? .null },
        ]
        for way in ways {
            var message: XPCMessage = .null
            for _ in 0..<depth { message = way(message) }
            if nestingDepth(of: message).0 != depth { exit(EXIT_FAILURE) }
        }
        // Nested through the element subscript of one outer array.
        var outer: XPCArray = [.null]
        for _ in 0..<depth {
            outer[0] = .array([outer[0]])
        }
        if nestingDepth(of: .array(outer)).0 != depth + 1 { exit(EXIT_FAILURE) }
    }

    @Test func hundredThousandDeepMessagesBuiltByMutationCanBeDestroyed() async {
        await #expect(processExitsWith: .success) {
            ExtremeNestingTests.buildByMutationAndDrop()
            exit(EXIT_SUCCESS)
        }
    }

    @Test func millionDeepMessagesBuiltInCodeCanBeDestroyed() async {
        await #expect(processExitsWith: .success) {
            ExtremeNestingTests.buildMillionDeepAndDrop()
            exit(EXIT_SUCCESS)
        }
    }
}

// MARK: - Duplicate and look-alike keys

@Suite struct HostileKeyTests {
    /// A map32 of `count` entries, each `key` → null, keys cycling through `keys`.
    static func map(count: Int, cycling keys: [[UInt8]]) -> [UInt8] {
        var body: [UInt8] = [0xdf] + bigEndianBytes(UInt32(count))
        body.reserveCapacity(5 + count * 4)
        for index in 0..<count {
            let key = keys[index % keys.count]
            body += [0xa0 | UInt8(key.count)] + key + [0xc0]
        }
        return body
    }

    /// SPEC §4.11: a key equal to the one before it fails at once, at the second copy.
    @Test func hundredThousandCopiesOfOneKeyFailAtTheSecondCopy() {
        let envelope = makeEnvelope(Self.map(count: 100_000, cycling: [[0x61]]))
        // map32 header (5 bytes), then the first entry `a1 61 c0` (3 bytes).
        for decoder in [XPCWireDecoder(), WireDecodingOracle.strict] {
            #expect(throws: XPCWireDecodingError.duplicateKey("a", offset: 14 + 5 + 3)) {
                try decoder.decode(envelope)
            }
        }
    }

    /// SPEC §4.11: duplicates that are never adjacent are found after the map, at its format byte;
    /// strict mode stops at the first key out of order.
    @Test func hundredThousandAlternatingCopiesOfTwoKeysFailAtTheMap() {
        let envelope = makeEnvelope(Self.map(count: 100_000, cycling: [[0x62], [0x61]]))
        #expect(throws: XPCWireDecodingError.duplicateKey("a", offset: 14)) {
            try XPCWireDecoder().decode(envelope)
        }
        #expect(throws: XPCWireDecodingError.nonCanonical(.unsortedKeys, offset: 14 + 5 + 3)) {
            try WireDecodingOracle.strict.decode(envelope)
        }
    }

    /// SPEC §2.4: "Å" as A + U+030A, as U+00C5 and as U+212B ANGSTROM SIGN are three keys, all kept,
    /// in byte order, although Swift's `String ==` calls them equal.
    @Test func keysThatDifferOnlyByNormalizationAreAllKept() throws {
        let body = hexBytes("83 a3 e2 84 ab 01 a2 c3 85 02 a3 41 cc 8a 03")
        let message = try XPCWireDecoder().decode(makeEnvelope(body))
        let dictionary = try #require(message.dictionaryValue)
        #expect(dictionary.keys.map { Array($0.utf8) } == [[0x41, 0xcc, 0x8a], [0xc3, 0x85], [0xe2, 0x84, 0xab]])
        #expect(dictionary.values == [3, 2, 1])
        #expect(try XPCWireEncoder().encodeBody(message) == hexBytes("83 a3 41 cc 8a 03 a2 c3 85 02 a3 e2 84 ab 01"))
        // The second key (c3 85) sorts before the first (e2 84 ab).
        #expect(throws: XPCWireDecodingError.nonCanonical(.unsortedKeys, offset: 20)) {
            try WireDecodingOracle.strict.decode(makeEnvelope(body))
        }
        let (_, violations) = makeEnvelope(body).withUnsafeBytes { WireDecodingOracle.checkEnvelope($0) }
        #expect(violations.isEmpty, "\(violations)")
    }

    /// A byte-identical repeat among look-alikes is a duplicate, and the error names that key's bytes.
    @Test func byteIdenticalRepeatAmongLookAlikesIsTheDuplicate() {
        // "e\u{301}" (65 cc 81), "é" (c3 a9), "é" again: the third key repeats the second.
        let body = hexBytes("83 a3 65 cc 81 c0 a2 c3 a9 c0 a2 c3 a9 c0")
        let error = #expect(throws: XPCWireDecodingError.self) {
            try XPCWireDecoder().decode(makeEnvelope(body))
        }
        guard case .duplicateKey(let key, let offset)? = error else {
            Issue.record("expected duplicateKey, got \(String(describing: error))")
            return
        }
        #expect(Array(key.utf8) == [0xc3, 0xa9])
        #expect(offset == 14 + 1 + 5 + 4)
    }

    /// 20,000 pairs of look-alike keys ("k<n>é" precomposed and decomposed) all survive a round trip.
    @Test func manyLookAlikePairsAreAllKept() throws {
        var pairs: [(String, XPCMessage)] = []
        for index in 0..<20_000 {
            pairs.append(("k\(index)\u{e9}", .int64(Int64(index))))
            pairs.append(("k\(index)e\u{301}", .int64(-Int64(index))))
        }
        let message = XPCMessage.dictionary(try XPCDictionary(uniqueKeysWithValues: pairs))
        let bytes = try XPCWireEncoder().encode(message)
        let decoded = try WireDecodingOracle.strict.decode(bytes)
        #expect(decoded.dictionaryValue?.count == 40_000)
        #expect(decoded == message)
    }
}
