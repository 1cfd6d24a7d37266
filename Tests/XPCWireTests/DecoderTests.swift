// Decoding: round trips, the forms the default decoder also accepts, strict mode, and every
// error case with its exact offset. Input bytes are written by hand.

import Foundation
import SystemPackage
import Testing
import XPCWire

private let defaultWireDecoder = XPCWireDecoder()

/// Offset of the first body byte in an envelope with no slots.
private let envelopeBodyStart = 14

@Suite struct WireRoundTripTests {
    static let messages: [XPCMessage] = [
        .null, true, false, 0, -1, 127, 128, -33, .int64(.min), .int64(.max),
        .uint64(0), .uint64(.max), .double(-0.0), .double(Double(bitPattern: 0x7ff0_0000_0000_0001)),
        .double(Double(bitPattern: 0xfff8_dead_beef_0000)), "", "e\u{301}", "\u{e9}", "\u{1f600}\u{10ffff}",
        .string(String(repeating: "\u{fffd}", count: 100)), .data([]), .data(Array(0...255)),
        .uuid(uuidFromString("E621E1F8-C36C-495A-93FC-0C247A3E6E5F")),
        .date(XPCDate(nanosecondsSinceReferenceDate: .min)), .date(XPCDate(nanosecondsSinceReferenceDate: -1)),
        .fd(slot: 0), .endpoint(slot: 0),
        [], [:], ["\u{e9}": 1, "e\u{301}": 2, "": [nil, [:], []]],
        [.fd(slot: 1), .endpoint(slot: 0), ["k": .fd(slot: 1)], .endpoint(slot: 2)],
        .array(XPCArray(Array(repeating: "x", count: 16))),
    ]

    @Test(arguments: messages)
    func decodeInvertsEncode(message: XPCMessage) throws {
        let bytes = try XPCWireEncoder().encode(message)
        #expect(try defaultWireDecoder.decode(bytes) == message)
        #expect(try strictWireDecoder.decode(bytes) == message)
        let viaPointer = try bytes.withUnsafeBytes { try defaultWireDecoder.decode($0) }
        #expect(viaPointer == message)
    }

    @Test func envelopeFieldsAreReported() throws {
        let message: XPCMessage = [.fd(slot: 1), .endpoint(slot: 0)]
        let envelope = try defaultWireDecoder.decodeEnvelope(try XPCWireEncoder().encode(message))
        #expect(envelope.version == XPCWireVersion(major: 1, minor: 0))
        #expect(envelope.version == .current)
        #expect(envelope.flags == 0)
        #expect(envelope.slots == [.endpoint, .fd])
        #expect(envelope.message == message)
    }

    @Test func bodyRoundTrip() throws {
        let message: XPCMessage = ["a": [1, "b", .fd(slot: 0)]]
        let bytes = try XPCWireEncoder().encodeBody(message)
        #expect(try defaultWireDecoder.decodeBody(bytes, slots: [.fd]) == message)
        #expect(try defaultWireDecoder.decodeBody(hexBytes("93 01 a1 61 c0")) == [1, "a", nil])
        #expect(throws: XPCWireDecodingError.slotIndexOutOfRange(slot: 0, slotCount: 0, offset: 7)) {
            try defaultWireDecoder.decodeBody(bytes)
        }
    }

    @Test(arguments: [
        ("c0", XPCMessage.null), ("c2", false), ("c3", true),
        ("7f", 127), ("e0", -32), ("d0 df", -33), ("d1 00 80", 128), ("d1 ff 7f", -129),
        ("d3 80 00 00 00 00 00 00 00", .int64(.min)),
        ("cc 00", .uint64(0)), ("cc 05", .uint64(5)), ("cf ff ff ff ff ff ff ff ff", .uint64(.max)),
        ("cb 7f f8 de ad be ef 00 01", .double(Double(bitPattern: 0x7ff8_dead_beef_0001))),
        ("cb 80 00 00 00 00 00 00 00", .double(-0.0)),
        ("a3 65 cc 81", .string("e\u{301}")),
        ("c4 00", .data([])),
        ("d8 01 e6 21 e1 f8 c3 6c 49 5a 93 fc 0c 24 7a 3e 6e 5f", .uuid(uuidFromString("E621E1F8-C36C-495A-93FC-0C247A3E6E5F"))),
        ("d7 02 ff ff ff ff ff ff ff ff", .date(XPCDate(nanosecondsSinceReferenceDate: -1))),
        ("82 a0 c0 a1 61 90", .dictionary(["": .null, "a": .array([])])),
    ])
    func handWrittenCanonicalBytesDecodeInBothModes(body: String, message: XPCMessage) throws {
        #expect(try defaultWireDecoder.decode(makeEnvelope(hexBytes(body))) == message)
        #expect(try strictWireDecoder.decode(makeEnvelope(hexBytes(body))) == message)
        #expect(try strictWireDecoder.decodeBody(hexBytes(body)) == message)
    }

    @Test func longDecodedStringsKeepStringSemantics() throws {
        // Longer than 15 bytes, so not stored inline: made from the checked bytes without a second
        // validation, with the decoder's knowledge of whether they are ASCII.
        let composed = String(repeating: "caf\u{E9} cr\u{E8}me ", count: 3)
        let decomposed = String(repeating: "cafe\u{301} cre\u{300}me ", count: 3)
        let ascii = String(repeating: "plain ascii ", count: 3)
        for text in [composed, ascii, "x" + composed] {
            let message: XPCMessage = ["values": [.string(text), .string(text + "!")], .init(text): 1]
            let decoded = try defaultWireDecoder.decode(XPCWireEncoder().encode(message))
            #expect(decoded == message)
            let string = try #require(decoded["values"]?[0]?.stringValue)
            #expect(string == text)
            #expect(Set([text]).contains(string))
            #expect(string.count == text.count)
            #expect(Array(string.utf16) == Array(text.utf16))
            #expect(string.hasSuffix(String(text.suffix(3))))
            let key = try #require(decoded.dictionaryValue?.keys.first { $0 != "values" })
            #expect(key == text)
            #expect([text: 1][key] == 1)
            #expect(try XPCDecoder().decode([String: [String]].self, from: XPCEncoder().encode([text: [text]]).bytes) == [text: [text]])
        }
        // Unicode canonical equivalence is still `String`'s (the wire compares bytes, SPEC §2.4).
        let string = try #require(try defaultWireDecoder.decode(XPCWireEncoder().encode(.string(composed))).stringValue)
        #expect(string == decomposed)
        #expect(Set([decomposed]).contains(string))
    }

    @Test func arraysMixingEveryNumberFormWithOtherValues() throws {
        let numbers: [XPCMessage] = [
            0, 127, -32, -1, -33, -128, -129, -32_768, -32_769, .int64(.min), .int64(.max), 2_147_483_648,
            .uint64(0), .uint64(255), .uint64(256), .uint64(65_536), .uint64(1 << 32), .uint64(.max),
            1.5, -0.0, .double(.infinity),
        ]
        let others: [XPCMessage] = [nil, true, "s", .data([1]), [1, 2], ["k": 3], [], sampleUUID]
        // Every interleaving pattern of runs: numbers alone, one other value at each position,
        // runs of every length between others, nested arrays of numbers.
        var arrays: [[XPCMessage]] = [numbers, [numbers[0]], [numbers[0], numbers[1]]]
        for index in 0...numbers.count {
            for other in others {
                var array = numbers
                array.insert(other, at: index)
                arrays.append(array)
            }
        }
        for length in 0...5 {
            arrays.append(Array(repeating: Array(numbers.prefix(length)) + ["x"], count: 3).flatMap { $0 })
        }
        arrays.append([.array(XPCArray(numbers)), .array(XPCArray(numbers.reversed())), 1, 2])
        for array in arrays {
            let message = XPCMessage.array(XPCArray(array))
            let bytes = try XPCWireEncoder().encode(message)
            #expect(try defaultWireDecoder.decode(bytes) == message)
            #expect(try strictWireDecoder.decode(bytes) == message)
        }
    }

    @Test func uintFormsAlwaysGiveUInt64AndFixintAlwaysInt64() throws {
        #expect(try defaultWireDecoder.decode(makeEnvelope(hexBytes("cc 05"))) == .uint64(5))
        #expect(try defaultWireDecoder.decode(makeEnvelope(hexBytes("05"))) == .int64(5))
        #expect(try defaultWireDecoder.decode(makeEnvelope(hexBytes("cc 05"))) != .int64(5))
        // In strict mode a uint form holding a small value is still canonical: it is a uint64.
        #expect(try strictWireDecoder.decode(makeEnvelope(hexBytes("cc c8"))) == .uint64(200))
    }
}

/// An input the default decoder accepts and strict mode rejects.
struct WireNonCanonicalCase: Sendable, CustomTestStringConvertible {
    var name: String
    var body: [UInt8]
    var message: XPCMessage
    var reason: XPCWireDecodingError.NonCanonicalReason
    /// Offset of the offending item within the body.
    var offset: Int

