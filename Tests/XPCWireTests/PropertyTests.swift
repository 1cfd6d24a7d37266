// Property-based tests of the codec with x-sheep/swift-property-based.

import Foundation
import PropertyBased
import Testing
import XPCWire

// MARK: - Generators

/// Builds random messages of bounded depth and size covering all 13 variants.
enum RandomXPCMessage {
    /// Deepest container nesting generated.
    static let maximumDepth = 4
    /// Most values (containers included) in one message.
    static let maximumValues = 160

    static func message<R: RandomNumberGenerator>(using rng: inout R) -> XPCMessage {
        var budget = maximumValues
        let raw = value(depth: 0, budget: &budget, using: &rng)
        var renumbering: [Int: UInt16] = [:]
        return renumberSlots(raw, &renumbering)
    }

    static func value<R: RandomNumberGenerator>(depth: Int, budget: inout Int, using rng: inout R) -> XPCMessage {
        budget -= 1
        let containersAllowed = depth < maximumDepth && budget > 0
        // 0...12 scalars; above that containers, likelier near the root.
        var pick = Int.random(in: 0..<(containersAllowed ? 15 + (maximumDepth - depth) : 13), using: &rng)
        // Four roots in five are containers, so most messages have some structure.
        if depth == 0, Int.random(in: 0..<5, using: &rng) != 0 { pick = 13 }
        switch pick {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int64(int64(using: &rng))
        case 3: return .uint64(uint64(using: &rng))
        case 4: return .double(double(using: &rng))
        case 5: return .string(string(using: &rng))
        case 6: return .data(data(using: &rng))
        case 7: return .fd(slot: UInt16.random(in: 0..<6, using: &rng))
        case 8:
            var bytes = [UInt8](repeating: 0, count: 16)
            for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255, using: &rng) }
            return .uuid(UUID(uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15])))
        case 9: return .date(XPCDate(nanosecondsSinceReferenceDate: int64(using: &rng)))
        case 10: return .endpoint(slot: UInt16.random(in: 0..<6, using: &rng))
        case 11: return .string(string(using: &rng))
        case 12: return .int64(int64(using: &rng))
        default:
            let count = containerCount(using: &rng)
            if Bool.random(using: &rng) {
                var elements: [XPCMessage] = []
                for _ in 0..<count where budget > 0 {
                    elements.append(value(depth: depth + 1, budget: &budget, using: &rng))
                }
                return .array(XPCArray(elements))
            } else {
                var dictionary = XPCDictionary()
                for _ in 0..<count where budget > 0 {
                    // Repeated keys overwrite; normalization-distinct keys stay apart.
                    dictionary[key(using: &rng)] = value(depth: depth + 1, budget: &budget, using: &rng)
                }
                return .dictionary(dictionary)
            }
        }
    }

    /// Mostly 0...4; sometimes 14...18, across the fixarray/fixmap boundary.
    static func containerCount<R: RandomNumberGenerator>(using rng: inout R) -> Int {
        Int.random(in: 0..<20, using: &rng) == 0 ? Int.random(in: 14...18, using: &rng) : Int.random(in: 0...4, using: &rng)
    }

    static let integerEdges: [Int64] = [
        0, 1, -1, 127, 128, -32, -33, -128, -129, 255, 256, 32_767, 32_768, -32_768, -32_769,
        65_535, 65_536, 2_147_483_647, 2_147_483_648, -2_147_483_648, -2_147_483_649, .max, .min,
    ]

    static func int64<R: RandomNumberGenerator>(using rng: inout R) -> Int64 {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return integerEdges.randomElement(using: &rng)!
        case 1: return Int64.random(in: -40...140, using: &rng)
        case 2:
            // Uniform over a random bit width, so every encoded size turns up.
            let bits = Int.random(in: 1...62, using: &rng)
            let bound = Int64(1) << bits
            return Int64.random(in: -bound...(bound - 1), using: &rng)
        default: return Int64.random(in: .min ... .max, using: &rng)
        }
    }

    static func uint64<R: RandomNumberGenerator>(using rng: inout R) -> UInt64 {
        switch Int.random(in: 0..<3, using: &rng) {
        case 0:
            let edges: [UInt64] = [0, 1, 127, 128, 255, 256, 65_535, 65_536, 4_294_967_295, 4_294_967_296, .max]
            return edges.randomElement(using: &rng)!
        case 1:
            let bits = Int.random(in: 1...64, using: &rng)
            return UInt64.random(in: 0 ... .max, using: &rng) >> (64 - bits)
        default: return UInt64.random(in: 0 ... .max, using: &rng)
        }
    }

    static func double<R: RandomNumberGenerator>(using rng: inout R) -> Double {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0:
            let specials: [UInt64] = [
                0, 0x8000_0000_0000_0000, 0x7ff0_0000_0000_0000, 0xfff0_0000_0000_0000, 0x7ff8_0000_0000_0000,
                0x7ff8_0000_0000_0001, 0x7ff0_0000_0000_0001, 0xfff8_dead_beef_0000, 0x0000_0000_0000_0001,
                0x3ff0_0000_0000_0000,
            ]
            return Double(bitPattern: specials.randomElement(using: &rng)!)
        case 1:
            // A NaN with a random payload, quiet or signalling, either sign.
            let payload = UInt64.random(in: 1...0x000f_ffff_ffff_ffff, using: &rng)
            let sign: UInt64 = Bool.random(using: &rng) ? 0x8000_0000_0000_0000 : 0
            return Double(bitPattern: sign | 0x7ff0_0000_0000_0000 | payload)
        case 2: return Double.random(in: -1e6...1e6, using: &rng)
        default: return Double(bitPattern: UInt64.random(in: 0 ... .max, using: &rng))
        }
    }

    /// Edges of the UTF-8 length classes, noncharacters, BOM, the largest scalar.
    static let specialScalars: [Unicode.Scalar] = [
        0x1, 0x7f, 0x80, 0xe9, 0x301, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfdd0, 0xfeff, 0xfffd, 0xffff,
        0x1_0000, 0x1_f600, 0x10_ffff, 0x212b,
    ].map { (value: UInt32) in Unicode.Scalar(value)! }

    /// A random Unicode scalar other than U+0000: ASCII, 2-, 3- and 4-byte forms, combining marks.
    static func scalar<R: RandomNumberGenerator>(using rng: inout R) -> Unicode.Scalar {
        let value: UInt32
        switch Int.random(in: 0..<10, using: &rng) {
        case 0...3: value = UInt32.random(in: 0x01...0x7f, using: &rng)
        case 4: value = UInt32.random(in: 0x80...0x7ff, using: &rng)
        case 5: value = UInt32.random(in: 0x300...0x36f, using: &rng)  // combining diacritical marks
        case 6:
            let candidate = UInt32.random(in: 0x800...0xf7ff, using: &rng)
            value = candidate >= 0xd800 ? candidate + 0x800 : candidate  // skip the surrogates
        case 7: value = UInt32.random(in: 0x1_0000...0x10_ffff, using: &rng)
        case 8: return specialScalars.randomElement(using: &rng)!
        default: value = UInt32.random(in: 0x61...0x7a, using: &rng)
        }
        return Unicode.Scalar(value)!
    }

    static func string<R: RandomNumberGenerator>(using rng: inout R) -> String {
        let length: Int
        switch Int.random(in: 0..<16, using: &rng) {
        case 0: length = 0
        case 1, 2: length = Int.random(in: 20...40, using: &rng)  // around the fixstr/str8 boundary
        case 3: length = Int.random(in: 60...130, using: &rng)  // bytes around the str8/str16 boundary
        default: length = Int.random(in: 1...10, using: &rng)
        }
        var scalars = String.UnicodeScalarView()
        for _ in 0..<length { scalars.append(scalar(using: &rng)) }
        return String(scalars)
    }

    /// Keys: often from a small pool (so keys repeat and normalization-distinct pairs meet), else random.
    static func key<R: RandomNumberGenerator>(using rng: inout R) -> String {
        let pool = ["", "a", "b", "ab", "\u{e9}", "e\u{301}", "\u{212b}", "\u{c5}", "\u{10000}", "\u{7f}", "\u{80}"]
        return Bool.random(using: &rng) ? pool.randomElement(using: &rng)! : string(using: &rng)
    }

    static func data<R: RandomNumberGenerator>(using rng: inout R) -> [UInt8] {
        let count = Int.random(in: 0..<10, using: &rng) == 0 ? Int.random(in: 250...300, using: &rng) : Int.random(in: 0...8, using: &rng)
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    /// Gives each distinct (kind, slot) pair the next free slot, so slots are gap-free and each has one kind.
    static func renumberSlots(_ message: XPCMessage, _ mapping: inout [Int: UInt16]) -> XPCMessage {
        func slot(_ key: Int, _ mapping: inout [Int: UInt16]) -> UInt16 {
            if let existing = mapping[key] { return existing }
            let next = UInt16(mapping.count)
            mapping[key] = next
            return next
        }
        switch message {
        case .fd(let original): return .fd(slot: slot(Int(original), &mapping))
        case .endpoint(let original): return .endpoint(slot: slot(0x1_0000 + Int(original), &mapping))
        case .array(let elements):
            var result: [XPCMessage] = []
            for element in elements { result.append(renumberSlots(element, &mapping)) }
            return .array(XPCArray(result))
        case .dictionary(let dictionary):
            var result = XPCDictionary()
            for entry in dictionary { result[entry.key] = renumberSlots(entry.value, &mapping) }
            return .dictionary(result)
        default: return message
        }
    }
}

