import ArgumentParser
import Foundation
import XPCWire

extension XPCWireCommand {
    /// Random messages for cross-language round trips: the same seed always gives the same bytes.
    struct Random: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write COUNT random canonical envelopes, concatenated, generated from SEED.",
            discussion: """
                Every variant appears, with edge values, multi-byte and combining-mark strings, NaN \
                payloads and fd/endpoint slots. Envelopes are self-delimiting (SPEC §3.1), so the \
                output is a stream that 'validate --stream' and the interop tools read.
                """)

        @Option(help: "The seed of the deterministic generator.")
        var seed: UInt64 = 1

        @Option(help: "How many envelopes to write.")
        var count = 100

        @Option(help: "The deepest nesting to generate.")
        var maxDepth = 4

        @Option(name: [.short, .long], help: "Where to write the stream; '-' writes to standard output.")
        var output: String

        func validate() throws {
            guard count >= 0 else { throw ValidationError("--count must be 0 or more.") }
            guard (0...64).contains(maxDepth) else { throw ValidationError("--max-depth must be within 0...64.") }
        }

        func run() throws {
            var generator = RandomMessageGenerator(seed: seed, maximumDepth: maxDepth)
            var stream: [UInt8] = []
            for _ in 0..<count {
                stream += try XPCWireEncoder().encode(generator.nextEnvelopeBody())
            }
            try FileIO.write(stream, to: output)
        }
    }
}

/// SplitMix64: small, fast, and the same sequence on every platform.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// Generates random messages that use every variant and stress the edges of the format.
struct RandomMessageGenerator {
    private var random: SplitMix64
    private let maximumDepth: Int

    init(seed: UInt64, maximumDepth: Int) {
        random = SplitMix64(seed: seed)
        self.maximumDepth = maximumDepth
    }

    /// A dictionary body whose `"slots"` entry refers to every slot of a random slot table.
    mutating func nextEnvelopeBody() -> XPCMessage {
        var dictionary = XPCDictionary()
        let entries = Int.random(in: 0...6, using: &random)
        for _ in 0..<entries { dictionary[nextString(maximumLength: 8)] = nextValue(depth: 1) }
        let slotCount = Int.random(in: 0...3, using: &random)
        if slotCount > 0 {
            dictionary["slots"] = .array(XPCArray((0..<slotCount).map { slot in
                Bool.random(using: &random) ? .fd(slot: UInt16(slot)) : .endpoint(slot: UInt16(slot))
            }))
        }
        return .dictionary(dictionary)
    }

    private mutating func nextValue(depth: Int) -> XPCMessage {
        let containers = depth < maximumDepth
        switch Int.random(in: 0..<(containers ? 12 : 10), using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .int64(nextInt64())
        case 3: return .uint64(nextUInt64())
        case 4: return .double(nextDouble())
        case 5, 6: return .string(nextString(maximumLength: 40))
        case 7: return .data((0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
        case 8: return .uuid(UUID(uuid: (
            nextByte(), nextByte(), nextByte(), nextByte(), nextByte(), nextByte(), nextByte(), nextByte(),
            nextByte(), nextByte(), nextByte(), nextByte(), nextByte(), nextByte(), nextByte(), nextByte())))
        case 9: return .date(XPCDate(nanosecondsSinceReferenceDate: nextInt64()))
        case 10:
            return .array(XPCArray((0..<Int.random(in: 0...5, using: &random)).map { _ in nextValue(depth: depth + 1) }))
        default:
            var dictionary = XPCDictionary()
            for _ in 0..<Int.random(in: 0...5, using: &random) {
                dictionary[nextString(maximumLength: 10)] = nextValue(depth: depth + 1)
            }
            return .dictionary(dictionary)
        }
    }

    private mutating func nextByte() -> UInt8 { UInt8.random(in: 0...255, using: &random) }

    /// Edge values (form boundaries of SPEC §4.3) half of the time, anything the other half.
    private mutating func nextInt64() -> Int64 {
        let edges: [Int64] = [0, 1, 127, 128, -1, -32, -33, -128, -129, 255, 256, 32_767, 32_768, -32_768, -32_769,
                              65_535, 65_536, 2_147_483_647, 2_147_483_648, -2_147_483_648, -2_147_483_649, .max, .min]
        if Bool.random(using: &random), let edge = edges.randomElement(using: &random) { return edge }
        return Int64(bitPattern: random.next()) >> Int64.random(in: 0...63, using: &random)
    }

    private mutating func nextUInt64() -> UInt64 {
        let edges: [UInt64] = [0, 1, 127, 128, 255, 256, 65_535, 65_536, 4_294_967_295, 4_294_967_296, .max]
        if Bool.random(using: &random), let edge = edges.randomElement(using: &random) { return edge }
        return random.next() >> UInt64.random(in: 0...63, using: &random)
    }

    private mutating func nextDouble() -> Double {
        let specials: [Double] = [0, -0.0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1.5]
        if Bool.random(using: &random), let special = specials.randomElement(using: &random) { return special }
        return Double(bitPattern: random.next())  // any bit pattern, NaN payloads included
    }

    /// Strings from ASCII, Latin, combining marks, CJK, emoji and the edges of the planes; no U+0000.
    private mutating func nextString(maximumLength: Int) -> String {
        let ranges: [ClosedRange<UInt32>] = [
            0x01...0x7f, 0x80...0x7ff, 0x300...0x36f, 0x800...0xd7ff, 0xe000...0xffff, 0x10000...0x10ffff,
        ]
        var string = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...maximumLength, using: &random) {
            let range = ranges[Int.random(in: 0..<ranges.count, using: &random)]
            if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &random)) { string.append(scalar) }
        }
        return String(string)
    }
}