    init(_ name: String, _ body: [UInt8], _ message: XPCMessage, _ reason: XPCWireDecodingError.NonCanonicalReason, at offset: Int = 0) {
        self.name = name
        self.body = body
        self.message = message
        self.reason = reason
        self.offset = offset
    }

    var testDescription: String { name }
}

private let uuidPayload = hexBytes("e6 21 e1 f8 c3 6c 49 5a 93 fc 0c 24 7a 3e 6e 5f")
private let sampleUUID = XPCMessage.uuid(uuidFromString("E621E1F8-C36C-495A-93FC-0C247A3E6E5F"))
private func dateMessage(_ nanoseconds: Int64) -> XPCMessage { .date(XPCDate(nanosecondsSinceReferenceDate: nanoseconds)) }

let wireNonCanonicalCases: [WireNonCanonicalCase] = [
    .init("int64 5 as int64", hexBytes("d3 00 00 00 00 00 00 00 05"), 5, .nonShortestInteger),
    .init("int64 5 as int8", hexBytes("d0 05"), 5, .nonShortestInteger),
    .init("int64 -1 as int8", hexBytes("d0 ff"), -1, .nonShortestInteger),
    .init("int64 -32 as int16", hexBytes("d1 ff e0"), -32, .nonShortestInteger),
    .init("int64 127 as int16", hexBytes("d1 00 7f"), 127, .nonShortestInteger),
    .init("int64 -128 as int32", hexBytes("d2 ff ff ff 80"), -128, .nonShortestInteger),
    .init("int64 32767 as int64", hexBytes("d3 00 00 00 00 00 00 7f ff"), 32_767, .nonShortestInteger),
    .init("int64 -2^31 as int64", hexBytes("d3 ff ff ff ff 80 00 00 00"), -2_147_483_648, .nonShortestInteger),
    .init("uint 5 as uint16", hexBytes("cd 00 05"), .uint64(5), .nonShortestInteger),
    .init("uint 255 as uint32", hexBytes("ce 00 00 00 ff"), .uint64(255), .nonShortestInteger),
    .init("uint 65535 as uint64", hexBytes("cf 00 00 00 00 00 00 ff ff"), .uint64(65_535), .nonShortestInteger),
    .init("uint 0 as uint64", hexBytes("cf 00 00 00 00 00 00 00 00"), .uint64(0), .nonShortestInteger),
    .init("uint 2^32-1 as uint64", hexBytes("cf 00 00 00 00 ff ff ff ff"), .uint64(4_294_967_295), .nonShortestInteger),
    .init("int in an array", hexBytes("92 c0 d0 05"), [nil, 5], .nonShortestInteger, at: 2),
    // Numbers after the first in an array are read by the parser's run of numbers.
    .init("int in a run of numbers", hexBytes("94 01 ff d0 05 02"), [1, -1, 5, 2], .nonShortestInteger, at: 3),
    .init("uint in a run of numbers", hexBytes("93 cc 80 cd 00 05 07"), [.uint64(128), .uint64(5), 7], .nonShortestInteger, at: 3),
    .init("str8 for 1 byte", hexBytes("d9 01 61"), "a", .nonShortestLength),
    .init("str8 for empty", hexBytes("d9 00"), "", .nonShortestLength),
    .init("str8 for 31 bytes", [0xd9, 0x1f] + Array(repeating: 0x7a, count: 31), .string(String(repeating: "z", count: 31)), .nonShortestLength),
    .init("str16 for 1 byte", hexBytes("da 00 01 61"), "a", .nonShortestLength),
    .init("str32 for 1 byte", hexBytes("db 00 00 00 01 61"), "a", .nonShortestLength),
    .init("str16 for 255 bytes", [0xda, 0x00, 0xff] + Array(repeating: 0x7a, count: 255), .string(String(repeating: "z", count: 255)), .nonShortestLength),
    .init("str8 key", hexBytes("81 d9 01 61 c0"), ["a": nil], .nonShortestLength, at: 1),
    .init("bin16 for 1 byte", hexBytes("c5 00 01 ff"), .data([0xff]), .nonShortestLength),
    .init("bin32 for 1 byte", hexBytes("c6 00 00 00 01 ff"), .data([0xff]), .nonShortestLength),
    .init("array16 for 1 element", hexBytes("dc 00 01 c0"), [nil], .nonShortestLength),
    .init("array16 for 15 elements", [0xdc, 0x00, 0x0f] + Array(repeating: 0xc0, count: 15), .array(XPCArray(Array(repeating: .null, count: 15))), .nonShortestLength),
    .init("array32 for empty", hexBytes("dd 00 00 00 00"), [], .nonShortestLength),
    .init("map16 for empty", hexBytes("de 00 00"), [:], .nonShortestLength),
    .init("map32 for 1 entry", hexBytes("df 00 00 00 01 a1 61 c0"), ["a": nil], .nonShortestLength),
    .init("float32 1.5", hexBytes("ca 3f c0 00 00"), 1.5, .float32),
    .init("float32 0.1 widened exactly", hexBytes("ca 3d cc cc cd"), .double(Double(bitPattern: 0x3fb9_9999_a000_0000)), .float32),
    .init("float32 -0", hexBytes("ca 80 00 00 00"), .double(-0.0), .float32),
    .init("float32 +infinity", hexBytes("ca 7f 80 00 00"), .double(.infinity), .float32),
    .init("float32 smallest subnormal", hexBytes("ca 00 00 00 01"), .double(Double(bitPattern: 0x36a0_0000_0000_0000)), .float32),
    .init("float32 quiet NaN", hexBytes("ca 7f c0 00 00"), .double(Double(bitPattern: 0x7ff8_0000_0000_0000)), .float32),
    .init("float32 signalling NaN widened to quiet", hexBytes("ca 7f 80 00 01"), .double(Double(bitPattern: 0x7ff8_0000_2000_0000)), .float32),
    .init("float32 negative NaN with payload", hexBytes("ca ff c0 00 01"), .double(Double(bitPattern: 0xfff8_0000_2000_0000)), .float32),
    .init("unsorted keys", hexBytes("82 a1 62 01 a1 61 02"), ["a": 2, "b": 1], .unsortedKeys, at: 4),
    .init("C3 A9 before 65 CC 81", hexBytes("82 a2 c3 a9 01 a3 65 cc 81 02"), ["\u{e9}": 1, "e\u{301}": 2], .unsortedKeys, at: 5),
    .init("longer key before its prefix", hexBytes("82 a2 61 61 01 a1 61 02"), ["aa": 1, "a": 2], .unsortedKeys, at: 5),
    .init("uuid as ext8", [0xc7, 0x10, 0x01] + uuidPayload, sampleUUID, .nonShortestExtForm),
    .init("uuid as ext16", [0xc8, 0x00, 0x10, 0x01] + uuidPayload, sampleUUID, .nonShortestExtForm),
    .init("uuid as ext32", [0xc9, 0x00, 0x00, 0x00, 0x10, 0x01] + uuidPayload, sampleUUID, .nonShortestExtForm),
    .init("date as ext8", hexBytes("c7 08 02 00 00 00 00 59 68 2f 00"), dateMessage(1_500_000_000), .nonShortestExtForm),
    .init("date as ext16", hexBytes("c8 00 08 02 ff ff ff ff ff ff ff ff"), dateMessage(-1), .nonShortestExtForm),
    .init("date as ext32", hexBytes("c9 00 00 00 08 02 80 00 00 00 00 00 00 00"), dateMessage(.min), .nonShortestExtForm),
    .init("timestamp32 at 1970", hexBytes("d6 ff 00 00 00 00"), dateMessage(-978_307_200_000_000_000), .timestampExt),
    .init("timestamp32 at 2001", hexBytes("d6 ff 3a 4f c8 80"), dateMessage(0), .timestampExt),
    .init("timestamp32 max", hexBytes("d6 ff ff ff ff ff"), dateMessage((4_294_967_295 - 978_307_200) * 1_000_000_000), .timestampExt),
    .init("timestamp64", hexBytes("d7 ff 77 35 94 00 3a 4f c8 81"), dateMessage(1_500_000_000), .timestampExt),
    .init("timestamp64 max nanoseconds", hexBytes("d7 ff ee 6b 27 fc 3a 4f c8 80"), dateMessage(999_999_999), .timestampExt),
    .init("timestamp96 before 1970", hexBytes("c7 0c ff 1d cd 65 00 ff ff ff ff ff ff ff ff"), dateMessage(-978_307_200_500_000_000), .timestampExt),
    .init("timestamp96 at 1900", hexBytes("c7 0c ff 00 00 00 00 ff ff ff ff 7c 55 81 80"), dateMessage(-3_187_296_000_000_000_000), .timestampExt),
    .init("timestamp96 at the upper limit", hexBytes("c7 0c ff 32 f2 d7 ff 00 00 00 02 60 11 45 84"), dateMessage(.max), .timestampExt),
    .init("timestamp in a map value", hexBytes("81 a1 74 d6 ff 3a 4f c8 80"), ["t": dateMessage(0)], .timestampExt, at: 3),
]