/// The slot table a message implies: slot n has the kind of the values that use it.
func impliedSlotTable(of message: XPCMessage) -> [XPCSlotKind] {
    var table: [Int: XPCSlotKind] = [:]
    var pending = [message]
    while let next = pending.popLast() {
        switch next {
        case .fd(let slot): table[Int(slot)] = .fd
        case .endpoint(let slot): table[Int(slot)] = .endpoint
        case .array(let elements): pending += elements
        case .dictionary(let dictionary): pending += dictionary.values
        default: break
        }
    }
    return (0..<table.count).map { table[$0]! }
}

/// All variants that occur in a message.
func variantsOccurring(in message: XPCMessage) -> Set<XPCMessage.Kind> {
    var kinds: Set<XPCMessage.Kind> = []
    var pending = [message]
    while let next = pending.popLast() {
        kinds.insert(next.kind)
        if case .array(let elements) = next { pending += elements }
        if case .dictionary(let dictionary) = next { pending += dictionary.values }
    }
    return kinds
}

let randomMessageGenerator = Generator<XPCMessage, Shrink.None<XPCMessage>> { rng in
    RandomXPCMessage.message(using: &rng)
}

/// One way to damage an encoded message.
enum ByteMutation: Sendable {
    case replace(position: UInt64, byte: UInt8)
    case truncate(position: UInt64)
    case insert(position: UInt64, bytes: [UInt8])