@Suite struct NonCanonicalInputTests {
    @Test(arguments: wireNonCanonicalCases)
    func defaultDecoderAcceptsStrictDecoderRejects(testCase: WireNonCanonicalCase) throws {
        let bytes = makeEnvelope(testCase.body)
        #expect(try defaultWireDecoder.decode(bytes) == testCase.message)
        #expect(try defaultWireDecoder.decodeBody(testCase.body) == testCase.message)
        #expect(throws: XPCWireDecodingError.nonCanonical(testCase.reason, offset: envelopeBodyStart + testCase.offset)) {
            try strictWireDecoder.decode(bytes)
        }
        #expect(throws: XPCWireDecodingError.nonCanonical(testCase.reason, offset: testCase.offset)) {
            try strictWireDecoder.decodeBody(testCase.body)
        }
    }

    @Test func float32NaNWideningKeepsSignAndShiftsPayload() throws {
        // Bits pinned exactly: sign, all-ones exponent, quiet bit, payload << 29.
        let decoded = try defaultWireDecoder.decodeBody(hexBytes("ca 7f a0 00 03"))
        #expect(decoded.doubleValue?.bitPattern == 0x7ffc_0000_6000_0000)
    }

    @Test func fdAndEndpointInExtForms() throws {
        let fdBytes = makeEnvelope(hexBytes("c7 02 03 00 00"), slots: [0x01])
        #expect(try defaultWireDecoder.decode(fdBytes) == .fd(slot: 0))
        #expect(throws: XPCWireDecodingError.nonCanonical(.nonShortestExtForm, offset: 15)) {
            try strictWireDecoder.decode(fdBytes)
        }
        let endpointBytes = makeEnvelope(hexBytes("c8 00 02 04 00 00"), slots: [0x02])
        #expect(try defaultWireDecoder.decode(endpointBytes) == .endpoint(slot: 0))
        #expect(throws: XPCWireDecodingError.nonCanonical(.nonShortestExtForm, offset: 15)) {
            try strictWireDecoder.decode(endpointBytes)
        }
        let ext32 = makeEnvelope(hexBytes("c9 00 00 00 02 03 00 00"), slots: [0x01])
        #expect(try defaultWireDecoder.decode(ext32) == .fd(slot: 0))
    }

    @Test func ignorableFlagsAreAcceptedByDefaultRejectedWhenStrict() throws {
        for flags: UInt16 in [0x0001, 0x0080, 0x00ff] {
            let bytes = makeEnvelope([0xc0], flags: flags)
            let decoded = try defaultWireDecoder.decodeEnvelope(bytes)
            #expect(decoded.flags == flags)
            #expect(decoded.message == .null)
            #expect(throws: XPCWireDecodingError.nonCanonical(.nonZeroFlags, offset: 6)) {
                try strictWireDecoder.decode(bytes)
            }
        }
    }

    @Test func laterMinorVersionsAreAcceptedByDefaultRejectedWhenStrict() throws {
        for minor: UInt8 in [1, 7, 255] {
            let bytes = makeEnvelope([0x01], minor: minor)
            let decoded = try defaultWireDecoder.decodeEnvelope(bytes)
            #expect(decoded.version == XPCWireVersion(major: 1, minor: minor))
            #expect(decoded.message == 1)
            #expect(throws: XPCWireDecodingError.nonCanonical(.nonZeroMinorVersion, offset: 5)) {
                try strictWireDecoder.decode(bytes)
            }
        }
    }
}

@Suite struct DecoderTruncationTests {
    @Test(arguments: [
        ("", 0),
        ("58", 0),
        ("58 50", 0),
        ("58 50 43", 0),
        ("58 50 43 57", 4),
        ("58 50 43 57 01", 5),
        ("58 50 43 57 01 00", 6),
        ("58 50 43 57 01 00 00", 6),
        ("58 50 43 57 01 00 00 00", 8),
        ("58 50 43 57 01 00 00 00 00", 8),
        ("58 50 43 57 01 00 00 00 00 00", 10),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00", 10),
        // two slots declared, one present
        ("58 50 43 57 01 00 00 00 00 02 00 00 00 01 01", 15),
        // body of 5 declared, 2 present
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 05 a4 61", 14),
        // body of 1 declared, none present
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 01", 14),
        // an empty body holds no value
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 00", 14),
        ("58 50 43 57 01 00 00 00 00 01 00 00 00 00 01", 15),
    ])
    func truncatedEnvelope(bytes: String, offset: Int) {
        #expect(throws: XPCWireDecodingError.truncated(offset: offset)) {
            try defaultWireDecoder.decode(hexBytes(bytes))
        }
    }

    @Test(arguments: [
        ("d1 00", 0),  // int16 missing a byte
        ("cf 00 00 00", 0),
        ("cb 00", 0),
        ("ca 00 00 00", 0),
        ("a5 61 62", 0),  // fixstr longer than the rest
        ("d9", 0),  // str8 without its length
        ("da 00", 0),
        ("c4 02 00", 0),
        ("93 01 02", 0),  // 3 elements need at least 3 bytes
        ("82 a1 61 01", 0),  // 2 entries need at least 4 bytes
        ("81 a1 61", 3),  // the value after the key is missing
        ("92 01 a3 61", 2),  // the string inside runs out
        ("d5 03 00", 0),  // fixext2 payload short
        ("d8 01 00 00", 0),
        ("c7", 0),
        ("c7 02 03 00", 0),
        ("d4", 0),  // ext type byte missing
        ("81", 0),
        ("91", 0),
        ("91 91", 1),
        ("94 01 02 cd 01", 3),  // a uint16 in a run of numbers
        ("94 01 cb 00 00 00", 2),  // a float64 in a run of numbers
    ])
    func truncatedBody(body: String, offset: Int) {
        #expect(throws: XPCWireDecodingError.truncated(offset: envelopeBodyStart + offset)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes(body)))
        }
        #expect(throws: XPCWireDecodingError.truncated(offset: offset)) {
            try defaultWireDecoder.decodeBody(hexBytes(body))
        }
    }

    @Test func emptyBodyIsTruncated() {
        #expect(throws: XPCWireDecodingError.truncated(offset: 0)) {
            try defaultWireDecoder.decodeBody([])
        }
    }

    /// 10 bytes claiming 2^32-1 elements: rejected before anything is allocated.
    @Test func hugeContainerCountsAreTruncatedAtOnce() {
        for body in ["dd ff ff ff ff c0 c0 c0 c0 c0", "df ff ff ff ff a1 61 c0 a1 62", "df 80 00 00 00 a1 61 c0 a1 62"] {
            #expect(throws: XPCWireDecodingError.truncated(offset: 0)) {
                try defaultWireDecoder.decodeBody(hexBytes(body))
            }
            #expect(throws: XPCWireDecodingError.truncated(offset: envelopeBodyStart)) {
                try defaultWireDecoder.decode(makeEnvelope(hexBytes(body)))
            }
        }
        // Inside another container, at its own offset.
        #expect(throws: XPCWireDecodingError.truncated(offset: envelopeBodyStart + 1)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("92 dd ff ff ff ff c0 c0 c0")))
        }
    }

    /// SPEC §6.3: the remaining-input check precedes the length limit, so a str 32 declaring 4 GiB in 10 bytes is `truncated`.
    @Test func tenBytesClaimingA4GiBStringAreTruncated() {
        #expect(throws: XPCWireDecodingError.truncated(offset: 0)) {
            try defaultWireDecoder.decodeBody(hexBytes("db ff ff ff ff 41 42 43 44 45"))
        }
        #expect(throws: XPCWireDecodingError.truncated(offset: envelopeBodyStart)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("db ff ff ff ff 41 42 43 44 45")))
        }
    }

    /// The same rule for data: a length larger than the rest of the input is truncated.
    @Test func tenBytesClaimingA4GiBDataAreTruncated() {
        #expect(throws: XPCWireDecodingError.truncated(offset: 0)) {
            try defaultWireDecoder.decodeBody(hexBytes("c6 ff ff ff ff 41 42 43 44 45"))
        }
    }

    @Test func longLengthsWithinTheLimitsAreTruncatedAtOnce() {
        // 16 MiB - 1 bytes of string, 64 MiB of data, 4 GiB of ext payload: all within or beyond
        // limits, none present.
        #expect(throws: XPCWireDecodingError.truncated(offset: 0)) {
            try defaultWireDecoder.decodeBody(hexBytes("db 00 ff ff ff 41 42 43 44 45"))
        }
        #expect(throws: XPCWireDecodingError.truncated(offset: 0)) {
            try defaultWireDecoder.decodeBody(hexBytes("c6 04 00 00 00 41 42 43 44 45"))
        }
        #expect(throws: XPCWireDecodingError.truncated(offset: 0)) {
            try defaultWireDecoder.decodeBody(hexBytes("c9 ff ff ff ff 01 42 43 44 45"))
        }
    }
}

@Suite struct DecoderEnvelopeErrorTests {
    @Test func trailingBytesAfterTheEnvelope() {
        #expect(throws: XPCWireDecodingError.trailingBytes(offset: 15)) {
            try defaultWireDecoder.decode(makeEnvelope([0xc0]) + [0x00])
        }
        #expect(throws: XPCWireDecodingError.trailingBytes(offset: 19)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("d5 03 00 00"), slots: [0x01]) + [0xff, 0xff])
        }
    }

    @Test func trailingBytesInsideTheBody() {
        #expect(throws: XPCWireDecodingError.trailingBytes(offset: 15)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("c0 c0")))
        }
        #expect(throws: XPCWireDecodingError.trailingBytes(offset: 16)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("91 c0 c0")))
        }
        #expect(throws: XPCWireDecodingError.trailingBytes(offset: 1)) {
            try defaultWireDecoder.decodeBody(hexBytes("c0 00"))
        }
    }

    @Test(arguments: ["59 50 43 57 01 00 00 00 00 00 00 00 00 01 c0", "58 50 43 58 01 00 00 00 00 00 00 00 00 01 c0",
                      "78 70 63 77 01 00 00 00 00 00 00 00 00 01 c0", "58 51", "00", "c0"])
    func badMagic(bytes: String) {
        #expect(throws: XPCWireDecodingError.badMagic(offset: 0)) {
            try defaultWireDecoder.decode(hexBytes(bytes))
        }
    }

    @Test(arguments: [(UInt8(2), UInt8(0)), (0, 9), (255, 0), (2, 1)])
    func unsupportedMajorVersion(major: UInt8, minor: UInt8) {
        let bytes = makeEnvelope([0xc0], major: major, minor: minor)
        #expect(throws: XPCWireDecodingError.unsupportedVersion(major: major, minor: minor, offset: 4)) {
            try defaultWireDecoder.decode(bytes)
        }
        #expect(throws: XPCWireDecodingError.unsupportedVersion(major: major, minor: minor, offset: 4)) {
            try strictWireDecoder.decode(bytes)
        }
    }

    @Test(arguments: [(UInt16(0x0100), UInt16(0x0100)), (0x8000, 0x8000), (0xff01, 0xff00), (0x0280, 0x0200)])
    func unknownCriticalFlags(flags: UInt16, reported: UInt16) {
        let bytes = makeEnvelope([0xc0], flags: flags)
        #expect(throws: XPCWireDecodingError.unsupportedFlags(reported, offset: 6)) {
            try defaultWireDecoder.decode(bytes)
        }
        #expect(throws: XPCWireDecodingError.unsupportedFlags(reported, offset: 6)) {
            try strictWireDecoder.decode(bytes)
        }
    }

    @Test func invalidSlotKind() {
        #expect(throws: XPCWireDecodingError.invalidSlotKind(0x00, offset: 14)) {
            try defaultWireDecoder.decode(makeEnvelope([0xc0], slots: [0x00]))
        }
        #expect(throws: XPCWireDecodingError.invalidSlotKind(0x03, offset: 15)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("92 d5 03 00 00 d5 03 00 01"), slots: [0x01, 0x03]))
        }
        #expect(throws: XPCWireDecodingError.invalidSlotKind(0xff, offset: 14)) {
            try defaultWireDecoder.decode(makeEnvelope([0xc0], slots: [0xff]))
        }
    }
}