    func apply(to bytes: [UInt8]) -> [UInt8] {
        var result = bytes
        switch self {
        case .replace(let position, let byte):
            guard !result.isEmpty else { return [byte] }
            let index = Int(position % UInt64(result.count))
            result[index] = result[index] == byte ? byte &+ 1 : byte  // always a real change
        case .truncate(let position):
            guard !result.isEmpty else { return result }
            result.removeLast(Int(position % UInt64(result.count)) + 1)
        case .insert(let position, let inserted):
            result.insert(contentsOf: inserted, at: Int(position % UInt64(result.count + 1)))
        }
        return result
    }
}

struct ByteMutationCase: Sendable {
    var message: XPCMessage
    var mutations: [ByteMutation]
}

let byteMutationGenerator = Generator<ByteMutationCase, Shrink.None<ByteMutationCase>> { rng in
    let message = RandomXPCMessage.message(using: &rng)
    var mutations: [ByteMutation] = []
    for _ in 0..<12 {
        let position = UInt64.random(in: 0 ... .max, using: &rng)
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: mutations.append(.replace(position: position, byte: UInt8.random(in: 0...255, using: &rng)))
        case 1: mutations.append(.truncate(position: position))
        default:
            let count = Int.random(in: 1...8, using: &rng)
            mutations.append(.insert(position: position, bytes: (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }))
        }
    }
    return ByteMutationCase(message: message, mutations: mutations)
}

let randomBodyGenerator = Generator<[UInt8], Shrink.None<[UInt8]>> { rng in
    let count = Int.random(in: 0...40, using: &rng)
    return (0..<count).map { _ in
        // Biased towards the format bytes 0x80...0xff, where the structure is.
        Bool.random(using: &rng) ? UInt8.random(in: 0x80...0xff, using: &rng) : UInt8.random(in: 0...255, using: &rng)
    }
}

// MARK: - Properties

/// What every decoding outcome must satisfy: a message that re-encodes (to the same bytes when
/// strict mode accepted it, SPEC §5.4), or a decoding error whose offset lies within the input.
private func checkDecodingOutcome(of bytes: [UInt8], strict: Bool) {
    let decoder = strict ? strictWireDecoder : XPCWireDecoder()
    let envelope: XPCEnvelope
    do throws(XPCWireDecodingError) {
        envelope = try decoder.decodeEnvelope(bytes)
    } catch {
        #expect(error.offset >= 0 && error.offset <= bytes.count, "offset outside the \(bytes.count)-byte input: \(error)")
        return
    }
    do {
        let reencoded = try XPCWireEncoder().encode(envelope.message)
        #expect(try strictWireDecoder.decode(reencoded) == envelope.message)
        #expect(envelope.slots == impliedSlotTable(of: envelope.message))
        if strict {
            #expect(reencoded == bytes, "strict decoder accepted non-canonical bytes")
        }
    } catch {
        Issue.record("a decoded message failed to re-encode: \(error)")
    }
}