@Suite struct DecoderBodyErrorTests {
    @Test func reservedByte() {
        #expect(throws: XPCWireDecodingError.reservedByte(offset: 14)) {
            try defaultWireDecoder.decode(makeEnvelope([0xc1]))
        }
        #expect(throws: XPCWireDecodingError.reservedByte(offset: 16)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("92 c0 c1")))
        }
        #expect(throws: XPCWireDecodingError.reservedByte(offset: 17)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("81 a1 61 c1")))
        }
        #expect(throws: XPCWireDecodingError.reservedByte(offset: 0)) {
            try defaultWireDecoder.decodeBody([0xc1])
        }
    }

    /// (body, offset of the first bad byte within the body)
    @Test(arguments: [
        ("a2 c0 80", 1),  // overlong NUL
        ("a3 e0 80 80", 1),  // overlong 3-byte
        ("a4 f0 80 80 80", 1),  // overlong 4-byte
        ("a4 61 ed a0 80", 2),  // surrogate U+D800
        ("a4 61 ed bf bf", 2),  // surrogate U+DFFF
        ("a2 61 f5", 2),  // never a lead byte
        ("a5 61 f4 90 80 80", 2),  // above U+10FFFF
        ("a3 61 e2 82", 2),  // sequence cut short by the end of the string
        ("a3 e2 82 61", 1),  // sequence cut short by an ASCII byte
        ("a2 80 61", 1),  // lone continuation byte
        ("a3 61 62 ff", 3),
        ("a5 c3 a9 ed a0 80", 3),
        ("a4 e2 82 ac c3", 4),
        ("d9 02 61 ff", 3),  // str8
        ("81 a1 ff c0", 2),  // in a key
        ("82 a1 61 c0 a2 62 c0 c0", 6),  // in the second key
        ("92 c0 a1 80", 3),
    ])
    func invalidUTF8AtTheFirstBadByte(body: String, offset: Int) {
        #expect(throws: XPCWireDecodingError.invalidUTF8(offset: envelopeBodyStart + offset)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes(body)))
        }
        #expect(throws: XPCWireDecodingError.invalidUTF8(offset: offset)) {
            try defaultWireDecoder.decodeBody(hexBytes(body))
        }
    }

    @Test(arguments: [
        ("a3 61 00 62", 2),
        ("a1 00", 1),
        ("d9 03 61 62 00", 4),
        ("81 a2 61 00 c0", 3),  // in a key
        ("91 a2 c3 00", 3),
    ])
    func embeddedNULAtTheNULByte(body: String, offset: Int) {
        #expect(throws: XPCWireDecodingError.embeddedNUL(offset: envelopeBodyStart + offset)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes(body)))
        }
    }

    @Test(arguments: [
        ("81 01 c0", UInt8(0x01), 1),
        ("81 c0 c0", 0xc0, 1),
        ("81 c4 01 61 c0", 0xc4, 1),
        ("81 90 c0", 0x90, 1),
        ("81 ff c0", 0xff, 1),
        ("82 a1 61 01 02 03", 0x02, 4),
    ])
    func nonStringKey(body: String, formatByte: UInt8, offset: Int) {
        #expect(throws: XPCWireDecodingError.nonStringKey(formatByte: formatByte, offset: envelopeBodyStart + offset)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes(body)))
        }
    }

    @Test func duplicateKeyInSortedInputIsReportedAtTheRepeatedKey() {
        #expect(throws: XPCWireDecodingError.duplicateKey("a", offset: envelopeBodyStart + 4)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("82 a1 61 01 a1 61 02")))
        }
        #expect(throws: XPCWireDecodingError.duplicateKey("a", offset: envelopeBodyStart + 4)) {
            try strictWireDecoder.decode(makeEnvelope(hexBytes("82 a1 61 01 a1 61 02")))
        }
        // The same bytes in a longer string form are the same key.
        #expect(throws: XPCWireDecodingError.duplicateKey("a", offset: envelopeBodyStart + 4)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("82 a1 61 01 d9 01 61 02")))
        }
        #expect(throws: XPCWireDecodingError.duplicateKey("b", offset: envelopeBodyStart + 8)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("91 83 a1 61 01 a1 62 02 a1 62 03")))
        }
    }

    @Test func duplicateKeyInUnsortedInputIsReportedAtTheMap() {
        #expect(throws: XPCWireDecodingError.duplicateKey("b", offset: envelopeBodyStart)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("83 a1 62 01 a1 61 02 a1 62 03")))
        }
        #expect(throws: XPCWireDecodingError.duplicateKey("b", offset: envelopeBodyStart + 1)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("91 83 a1 62 01 a1 61 02 a1 62 03")))
        }
        // Strict mode stops at the first key out of order.
        #expect(throws: XPCWireDecodingError.nonCanonical(.unsortedKeys, offset: envelopeBodyStart + 4)) {
            try strictWireDecoder.decode(makeEnvelope(hexBytes("83 a1 62 01 a1 61 02 a1 62 03")))
        }
    }

    /// Keys b, a, a: the two adjacent equal keys are met while reading (SPEC §4.11), before the
    /// map is finished, so the error is at the second "a", not at the map.
    @Test func adjacentDuplicateInAnUnsortedMapIsReportedAtTheRepeatedKey() {
        #expect(throws: XPCWireDecodingError.duplicateKey("a", offset: envelopeBodyStart + 7)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("83 a1 62 01 a1 61 02 a1 61 03")))
        }
    }

    /// The NUL and ASCII scan reads words (overlapping ones at the end of a payload): a 00 or
    /// an invalid byte at any position of a string of any short length is found at its offset.
    @Test func everyPositionOfShortStringsIsChecked() throws {
        for length in 1...40 {
            let header: [UInt8] = length < 32 ? [0xa0 + UInt8(length)] : [0xd9, UInt8(length)]
            let ascii = [UInt8](repeating: 0x61, count: length)
            #expect(try defaultWireDecoder.decode(makeEnvelope(header + ascii)) == .string(String(repeating: "a", count: length)))
            for position in 0..<length {
                var withNUL = ascii
                withNUL[position] = 0
                #expect(throws: XPCWireDecodingError.embeddedNUL(offset: envelopeBodyStart + header.count + position)) {
                    try defaultWireDecoder.decode(makeEnvelope(header + withNUL))
                }
                var invalid = ascii
                invalid[position] = 0xff
                #expect(throws: XPCWireDecodingError.invalidUTF8(offset: envelopeBodyStart + header.count + position)) {
                    try defaultWireDecoder.decode(makeEnvelope(header + invalid))
                }
            }
        }
    }

    /// SPEC §4.6: the whole payload is searched for 00 before UTF-8 is validated.
    @Test func embeddedNULIsReportedBeforeAnEarlierInvalidSequence() {
        #expect(throws: XPCWireDecodingError.embeddedNUL(offset: envelopeBodyStart + 2)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("a3 ff 00 61")))
        }
    }

    @Test func normalizationDistinctKeysAreNotDuplicates() throws {
        let decoded = try defaultWireDecoder.decode(makeEnvelope(hexBytes("82 a3 65 cc 81 01 a2 c3 a9 02")))
        guard case .dictionary(let dictionary) = decoded else {
            Issue.record("not a dictionary: \(decoded)")
            return
        }
        #expect(utf8BytesOf(dictionary.keys) == [[0x65, 0xcc, 0x81], [0xc3, 0xa9]])
        #expect(dictionary.values == [1, 2])
    }

    @Test(arguments: [
        ("d4 05 00", Int8(5)),
        ("d4 00 00", 0),
        ("d5 80 00 00", -128),
        ("c7 00 07", 7),
        ("d6 fe 00 00 00 00", -2),
        ("c8 00 01 7f 00", 127),
        ("d8 05 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", 5),
    ])
    func unknownExtType(body: String, type: Int8) {
        #expect(throws: XPCWireDecodingError.unknownExtType(type, offset: envelopeBodyStart)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes(body)))
        }
        #expect(throws: XPCWireDecodingError.unknownExtType(type, offset: envelopeBodyStart)) {
            try strictWireDecoder.decode(makeEnvelope(hexBytes(body)))
        }
    }

    @Test(arguments: [
        ("d7 01 00 00 00 00 00 00 00 00", Int8(1), 8),  // uuid as fixext8
        ("c7 0f 01" + String(repeating: " 00", count: 15), 1, 15),
        ("c7 11 01" + String(repeating: " 00", count: 17), 1, 17),
        ("d6 02 00 00 00 00", 2, 4),  // date as fixext4
        ("c7 00 02", 2, 0),
        ("d8 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", 2, 16),
        ("d4 03 00", 3, 1),  // fd as fixext1
        ("d6 04 00 00 00 00", 4, 4),  // endpoint as fixext4
        ("d4 ff 00", -1, 1),  // timestamp as fixext1
        ("d5 ff 00 00", -1, 2),
        ("d8 ff 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", -1, 16),
        ("c7 05 ff 00 00 00 00 00", -1, 5),
        ("c7 00 ff", -1, 0),
    ])
    func badExtLength(body: String, type: Int8, length: Int) {
        #expect(throws: XPCWireDecodingError.badExtLength(type: type, length: length, offset: envelopeBodyStart)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes(body)))
        }
    }

    @Test(arguments: [
        "d7 ff ee 6b 28 00 00 00 00 05",  // timestamp64, nanoseconds = 1e9
        "d7 ff ff ff ff fc 00 00 00 00",  // timestamp64, nanoseconds = 2^30 - 1
        "c7 0c ff 3b 9a ca 00 00 00 00 00 00 00 00 00",  // timestamp96, nanoseconds = 1e9
        "c7 0c ff ff ff ff ff 00 00 00 00 00 00 00 00",  // timestamp96, nanoseconds = 2^32 - 1
    ])
    func timestampNanosecondsOfASecondOrMoreAreABadPayload(body: String) {
        #expect(throws: XPCWireDecodingError.badExtPayload(type: -1, offset: envelopeBodyStart)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes(body)))
        }
    }

    @Test(arguments: [
        "c7 0c ff 00 00 00 00 7f ff ff ff ff ff ff ff",  // seconds Int64.max
        "c7 0c ff 00 00 00 00 80 00 00 00 00 00 00 00",  // seconds Int64.min
        "c7 0c ff 00 00 00 00 00 00 00 02 60 11 45 85",  // first whole second past the range
        "c7 0c ff 32 f2 d8 00 00 00 00 02 60 11 45 84",  // Int64.max + 1 ns
        "c7 0c ff 08 a7 f1 ff ff ff ff fe 14 8e 4b 7b",  // Int64.min - 1 ns
        "c7 0c ff 00 00 00 00 ff ff ff fd eb 71 b4 85",  // far before the range
    ])
    func timestampsOutsideTheInt64NanosecondRange(body: String) {
        #expect(throws: XPCWireDecodingError.dateOutOfRange(offset: envelopeBodyStart)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes(body)))
        }
    }

    /// Int64.min ns since 2001 is 2001 - 9223372037 s + 145224192 ns, i.e. unix seconds
    /// -8245064837 (FF FF FF FE 14 8E 4B 7B) and 145224192 ns (08 A7 F2 00): representable, so it must decode.
    @Test func timestampAtTheLowerLimitDecodes() throws {
        #expect(try defaultWireDecoder.decode(makeEnvelope(hexBytes("c7 0c ff 08 a7 f2 00 ff ff ff fe 14 8e 4b 7b")))
            == .date(XPCDate(nanosecondsSinceReferenceDate: .min)))
        // One second later stays clear of intermediate overflow.
        #expect(try defaultWireDecoder.decode(makeEnvelope(hexBytes("c7 0c ff 08 a7 f2 00 ff ff ff fe 14 8e 4b 7c")))
            == .date(XPCDate(nanosecondsSinceReferenceDate: .min + 1_000_000_000)))
    }
}

@Suite struct WireDepthTests {
    @Test func nestingOf256PassesAnd257Fails() throws {
        let ok = makeEnvelope(Array(repeating: 0x91, count: 256) + [0xc0])
        let (depth, innermost) = measureAndDismantleNestedArrays(try defaultWireDecoder.decode(ok))
        #expect(depth == 256)
        #expect(innermost == .null)

        #expect(throws: XPCWireDecodingError.depthLimitExceeded(limit: 256, offset: envelopeBodyStart + 256)) {
            try defaultWireDecoder.decode(makeEnvelope(Array(repeating: 0x91, count: 257) + [0xc0]))
        }
        // An empty container is a level too.
        #expect(throws: XPCWireDecodingError.depthLimitExceeded(limit: 256, offset: envelopeBodyStart + 256)) {
            try defaultWireDecoder.decode(makeEnvelope(Array(repeating: 0x91, count: 256) + [0x90]))
        }
        #expect(throws: XPCWireDecodingError.depthLimitExceeded(limit: 256, offset: envelopeBodyStart + 256)) {
            try defaultWireDecoder.decode(makeEnvelope(Array(repeating: 0x91, count: 100_000) + [0xc0]))
        }
    }

    @Test func mapsCountAsLevels() {
        let shallow = limitedDecoder { $0.maximumDepth = 1 }
        #expect(throws: XPCWireDecodingError.depthLimitExceeded(limit: 1, offset: envelopeBodyStart + 3)) {
            try shallow.decode(makeEnvelope(hexBytes("81 a1 61 90")))
        }
        #expect(throws: XPCWireDecodingError.depthLimitExceeded(limit: 1, offset: envelopeBodyStart + 1)) {
            try shallow.decode(makeEnvelope(hexBytes("91 80")))
        }
        let flat = limitedDecoder { $0.maximumDepth = 0 }
        #expect(throws: XPCWireDecodingError.depthLimitExceeded(limit: 0, offset: envelopeBodyStart)) {
            try flat.decode(makeEnvelope([0x80]))
        }
        #expect((try? flat.decode(makeEnvelope([0xc0]))) == .null)
    }

    /// The decoder is iterative: 100,000 levels decode without exhausting the call stack. The
    /// result is measured and taken apart level by level, never compared or destroyed recursively.
    @Test func oneHundredThousandLevelsDecodeIteratively() throws {
        let levels = 100_000
        let deep = limitedDecoder { $0.maximumDepth = 200_000 }
        let bytes = makeEnvelope(Array(repeating: 0x91, count: levels) + [0xc0])
        let (depth, innermost) = measureAndDismantleNestedArrays(try deep.decode(bytes))
        #expect(depth == levels)
        #expect(innermost == .null)
    }
}

@Suite struct DecoderLimitTests {
    @Test func messageSizeOfTheInput() throws {
        let small = limitedDecoder { $0.maximumMessageSize = 15 }
        #expect(try small.decode(makeEnvelope([0xc0])) == .null)  // exactly 15 bytes
        #expect(throws: XPCWireDecodingError.limitExceeded(.messageSize, value: 16, limit: 15, offset: 0)) {
            try small.decode(makeEnvelope(hexBytes("a1 61")))
        }
        #expect(throws: XPCWireDecodingError.limitExceeded(.messageSize, value: 3, limit: 2, offset: 0)) {
            try limitedDecoder { $0.maximumMessageSize = 2 }.decodeBody(hexBytes("92 c0 c0"))
        }
    }

    @Test func messageSizeDeclaredByTheHeaderIsCheckedBeforeReading() {
        #expect(throws: XPCWireDecodingError.limitExceeded(.messageSize, value: 1014, limit: 100, offset: 10)) {
            try limitedDecoder { $0.maximumMessageSize = 100 }.decode(makeEnvelope([0xc0], bodyLength: 1000))
        }
        // Slots count towards the declared size: 14 + 3 + 4 = 21, although only 18 bytes are present.
        #expect(throws: XPCWireDecodingError.limitExceeded(.messageSize, value: 21, limit: 20, offset: 10)) {
            try limitedDecoder { $0.maximumMessageSize = 20 }.decode(makeEnvelope([0xc0], slots: [1, 1, 1], bodyLength: 4))
        }
        // A header claiming a 4 GiB body, with the default 64 MiB limit.
        #expect(throws: XPCWireDecodingError.limitExceeded(.messageSize, value: 14 + 4_294_967_295, limit: 64 << 20, offset: 10)) {
            try defaultWireDecoder.decode(makeEnvelope([0xc0], bodyLength: .max))
        }
    }

    @Test func elementCountIncludesContainersButNotKeys() throws {
        let three = limitedDecoder { $0.maximumElementCount = 3 }
        #expect(try three.decode(makeEnvelope(hexBytes("92 01 02"))) == [1, 2])
        #expect(try three.decode(makeEnvelope(hexBytes("82 a1 61 01 a1 62 02"))) == ["a": 1, "b": 2])
        #expect(throws: XPCWireDecodingError.limitExceeded(.elementCount, value: 4, limit: 3, offset: envelopeBodyStart)) {
            try three.decode(makeEnvelope(hexBytes("93 01 02 03")))
        }
        // The running count: [[1], [2]] is 5 values, the fourth is the second inner array.
        #expect(throws: XPCWireDecodingError.limitExceeded(.elementCount, value: 4, limit: 3, offset: envelopeBodyStart + 3)) {
            try three.decode(makeEnvelope(hexBytes("92 91 01 91 02")))
        }
        #expect(throws: XPCWireDecodingError.limitExceeded(.elementCount, value: 1, limit: 0, offset: envelopeBodyStart)) {
            try limitedDecoder { $0.maximumElementCount = 0 }.decode(makeEnvelope([0xc0]))
        }
        // [[1, 2], 3, 4, 5] passes every container's check with a limit of 5; the sixth value,
        // the 4 (read in a run of numbers), exceeds it.
        let five = limitedDecoder { $0.maximumElementCount = 5 }
        #expect(throws: XPCWireDecodingError.limitExceeded(.elementCount, value: 6, limit: 5, offset: 5)) {
            try five.decodeBody(hexBytes("94 92 01 02 03 04 05"))
        }
        #expect(try limitedDecoder { $0.maximumElementCount = 7 }.decodeBody(hexBytes("94 92 01 02 03 04 05")) == [[1, 2], 3, 4, 5])
    }

    @Test func slotCount() throws {
        let maxSlots = 253
        var body: [UInt8] = [0xdc, 0x00, UInt8(maxSlots)]
        for slot in 0..<maxSlots { body += [0xd5, 0x03, 0x00, UInt8(slot)] }
        let decoded = try defaultWireDecoder.decodeEnvelope(makeEnvelope(body, slots: Array(repeating: 0x01, count: maxSlots)))
        #expect(decoded.slots.count == maxSlots)
        #expect(decoded.message[252] == .fd(slot: 252))

        #expect(throws: XPCWireDecodingError.limitExceeded(.slotCount, value: 254, limit: 253, offset: 8)) {
            try defaultWireDecoder.decode(makeEnvelope([0xc0], slots: Array(repeating: 0x01, count: 254)))
        }
        #expect(throws: XPCWireDecodingError.limitExceeded(.slotCount, value: 2, limit: 1, offset: 8)) {
            try limitedDecoder { $0.maximumSlotCount = 1 }.decode(makeEnvelope(hexBytes("92 d5 03 00 00 d5 03 00 01"), slots: [1, 1]))
        }
    }

    @Test func stringLength() throws {
        let short = limitedDecoder { $0.maximumStringLength = 3 }
        #expect(try short.decode(makeEnvelope(hexBytes("a3 61 62 63"))) == "abc")
        #expect(throws: XPCWireDecodingError.limitExceeded(.stringLength, value: 4, limit: 3, offset: envelopeBodyStart)) {
            try short.decode(makeEnvelope(hexBytes("a4 61 62 63 64")))
        }
        #expect(throws: XPCWireDecodingError.limitExceeded(.stringLength, value: 4, limit: 3, offset: envelopeBodyStart + 1)) {
            try short.decode(makeEnvelope(hexBytes("81 a4 61 62 63 64 c0")))
        }
        let forty = limitedDecoder { $0.maximumStringLength = 40 }
        #expect(throws: XPCWireDecodingError.limitExceeded(.stringLength, value: 41, limit: 40, offset: envelopeBodyStart)) {
            try forty.decode(makeEnvelope([0xd9, 41] + Array(repeating: 0x61, count: 41)))
        }
    }

    @Test func dataLength() throws {
        let short = limitedDecoder { $0.maximumDataLength = 2 }
        #expect(try short.decode(makeEnvelope(hexBytes("c4 02 01 02"))) == .data([1, 2]))
        #expect(throws: XPCWireDecodingError.limitExceeded(.dataLength, value: 3, limit: 2, offset: envelopeBodyStart)) {
            try short.decode(makeEnvelope(hexBytes("c4 03 01 02 03")))
        }
        #expect(throws: XPCWireDecodingError.limitExceeded(.dataLength, value: 3, limit: 2, offset: envelopeBodyStart + 1)) {
            try short.decode(makeEnvelope(hexBytes("91 c5 00 03 01 02 03")))
        }
    }

    @Test func defaultLimits() {
        let limits = XPCWireLimits()
        #expect(limits.maximumDepth == 256)
        #expect(limits.maximumMessageSize == 64 << 20)
        #expect(limits.maximumElementCount == 4_194_304)
        #expect(limits.maximumSlotCount == 253)
        #expect(limits.maximumStringLength == 16 << 20)
        #expect(limits.maximumDataLength == 64 << 20)
        #expect(XPCWireDecodingOptions().requiresCanonicalEncoding == false)
    }
}