@Suite struct CodecPropertyTests {
    /// The generator itself must reach all 13 variants, or the properties below prove less than they claim.
    @Test func generatorCoversEveryVariant() {
        var rng = SystemRandomNumberGenerator()
        var seen: Set<XPCMessage.Kind> = []
        for _ in 0..<300 {
            seen.formUnion(variantsOccurring(in: RandomXPCMessage.message(using: &rng)))
        }
        #expect(seen == Set(XPCMessage.Kind.allCases))
    }

    @Test func decodeInvertsEncode() async {
        await propertyCheck(count: 300, input: randomMessageGenerator) { message in
            let bytes = try XPCWireEncoder().encode(message)
            #expect(try XPCWireDecoder().decode(bytes) == message)
        }
    }

    @Test func encodingIsDeterministicAndCanonical() async {
        await propertyCheck(count: 300, input: randomMessageGenerator) { message in
            let encoder = XPCWireEncoder()
            let bytes = try encoder.encode(message)
            #expect(try encoder.encode(message) == bytes)
            let decoded = try XPCWireDecoder().decode(bytes)
            #expect(try encoder.encode(decoded) == bytes)
        }
    }

    @Test func envelopeMatchesTheBody() async {
        await propertyCheck(count: 300, input: randomMessageGenerator) { message in
            let encoder = XPCWireEncoder()
            let bytes = try encoder.encode(message)
            let body = try encoder.encodeBody(message)
            let slots = impliedSlotTable(of: message)
            #expect(Array(bytes.prefix(8)) == [0x58, 0x50, 0x43, 0x57, 0x01, 0x00, 0x00, 0x00])
            #expect(Array(bytes[8..<10]) == bigEndianBytes(UInt16(slots.count)))
            #expect(Array(bytes[10..<14]) == bigEndianBytes(UInt32(body.count)))
            #expect(Array(bytes[14..<(14 + slots.count)]) == slots.map(\.rawValue))
            #expect(Array(bytes[(14 + slots.count)...]) == body)
            #expect(try XPCWireDecoder().decodeBody(body, slots: slots) == message)
        }
    }

    @Test func strictDecodingAcceptsEveryEncodedMessage() async {
        await propertyCheck(count: 300, input: randomMessageGenerator) { message in
            let bytes = try XPCWireEncoder().encode(message)
            let envelope = try strictWireDecoder.decodeEnvelope(bytes)
            #expect(envelope.message == message)
            #expect(envelope.version == .current)
            #expect(envelope.flags == 0)
        }
    }

    /// XPCDate's documented promise: a `Date` at least 2^23 s from 2001 (coarser than a nanosecond)
    /// converts to nanoseconds and back to exactly the same `Double`.
    @Test func coarseDatesRoundTripThroughXPCDate() async {
        let seconds = Generator<Double, Shrink.None<Double>> { rng in
            let magnitude = Double.random(in: 0x1p23...0x1p33, using: &rng)
            return Bool.random(using: &rng) ? magnitude : -magnitude
        }
        await propertyCheck(count: 500, input: seconds) { value in
            let date = try XPCDate(Date(timeIntervalSinceReferenceDate: value))
            #expect(date.date.timeIntervalSinceReferenceDate == value)
            #expect(date.secondsSinceReferenceDate == value)
        }
    }

    @Test func mutatedBytesGiveAMessageOrADecodingError() async {
        await propertyCheck(count: 300, input: byteMutationGenerator) { testCase in
            let bytes = try XPCWireEncoder().encode(testCase.message)
            for mutation in testCase.mutations {
                let mutated = mutation.apply(to: bytes)
                checkDecodingOutcome(of: mutated, strict: false)
                checkDecodingOutcome(of: mutated, strict: true)
            }
        }
    }

    @Test func randomBodiesGiveAMessageOrADecodingError() async {
        await propertyCheck(count: 500, input: randomBodyGenerator) { body in
            checkDecodingOutcome(of: makeEnvelope(body), strict: false)
            checkDecodingOutcome(of: makeEnvelope(body), strict: true)
            let decoded: XPCMessage
            do throws(XPCWireDecodingError) {
                decoded = try strictWireDecoder.decodeBody(body)
            } catch {
                #expect(error.offset >= 0 && error.offset <= body.count)
                return
            }
            do throws(XPCWireEncodingError) {
                #expect(try XPCWireEncoder().encodeBody(decoded) == body, "strict decodeBody accepted non-canonical bytes")
            } catch {
                Issue.record("a decoded body failed to re-encode: \(error)")
            }
        }
    }
}