@Suite struct DecoderSlotErrorTests {
    @Test func slotIndexOutOfRange() {
        #expect(throws: XPCWireDecodingError.slotIndexOutOfRange(slot: 1, slotCount: 1, offset: 20)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("92 d5 03 00 00 d5 03 00 01"), slots: [0x01]))
        }
        #expect(throws: XPCWireDecodingError.slotIndexOutOfRange(slot: 5, slotCount: 0, offset: 14)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("d5 04 00 05")))
        }
        #expect(throws: XPCWireDecodingError.slotIndexOutOfRange(slot: 0xffff, slotCount: 1, offset: 15)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("d5 03 ff ff"), slots: [0x01]))
        }
    }

    @Test func slotKindMismatch() {
        #expect(throws: XPCWireDecodingError.slotKindMismatch(slot: 0, slotKind: .fd, referencedAs: .endpoint, offset: 15)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("d5 04 00 00"), slots: [0x01]))
        }
        #expect(throws: XPCWireDecodingError.slotKindMismatch(slot: 1, slotKind: .endpoint, referencedAs: .fd, offset: 21)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("92 d5 03 00 00 d5 03 00 01"), slots: [0x01, 0x02]))
        }
    }

    @Test func unreferencedSlotIsReportedAtItsSlotTableByte() {
        #expect(throws: XPCWireDecodingError.unreferencedSlot(slot: 1, offset: 15)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("d5 03 00 00"), slots: [0x01, 0x01]))
        }
        #expect(throws: XPCWireDecodingError.unreferencedSlot(slot: 0, offset: 14)) {
            try defaultWireDecoder.decode(makeEnvelope([0xc0], slots: [0x02]))
        }
        #expect(throws: XPCWireDecodingError.unreferencedSlot(slot: 1, offset: 15)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("92 d5 03 00 00 d5 03 00 02"), slots: [0x01, 0x02, 0x01]))
        }
    }

    @Test func aSlotMayBeReferencedMoreThanOnce() throws {
        #expect(try defaultWireDecoder.decode(makeEnvelope(hexBytes("92 d5 04 00 00 d5 04 00 00"), slots: [0x02])) == [.endpoint(slot: 0), .endpoint(slot: 0)])
    }

    @Test func attachmentsMustMatchTheSlotTable() throws {
        let bytes = makeEnvelope(hexBytes("d5 03 00 00"), slots: [0x01])
        let fd = XPCAttachment.fd(FileDescriptor(rawValue: 0))
        let endpoint = XPCAttachment.endpoint(XPCEndpointHandle(fileDescriptor: FileDescriptor(rawValue: 0)))
        #expect(try defaultWireDecoder.decode(bytes, attachments: [fd]) == .fd(slot: 0))
        #expect(throws: XPCWireDecodingError.attachmentsMismatch(expected: [.fd], received: [], offset: 8)) {
            try defaultWireDecoder.decode(bytes, attachments: [])
        }
        #expect(throws: XPCWireDecodingError.attachmentsMismatch(expected: [.fd], received: [.endpoint], offset: 8)) {
            try defaultWireDecoder.decode(bytes, attachments: [endpoint])
        }
        #expect(throws: XPCWireDecodingError.attachmentsMismatch(expected: [.fd], received: [.fd, .fd], offset: 8)) {
            try defaultWireDecoder.decode(bytes, attachments: [fd, fd])
        }
        #expect(throws: XPCWireDecodingError.attachmentsMismatch(expected: [], received: [.fd], offset: 8)) {
            try defaultWireDecoder.decode(makeEnvelope([0xc0]), attachments: [fd])
        }
        // Errors in the bytes come first.
        #expect(throws: XPCWireDecodingError.badMagic(offset: 0)) {
            try defaultWireDecoder.decode(hexBytes("00 00 00 00"), attachments: [fd])
        }
    }
}

@Suite struct DecodingErrorDescriptionTests {
    @Test func offsetAndKindNameAreExposed() {
        let error = XPCWireDecodingError.duplicateKey("op", offset: 23)
        #expect(error.offset == 23)
        #expect(error.kindName == "duplicateKey")
        #expect(error.description == "duplicate key \"op\" at byte 23")
        #expect(XPCWireDecodingError.nonCanonical(.float32, offset: 14).offset == 14)
        #expect(XPCWireDecodingError.limitExceeded(.slotCount, value: 254, limit: 253, offset: 8).kindName == "limitExceeded")
    }
}

/// The invalid-input table of SPEC §7.4, verbatim: (envelope, default-mode error, strict-mode error).
/// `nil` means the mode accepts the input.
@Suite struct SpecExampleTests {
    static let cases: [(String, XPCWireDecodingError?, XPCWireDecodingError?)] = [
        ("58 50 43", .truncated(offset: 0), .truncated(offset: 0)),
        ("58 50 43 58 01 00 00 00 00 00 00 00 00 01 c0", .badMagic(offset: 0), .badMagic(offset: 0)),
        ("58 50 43 57 02 00 00 00 00 00 00 00 00 01 c0",
         .unsupportedVersion(major: 2, minor: 0, offset: 4), .unsupportedVersion(major: 2, minor: 0, offset: 4)),
        ("58 50 43 57 01 00 01 00 00 00 00 00 00 01 c0", .unsupportedFlags(0x0100, offset: 6), .unsupportedFlags(0x0100, offset: 6)),
        ("58 50 43 57 01 00 00 01 00 00 00 00 00 01 c0", nil, .nonCanonical(.nonZeroFlags, offset: 6)),
        ("58 50 43 57 01 07 00 00 00 00 00 00 00 01 c0", nil, .nonCanonical(.nonZeroMinorVersion, offset: 5)),
        ("58 50 43 57 01 00 00 00 00 00 04 00 00 00",
         .limitExceeded(.messageSize, value: 14 + (64 << 20), limit: 64 << 20, offset: 10),
         .limitExceeded(.messageSize, value: 14 + (64 << 20), limit: 64 << 20, offset: 10)),
        ("58 50 43 57 01 00 00 00 00 01 00 00 00 04 03 d5 03 00 00", .invalidSlotKind(3, offset: 14), .invalidSlotKind(3, offset: 14)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 00", .truncated(offset: 14), .truncated(offset: 14)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 05 81 a1 61 01", .truncated(offset: 14), .truncated(offset: 14)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 04 81 a1 61 01 00", .trailingBytes(offset: 18), .trailingBytes(offset: 18)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 02 c0 c0", .trailingBytes(offset: 15), .trailingBytes(offset: 15)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 01 c1", .reservedByte(offset: 14), .reservedByte(offset: 14)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 02 cd 01", .truncated(offset: 14), .truncated(offset: 14)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 02 92 01", .truncated(offset: 14), .truncated(offset: 14)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 03 92 91 01", .truncated(offset: 17), .truncated(offset: 17)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 06 db ff ff ff ff 61", .truncated(offset: 14), .truncated(offset: 14)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 04 a3 61 00 62", .embeddedNUL(offset: 16), .embeddedNUL(offset: 16)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 03 a2 c3 28", .invalidUTF8(offset: 15), .invalidUTF8(offset: 15)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 03 a2 c0 80", .invalidUTF8(offset: 15), .invalidUTF8(offset: 15)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 04 a3 ed a0 80", .invalidUTF8(offset: 15), .invalidUTF8(offset: 15)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 05 a4 f4 90 80 80", .invalidUTF8(offset: 15), .invalidUTF8(offset: 15)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 03 a2 61 e2", .invalidUTF8(offset: 16), .invalidUTF8(offset: 16)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 03 81 01 01",
         .nonStringKey(formatByte: 0x01, offset: 15), .nonStringKey(formatByte: 0x01, offset: 15)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 07 82 a1 61 01 a1 61 02", .duplicateKey("a", offset: 18), .duplicateKey("a", offset: 18)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 0a 83 a1 62 01 a1 61 02 a1 62 03",
         .duplicateKey("b", offset: 14), .nonCanonical(.unsortedKeys, offset: 18)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 04 d5 03 00 00",
         .slotIndexOutOfRange(slot: 0, slotCount: 0, offset: 14), .slotIndexOutOfRange(slot: 0, slotCount: 0, offset: 14)),
        ("58 50 43 57 01 00 00 00 00 01 00 00 00 04 02 d5 03 00 00",
         .slotKindMismatch(slot: 0, slotKind: .endpoint, referencedAs: .fd, offset: 15),
         .slotKindMismatch(slot: 0, slotKind: .endpoint, referencedAs: .fd, offset: 15)),
        ("58 50 43 57 01 00 00 00 00 02 00 00 00 04 01 01 d5 03 00 00",
         .unreferencedSlot(slot: 1, offset: 15), .unreferencedSlot(slot: 1, offset: 15)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 03 d4 05 00", .unknownExtType(5, offset: 14), .unknownExtType(5, offset: 14)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 06 d6 01 00 00 00 00",
         .badExtLength(type: 1, length: 4, offset: 14), .badExtLength(type: 1, length: 4, offset: 14)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 0a d7 ff ee 6b 28 00 00 00 00 00",
         .badExtPayload(type: -1, offset: 14), .nonCanonical(.timestampExt, offset: 14)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 05 81 a1 61 d0 01", nil, .nonCanonical(.nonShortestInteger, offset: 17)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 05 ca 3f c0 00 00", nil, .nonCanonical(.float32, offset: 14)),
        ("58 50 43 57 01 00 00 00 00 00 00 00 00 03 d9 01 61", nil, .nonCanonical(.nonShortestLength, offset: 14)),
        ("58 50 43 57 01 00 00 00 00 01 00 00 00 05 01 c7 02 03 00 00", nil, .nonCanonical(.nonShortestExtForm, offset: 15)),
    ]

    @Test(arguments: cases)
    func section7_4(input: String, defaultError: XPCWireDecodingError?, strictError: XPCWireDecodingError?) {
        let bytes = hexBytes(input)
        for (decoder, expected) in [(defaultWireDecoder, defaultError), (strictWireDecoder, strictError)] {
            do throws(XPCWireDecodingError) {
                _ = try decoder.decode(bytes)
                #expect(expected == nil, "accepted, expected \(String(describing: expected))")
            } catch {
                #expect(error == expected)
            }
        }
    }

    /// SPEC §4.8.2 examples of MessagePack timestamps.
    @Test(arguments: [
        ("d6 ff 3a 4f c8 80", Result<Int64, XPCWireDecodingError>.success(0)),
        ("d6 ff 00 00 00 00", .success(-978_307_200_000_000_000)),
        ("d7 ff 00 00 00 04 3a 4f c8 80", .success(1)),
        ("c7 0c ff 00 00 00 00 ff ff ff ff ff ff ff ff", .success(-978_307_201_000_000_000)),
        ("c7 0c ff 08 a7 f2 00 ff ff ff fe 14 8e 4b 7b", .success(.min)),
        ("c7 0c ff 08 a7 f1 ff ff ff ff fe 14 8e 4b 7b", .failure(.dateOutOfRange(offset: 14))),
        ("c7 0c ff 32 f2 d7 ff 00 00 00 02 60 11 45 84", .success(.max)),
        ("d7 ff ee 6b 28 00 00 00 00 00", .failure(.badExtPayload(type: -1, offset: 14))),
        ("d7 ff ee 6b 27 ff ff ff ff ff", .failure(.dateOutOfRange(offset: 14))),
        ("d4 ff 00", .failure(.badExtLength(type: -1, length: 1, offset: 14))),
        // Any ext form that carries a 4-, 8- or 12-byte payload.
        ("c7 04 ff 3a 4f c8 80", .success(0)),
        ("c8 00 08 ff 00 00 00 04 3a 4f c8 80", .success(1)),
    ])
    func section4_8_2(body: String, expected: Result<Int64, XPCWireDecodingError>) throws {
        let bytes = makeEnvelope(hexBytes(body))
        switch expected {
        case .success(let nanoseconds):
            #expect(try defaultWireDecoder.decode(bytes) == .date(XPCDate(nanosecondsSinceReferenceDate: nanoseconds)))
        case .failure(let error):
            #expect(throws: error) { try defaultWireDecoder.decode(bytes) }
        }
        // Strict mode rejects every timestamp as soon as its framing is read.
        #expect(throws: XPCWireDecodingError.nonCanonical(.timestampExt, offset: 14)) {
            try strictWireDecoder.decode(bytes)
        }
    }
}

/// SPEC §7.3: when an input has several faults, the first one met in the normative order is reported.
@Suite struct DecoderCheckOrderTests {
    @Test func envelopeChecksComeInOrder() {
        // Strict: the minor version is judged before the flags are even read.
        #expect(throws: XPCWireDecodingError.nonCanonical(.nonZeroMinorVersion, offset: 5)) {
            try strictWireDecoder.decode(makeEnvelope([0xc0], minor: 1, flags: 0x0100))
        }
        // The slot count limit comes before the slot table is read.
        #expect(throws: XPCWireDecodingError.limitExceeded(.slotCount, value: 254, limit: 253, offset: 8)) {
            try defaultWireDecoder.decode(makeEnvelope([0xc0], slots: Array(repeating: 0x00, count: 254)))
        }
        // Slot kinds come before the body's length is checked against the input.
        #expect(throws: XPCWireDecodingError.invalidSlotKind(0x07, offset: 14)) {
            try defaultWireDecoder.decode(makeEnvelope([], slots: [0x07], bodyLength: 5))
        }
        // Extra bytes after the envelope are found before the body is decoded.
        #expect(throws: XPCWireDecodingError.trailingBytes(offset: 15)) {
            try defaultWireDecoder.decode(makeEnvelope([0xc1]) + [0x00])
        }
        // Unused body bytes are reported before an unreferenced slot.
        #expect(throws: XPCWireDecodingError.trailingBytes(offset: 16)) {
            try defaultWireDecoder.decode(makeEnvelope(hexBytes("c0 c0"), slots: [0x01]))
        }
    }

    @Test func strictFormChecksAgainstTruncation() {
        // str 8: the shortest-form check (step 2) precedes the payload check (step 3).
        #expect(throws: XPCWireDecodingError.nonCanonical(.nonShortestLength, offset: 0)) {
            try strictWireDecoder.decodeBody(hexBytes("d9 01"))
        }
        #expect(throws: XPCWireDecodingError.truncated(offset: 0)) {
            try defaultWireDecoder.decodeBody(hexBytes("d9 01"))
        }
        // float 32 is rejected in strict mode before its payload is needed.
        #expect(throws: XPCWireDecodingError.nonCanonical(.float32, offset: 0)) {
            try strictWireDecoder.decodeBody(hexBytes("ca 3f"))
        }
        // Integers: the payload must be there before its form can be judged.
        #expect(throws: XPCWireDecodingError.truncated(offset: 0)) {
            try strictWireDecoder.decodeBody(hexBytes("d0"))
        }
        // Timestamps: framing (incl. the payload) first, then the strict rejection.
        #expect(throws: XPCWireDecodingError.truncated(offset: 0)) {
            try strictWireDecoder.decodeBody(hexBytes("d6 ff 00"))
        }
    }

    @Test func containerHeaderChecksComeInOrder() {
        let tight = limitedDecoder {
            $0.maximumDepth = 0
            $0.maximumElementCount = 2
        }
        // Not enough bytes for the elements: truncated, before any limit.
        #expect(throws: XPCWireDecodingError.truncated(offset: 0)) {
            try tight.decodeBody(hexBytes("93 c0"))
        }
        // Element count before depth.
        #expect(throws: XPCWireDecodingError.limitExceeded(.elementCount, value: 3, limit: 2, offset: 0)) {
            try tight.decodeBody(hexBytes("92 c0 c0"))
        }
        // Then depth.
        #expect(throws: XPCWireDecodingError.depthLimitExceeded(limit: 0, offset: 0)) {
            try tight.decodeBody(hexBytes("91 c0"))
        }
        // A map's entry counts its value only: {"a": 1} is 2 elements.
        #expect(throws: XPCWireDecodingError.limitExceeded(.elementCount, value: 2, limit: 1, offset: 0)) {
            try limitedDecoder { $0.maximumElementCount = 1 }.decodeBody(hexBytes("81 a1 61 01"))
        }
        #expect((try? limitedDecoder { $0.maximumElementCount = 2 }.decodeBody(hexBytes("81 a1 61 01"))) == ["a": 1])
    }

    @Test func stringChecksComeInOrder() {
        // Limit after truncation, but before content checks.
        #expect(throws: XPCWireDecodingError.limitExceeded(.stringLength, value: 3, limit: 2, offset: 0)) {
            try limitedDecoder { $0.maximumStringLength = 2 }.decodeBody(hexBytes("a3 00 ff 61"))
        }
        #expect(throws: XPCWireDecodingError.truncated(offset: 0)) {
            try limitedDecoder { $0.maximumStringLength = 2 }.decodeBody(hexBytes("a3 00"))
        }
    }
}

@Suite struct DeclaredLengthTests {
    @Test func headerGivesTheTotalLength() throws {
        // 14 + 2 slots + 0x0102 body bytes; the rest of the header is not judged.
        let header = hexBytes("58 50 43 57 01 09 ff ff 00 02 00 00 01 02")
        #expect(try XPCWireDecoder.declaredLength(ofEnvelopeStartingWith: header) == 14 + 2 + 258)
        #expect(try XPCWireDecoder.declaredLength(ofEnvelopeStartingWith: header + [0xc0, 0xc0]) == 274)
        #expect(try XPCWireDecoder.declaredLength(ofEnvelopeStartingWith: makeEnvelope([0xc0])) == 15)
        #expect(try XPCWireDecoder.declaredLength(ofEnvelopeStartingWith: hexBytes("58 50 43 57 01 00 00 00 ff ff ff ff ff ff")) == 14 + 65_535 + 4_294_967_295)
    }

    @Test func shortHeadersGiveNilUnlessTheMagicIsWrong() throws {
        #expect(try XPCWireDecoder.declaredLength(ofEnvelopeStartingWith: [UInt8]()) == nil)
        #expect(try XPCWireDecoder.declaredLength(ofEnvelopeStartingWith: hexBytes("58 50")) == nil)
        #expect(try XPCWireDecoder.declaredLength(ofEnvelopeStartingWith: hexBytes("58 50 43 57 01 00 00 00 00 00 00 00 00")) == nil)
        #expect(throws: XPCWireDecodingError.badMagic(offset: 0)) {
            try XPCWireDecoder.declaredLength(ofEnvelopeStartingWith: hexBytes("58 51"))
        }
        #expect(throws: XPCWireDecodingError.unsupportedVersion(major: 2, minor: 3, offset: 4)) {
            try XPCWireDecoder.declaredLength(ofEnvelopeStartingWith: hexBytes("58 50 43 57 02 03 00 00 00 00 00 00 00 01"))
        }
    }
}
