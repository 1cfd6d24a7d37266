// Exact canonical bytes the encoder must write (SPEC §3, §4, §5.1), and its errors (§7.2).
// Every expectation is written by hand from the format rules.

import Foundation
import SystemPackage
import Testing
import XPCWire

private func encodedBody(_ message: XPCMessage) throws -> [UInt8] {
    try XPCWireEncoder().encodeBody(message)
}

@Suite struct EncoderScalarTests {
    @Test(arguments: [
        // positive fixint
        (Int64(0), "00"), (1, "01"), (127, "7f"),
        // negative fixint
        (-1, "ff"), (-32, "e0"),
        // int8
        (-33, "d0 df"), (-128, "d0 80"),
        // int16 (128 does not fit int8)
        (128, "d1 00 80"), (255, "d1 00 ff"), (256, "d1 01 00"), (-129, "d1 ff 7f"),
        (32_767, "d1 7f ff"), (-32_768, "d1 80 00"),
        // int32
        (32_768, "d2 00 00 80 00"), (-32_769, "d2 ff ff 7f ff"),
        (2_147_483_647, "d2 7f ff ff ff"), (-2_147_483_648, "d2 80 00 00 00"),
        // int64
        (2_147_483_648, "d3 00 00 00 00 80 00 00 00"), (-2_147_483_649, "d3 ff ff ff ff 7f ff ff ff"),
        (.max, "d3 7f ff ff ff ff ff ff ff"), (.min, "d3 80 00 00 00 00 00 00 00"),
    ])
    func int64UsesTheShortestSignedForm(value: Int64, expected: String) throws {
        #expect(try encodedBody(.int64(value)) == hexBytes(expected))
    }

    @Test(arguments: [
        (UInt64(0), "cc 00"), (1, "cc 01"), (127, "cc 7f"), (128, "cc 80"), (255, "cc ff"),
        (256, "cd 01 00"), (65_535, "cd ff ff"),
        (65_536, "ce 00 01 00 00"), (4_294_967_295, "ce ff ff ff ff"),
        (4_294_967_296, "cf 00 00 00 01 00 00 00 00"), (.max, "cf ff ff ff ff ff ff ff ff"),
    ])
    func uint64AlwaysUsesAnUnsignedFormNeverFixint(value: UInt64, expected: String) throws {
        #expect(try encodedBody(.uint64(value)) == hexBytes(expected))
    }

    @Test(arguments: [
        (UInt64(0x0000_0000_0000_0000), "cb 00 00 00 00 00 00 00 00"),  // 0.0
        (0x8000_0000_0000_0000, "cb 80 00 00 00 00 00 00 00"),  // -0.0
        (0x3ff0_0000_0000_0000, "cb 3f f0 00 00 00 00 00 00"),  // 1.0
        (0x3ff8_0000_0000_0000, "cb 3f f8 00 00 00 00 00 00"),  // 1.5, float32-exact but still float64
        (0xc004_0000_0000_0000, "cb c0 04 00 00 00 00 00 00"),  // -2.5
        (0x7ff0_0000_0000_0000, "cb 7f f0 00 00 00 00 00 00"),  // +infinity
        (0xfff0_0000_0000_0000, "cb ff f0 00 00 00 00 00 00"),  // -infinity
        (0x7ff8_0000_0000_0000, "cb 7f f8 00 00 00 00 00 00"),  // quiet NaN
        (0x7ff8_dead_beef_0001, "cb 7f f8 de ad be ef 00 01"),  // NaN with payload
        (0xfff8_0000_0000_0001, "cb ff f8 00 00 00 00 00 01"),  // negative NaN with payload
        (0x7ff0_0000_0000_0001, "cb 7f f0 00 00 00 00 00 01"),  // signalling NaN
        (0x0000_0000_0000_0001, "cb 00 00 00 00 00 00 00 01"),  // smallest subnormal
    ])
    func doubleIsAlwaysFloat64BitExact(bits: UInt64, expected: String) throws {
        #expect(try encodedBody(.double(Double(bitPattern: bits))) == hexBytes(expected))
    }

    @Test func nullAndBooleans() throws {
        #expect(try encodedBody(.null) == [0xc0])
        #expect(try encodedBody(.bool(false)) == [0xc2])
        #expect(try encodedBody(.bool(true)) == [0xc3])
    }
}

@Suite struct EncoderLengthTests {
    @Test(arguments: [
        (0, [0xa0] as [UInt8]), (1, [0xa1]), (31, [0xbf]),
        (32, [0xd9, 0x20]), (255, [0xd9, 0xff]),
        (256, [0xda, 0x01, 0x00]), (65_535, [0xda, 0xff, 0xff]),
        (65_536, [0xdb, 0x00, 0x01, 0x00, 0x00]),
    ])
    func stringHeaderThresholds(length: Int, header: [UInt8]) throws {
        let text = String(repeating: "x", count: length)
        #expect(try encodedBody(.string(text)) == header + Array(repeating: 0x78, count: length))
    }

    /// Short strings are copied as overlapping words: every length up to 40, of distinct bytes,
    /// as a value and as a key, through both encoders, and a NUL at every position.
    @Test func stringsOfEveryShortLengthAreCopiedExactly() throws {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP".utf8)
        for length in 0...40 {
            let bytes = Array(alphabet.prefix(length))
            let text = String(decoding: bytes, as: UTF8.self)
            let header: [UInt8] = length < 32 ? [0xa0 | UInt8(length)] : [0xd9, UInt8(length)]
            #expect(try encodedBody(.string(text)) == header + bytes)
            #expect(try encodedBody([.init(text): nil]) == [0x81] + header + bytes + [0xc0])
            #expect(try encodedBody([.string(text), 1]) == [0x92] + header + bytes + [0x01])
            let direct = try XPCEncoder().encode([text: text]).bytes
            #expect(try XPCWireDecoder().decode(direct) == [.init(text): .string(text)])
            #expect(direct == (try XPCWireEncoder().encode([.init(text): .string(text)])))
            for position in 0..<length {
                var withNUL = bytes
                withNUL[position] = 0
                let nul = String(decoding: withNUL, as: UTF8.self)
                #expect(throws: XPCWireEncodingError.embeddedNUL(path: [])) { try encodedBody(.string(nul)) }
                #expect(throws: EncodingError.self) { try XPCEncoder().encode([nul]) }
            }
        }
    }

    @Test func stringLengthCountsUTF8Bytes() throws {
        #expect(try encodedBody(.string("\u{e9}")) == hexBytes("a2 c3 a9"))
        #expect(try encodedBody(.string("e\u{301}")) == hexBytes("a3 65 cc 81"))
        #expect(try encodedBody(.string("\u{1f600}")) == hexBytes("a4 f0 9f 98 80"))
        // 16 two-byte scalars are 32 bytes: str8, although only 16 characters.
        let sixteen = String(repeating: "\u{e9}", count: 16)
        #expect(try encodedBody(.string(sixteen)) == [0xd9, 0x20] + Array(repeating: [0xc3, 0xa9], count: 16).flatMap { $0 })
    }

    @Test(arguments: [
        (0, [0xc4, 0x00] as [UInt8]), (1, [0xc4, 0x01]), (31, [0xc4, 0x1f]), (32, [0xc4, 0x20]), (255, [0xc4, 0xff]),
        (256, [0xc5, 0x01, 0x00]), (65_535, [0xc5, 0xff, 0xff]),
        (65_536, [0xc6, 0x00, 0x01, 0x00, 0x00]),
    ])
    func dataHeaderThresholds(length: Int, header: [UInt8]) throws {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
        #expect(try encodedBody(.data(bytes)) == header + bytes)
    }

    @Test func dataMayHoldZeroBytes() throws {
        #expect(try encodedBody(.data([0x00, 0x00])) == hexBytes("c4 02 00 00"))
    }

    @Test(arguments: [
        (0, [0x90] as [UInt8]), (1, [0x91]), (15, [0x9f]),
        (16, [0xdc, 0x00, 0x10]), (65_535, [0xdc, 0xff, 0xff]),
        (65_536, [0xdd, 0x00, 0x01, 0x00, 0x00]),
    ])
    func arrayHeaderThresholds(count: Int, header: [UInt8]) throws {
        let message = XPCMessage.array(XPCArray(Array(repeating: .null, count: count)))
        #expect(try encodedBody(message) == header + Array(repeating: 0xc0, count: count))
    }

    /// Keys are "0000", "0001", … (fixed width, so numeric and byte order agree); values are null.
    @Test(arguments: [
        (0, [0x80] as [UInt8]), (1, [0x81]), (15, [0x8f]),
        (16, [0xde, 0x00, 0x10]), (65_535, [0xde, 0xff, 0xff]),
        (65_536, [0xdf, 0x00, 0x01, 0x00, 0x00]),
    ])
    func mapHeaderThresholds(count: Int, header: [UInt8]) throws {
        let keys = (0..<count).map { index -> String in
            let digits = String(index, radix: 16)
            return String(repeating: "0", count: 4 - digits.count) + digits
        }
        let dictionary = try XPCDictionary(uniqueKeysWithValues: keys.map { ($0, XPCMessage.null) })
        var expected = header
        for key in keys {
            expected.append(0xa4)
            expected += Array(key.utf8)
            expected.append(0xc0)
        }
        #expect(try encodedBody(.dictionary(dictionary)) == expected)
    }
}

@Suite struct EncoderStructureTests {
    @Test func mapKeysAreWrittenInUTF8ByteOrder() throws {
        var dictionary = XPCDictionary()
        let keysInInsertionOrder = ["b", "\u{e9}", "a", "e\u{301}", "", "aa", "\u{7f}"]
        for (index, key) in keysInInsertionOrder.enumerated() {
            dictionary[key] = .int64(Int64(index))
        }
        // "" a0, "a" 61, "aa" 61 61, "b" 62, "e\u{301}" 65 cc 81, "\u{7f}" 7f, "é" c3 a9
        let expected = hexBytes("""
            87
            a0 04
            a1 61 02
            a2 61 61 05
            a1 62 00
            a3 65 cc 81 03
            a1 7f 06
            a2 c3 a9 01
            """)
        #expect(try encodedBody(.dictionary(dictionary)) == expected)
    }

    @Test func nestedContainers() throws {
        let message: XPCMessage = ["a": [1, nil, true], "b": ["c": [:]], "d": []]
        #expect(try encodedBody(message) == hexBytes("83 a1 61 93 01 c0 c3 a1 62 81 a1 63 80 a1 64 90"))
    }

    @Test func encodingIsIndependentOfInsertionOrder() throws {
        var first = XPCDictionary()
        for key in ["z", "y", "x", "\u{e9}"] { first[key] = .string(key) }
        var second = XPCDictionary()
        for key in ["\u{e9}", "x", "y", "z"] { second[key] = .string(key) }
        #expect(try encodedBody(.dictionary(first)) == encodedBody(.dictionary(second)))
        #expect(try XPCWireEncoder().encode(.dictionary(first)) == XPCWireEncoder().encode(.dictionary(second)))
    }
}

@Suite struct EncoderExtTests {
    @Test func uuidIsFixext16Type1InRFC9562ByteOrder() throws {
        let value = uuidFromString("E621E1F8-C36C-495A-93FC-0C247A3E6E5F")
        #expect(try encodedBody(.uuid(value)) == hexBytes("d8 01 e6 21 e1 f8 c3 6c 49 5a 93 fc 0c 24 7a 3e 6e 5f"))
        #expect(try encodedBody(.uuid(uuidFromString("00000000-0000-0000-0000-000000000000"))) == [0xd8, 0x01] + Array(repeating: 0, count: 16))
    }

    @Test(arguments: [
        (Int64(0), "d7 02 00 00 00 00 00 00 00 00"),
        (-1, "d7 02 ff ff ff ff ff ff ff ff"),
        (1_500_000_000, "d7 02 00 00 00 00 59 68 2f 00"),
        (.min, "d7 02 80 00 00 00 00 00 00 00"),
        (.max, "d7 02 7f ff ff ff ff ff ff ff"),
    ])
    func dateIsFixext8Type2SignedNanoseconds(nanoseconds: Int64, expected: String) throws {
        #expect(try encodedBody(.date(XPCDate(nanosecondsSinceReferenceDate: nanoseconds))) == hexBytes(expected))
    }

    @Test func fdAndEndpointAreFixext2WithBigEndianSlot() throws {
        #expect(try encodedBody(.fd(slot: 0)) == hexBytes("d5 03 00 00"))
        #expect(try encodedBody(.endpoint(slot: 0)) == hexBytes("d5 04 00 00"))
        let many = XPCMessage.array(XPCArray((0...0x101).map { XPCMessage.fd(slot: UInt16($0)) }))
        let encoded = try encodedBody(many)
        #expect(encoded.prefix(3) == [0xdc, 0x01, 0x02])
        #expect(encoded.suffix(4) == [0xd5, 0x03, 0x01, 0x01])
    }
}

@Suite struct EnvelopeEncodingTests {
    @Test func headerOfASlotFreeMessage() throws {
        #expect(try XPCWireEncoder().encode(.null) == hexBytes("58 50 43 57  01 00  00 00  00 00  00 00 00 01  c0"))
        #expect(try XPCWireEncoder().encode(.bool(true)) == hexBytes("58504357 0100 0000 0000 00000001 c3"))
    }

    @Test func bodyLengthIsBigEndianUInt32() throws {
        let text = String(repeating: "y", count: 300)  // da 01 2c + 300 bytes = 303 = 0x012f
        let encoded = try XPCWireEncoder().encode(.string(text))
        #expect(Array(encoded.prefix(17)) == canonicalEnvelopeHeader(bodyLength: 303) + [0xda, 0x01, 0x2c])
        #expect(encoded.count == 14 + 303)
    }

    @Test func slotTableIsDerivedFromTheBody() throws {
        let message: XPCMessage = [.fd(slot: 0), .endpoint(slot: 1), .fd(slot: 0)]
        let expected = hexBytes("""
            58 50 43 57 01 00 00 00
            00 02
            00 00 00 0d
            01 02
            93 d5 03 00 00 d5 04 00 01 d5 03 00 00
            """)
        #expect(try XPCWireEncoder().encode(message) == expected)
    }

    @Test func slotsReferencedOutOfOrderStillGetTheirKinds() throws {
        let message: XPCMessage = ["a": .endpoint(slot: 2), "b": .fd(slot: 0), "c": .endpoint(slot: 1)]
        let encoded = try XPCWireEncoder().encode(message)
        #expect(Array(encoded[8..<10]) == [0x00, 0x03])
        #expect(Array(encoded[14..<17]) == [0x01, 0x02, 0x02])
    }

    @Test func attachmentsThatMatchGiveTheSameBytes() throws {
        let message: XPCMessage = [.fd(slot: 0), .endpoint(slot: 1)]
        let attachments: [XPCAttachment] = [
            .fd(FileDescriptor(rawValue: 0)),
            .endpoint(XPCEndpointHandle(fileDescriptor: FileDescriptor(rawValue: 1))),
        ]
        #expect(try XPCWireEncoder().encode(message, attachments: attachments) == XPCWireEncoder().encode(message))
        #expect(try XPCWireEncoder().encode(.null, attachments: []) == hexBytes("58504357 0100 0000 0000 00000001 c0"))
    }

    @Test func encodeBodyWritesNoEnvelope() throws {
        #expect(try XPCWireEncoder().encodeBody(["k": .fd(slot: 0)]) == hexBytes("81 a1 6b d5 03 00 00"))
    }

    /// Small envelopes are written in stack memory and copied out, larger ones in place: every
    /// size around the boundary gives exactly the expected bytes, through every entry point.
    @Test func envelopesAroundTheStackWritingLimitAreExact() throws {
        let encoder = XPCWireEncoder()
        for length in 440...600 {
            let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
            let message: XPCMessage = ["d": .data(payload), "s": "x"]
            let lengthHeader: [UInt8] = length <= 0xff ? [0xc4, UInt8(length)] : [0xc5, UInt8(length >> 8), UInt8(length & 0xff)]
            let body: [UInt8] = [0x82, 0xa1, 0x64] + lengthHeader + payload + [0xa1, 0x73, 0xa1, 0x78]
            let expected = canonicalEnvelopeHeader(bodyLength: UInt32(body.count)) + body
            #expect(try encoder.encode(message) == expected)
            #expect(try encoder.encode(message, attachments: []) == expected)
            #expect(try encoder.encodeBody(message) == body)
            let pieces = try encoder.encodeSegmented(message, attachments: [], detachingDataOf: Int.max)
            #expect(pieces.bytes == expected && pieces.detached.isEmpty && pieces.count == expected.count)
        }
    }
}

@Suite struct EncoderErrorTests {
    @Test func embeddedNULNamesThePath() {
        let message: XPCMessage = ["items": [1, 2, 3, ["name": "a\u{0}b"]]]
        let expectedPath: XPCMessagePath = [.key("items"), .index(3), .key("name")]
        #expect(throws: XPCWireEncodingError.embeddedNUL(path: expectedPath)) {
            try XPCWireEncoder().encode(message)
        }
        #expect(throws: XPCWireEncodingError.embeddedNUL(path: expectedPath)) {
            try XPCWireEncoder().encodeBody(message)
        }
        #expect(expectedPath.description == "items[3].name")
        do throws(XPCWireEncodingError) {
            _ = try XPCWireEncoder().encode(message)
        } catch {
            guard case .embeddedNUL(let path) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(path.description == "items[3].name")
        }
    }

    @Test func embeddedNULAtTheRootAndInKeys() {
        #expect(throws: XPCWireEncodingError.embeddedNUL(path: [])) {
            try XPCWireEncoder().encode("\u{0}")
        }
        #expect(throws: XPCWireEncodingError.embeddedNUL(path: [.index(1)])) {
            try XPCWireEncoder().encode(["ok", "trailing\u{0}"])
        }
        #expect(throws: XPCWireEncodingError.embeddedNUL(path: [.key("a\u{0}")])) {
            try XPCWireEncoder().encode(["a\u{0}": 1])
        }
        // Data may hold zero bytes; only strings may not.
        #expect(throws: XPCWireEncodingError.embeddedNUL(path: [.key("s")])) {
            try XPCWireEncoder().encode(["d": .data([0]), "s": "\u{0}"])
        }
    }

    /// U+0000 is found while writing (measuring does not read string bytes), yet errors keep the
    /// order of one checking walk: a NUL comes before the slot-table, attachment and segmented
    /// checks, and an earlier error before a later NUL.
    @Test func embeddedNULKeepsItsPlaceInTheErrorOrder() throws {
        let withHole: XPCMessage = ["a": .fd(slot: 1), "b": "x\u{0}"]
        #expect(throws: XPCWireEncodingError.embeddedNUL(path: [.key("b")])) { try XPCWireEncoder().encode(withHole) }
        #expect(throws: XPCWireEncodingError.embeddedNUL(path: [.key("b")])) { try XPCWireEncoder().encodeBody(withHole) }
        #expect(throws: XPCWireEncodingError.unreferencedSlot(slot: 0)) {
            try XPCWireEncoder().encode(["a": .fd(slot: 1), "b": "x"])
        }
        let fd = XPCAttachment.fd(FileDescriptor(rawValue: 0))
        #expect(throws: XPCWireEncodingError.embeddedNUL(path: [.index(1), .index(0)])) {
            try XPCWireEncoder().encode([.fd(slot: 0), ["\u{0}"]], attachments: [fd, fd])
        }
        #expect(throws: XPCWireEncodingError.embeddedNUL(path: [.index(1), .index(0)])) {
            try XPCWireEncoder().encodeSegmented([.fd(slot: 0), ["\u{0}"]], attachments: [fd], detachingDataOf: 1)
        }
        // An earlier error still wins over a later U+0000.
        #expect(throws: XPCWireEncodingError.slotKindMismatch(slot: 0, path: [.index(1)])) {
            try XPCWireEncoder().encode([.fd(slot: 0), .endpoint(slot: 0), "\u{0}"])
        }
        // Long strings (word-at-a-time scan, with its overlapping last word) and every short length.
        for length in 1...40 {
            for position in 0..<length {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                bytes[position] = 0
                let string = String(decoding: bytes, as: UTF8.self)
                #expect(throws: XPCWireEncodingError.embeddedNUL(path: [.index(0)])) { try XPCWireEncoder().encode([.string(string)]) }
                #expect(throws: XPCWireEncodingError.embeddedNUL(path: [.key("k")])) { try XPCWireEncoder().encode(["k": .string(string)]) }
            }
            let clean = String(repeating: "é", count: length)
            #expect(try XPCWireDecoder().decode(XPCWireEncoder().encode([.string(clean)])) == [.string(clean)])
        }
    }

    @Test func slotKindMismatchNamesTheSecondUse() {
        #expect(throws: XPCWireEncodingError.slotKindMismatch(slot: 0, path: [.index(1)])) {
            try XPCWireEncoder().encode([.fd(slot: 0), .endpoint(slot: 0)])
        }
        #expect(throws: XPCWireEncodingError.slotKindMismatch(slot: 3, path: [.key("y"), .index(0)])) {
            try XPCWireEncoder().encode(["x": .endpoint(slot: 3), "y": [.fd(slot: 3)]])
        }
    }

    @Test func unreferencedSlotBelowTheHighestIsAnError() {
        #expect(throws: XPCWireEncodingError.unreferencedSlot(slot: 0)) {
            try XPCWireEncoder().encode(.fd(slot: 1))
        }
        #expect(throws: XPCWireEncodingError.unreferencedSlot(slot: 1)) {
            try XPCWireEncoder().encode([.fd(slot: 0), .endpoint(slot: 2)])
        }
        #expect(throws: XPCWireEncodingError.unreferencedSlot(slot: 0)) {
            try XPCWireEncoder().encodeBody(.endpoint(slot: 1))
        }
    }

    @Test func tooManySlots() {
        #expect(throws: XPCWireEncodingError.tooManySlots(count: 65_536)) {
            try XPCWireEncoder().encode(.fd(slot: .max))
        }
    }

    @Test func attachmentsMismatch() {
        let fd = XPCAttachment.fd(FileDescriptor(rawValue: 0))
        let endpoint = XPCAttachment.endpoint(XPCEndpointHandle(fileDescriptor: FileDescriptor(rawValue: 0)))
        #expect(throws: XPCWireEncodingError.attachmentsMismatch(slots: [.fd], attachments: [])) {
            try XPCWireEncoder().encode(.fd(slot: 0), attachments: [])
        }
        #expect(throws: XPCWireEncodingError.attachmentsMismatch(slots: [.fd], attachments: [.endpoint])) {
            try XPCWireEncoder().encode(.fd(slot: 0), attachments: [endpoint])
        }
        #expect(throws: XPCWireEncodingError.attachmentsMismatch(slots: [], attachments: [.fd])) {
            try XPCWireEncoder().encode(.null, attachments: [fd])
        }
        #expect(throws: XPCWireEncodingError.attachmentsMismatch(slots: [.fd, .endpoint], attachments: [.endpoint, .fd])) {
            try XPCWireEncoder().encode([.fd(slot: 0), .endpoint(slot: 1)], attachments: [endpoint, fd])
        }
    }

    @Test func depthLimitIs256NestedContainersByDefault() throws {
        let deepest = try XPCWireEncoder().encode(nestedArrayMessage(256))
        #expect(deepest.count == 14 + 256 + 1)
        #expect(deepest[14..<270].allSatisfy { $0 == 0x91 })
        #expect(deepest.last == 0xc0)

        let expectedPath = XPCMessagePath(Array(repeating: .index(0), count: 256))
        #expect(throws: XPCWireEncodingError.depthLimitExceeded(limit: 256, path: expectedPath)) {
            try XPCWireEncoder().encode(nestedArrayMessage(257))
        }
        // An empty container counts as a level too.
        #expect(throws: XPCWireEncodingError.depthLimitExceeded(limit: 256, path: expectedPath)) {
            try XPCWireEncoder().encode(nestedArrayMessage(256, innermost: .array([])))
        }
    }

    @Test func depthLimitCanBeLowered() throws {
        var options = XPCWireEncodingOptions()
        options.maximumDepth = 2
        let encoder = XPCWireEncoder(options: options)
        #expect(try encoder.encodeBody([[1]]) == hexBytes("91 91 01"))
        #expect(throws: XPCWireEncodingError.depthLimitExceeded(limit: 2, path: [.index(0), .index(0)])) {
            try encoder.encodeBody([[[]]])
        }
        #expect(throws: XPCWireEncodingError.depthLimitExceeded(limit: 2, path: [.key("a"), .key("b")])) {
            try encoder.encodeBody(["a": ["b": [:]]])
        }
        options.maximumDepth = 0
        #expect(try XPCWireEncoder(options: options).encodeBody(7) == [0x07])
        #expect(throws: XPCWireEncodingError.depthLimitExceeded(limit: 0, path: [])) {
            try XPCWireEncoder(options: options).encodeBody([])
        }
    }
}

/// The transport's segmented encoding (large data payloads referenced, not copied) must give the
/// very bytes of `encode` once the pieces are put together.
@Suite struct SegmentedEncodingTests {
    private func blob(_ count: Int, _ seed: UInt8) -> XPCMessage {
        .data((0..<count).map { UInt8(truncatingIfNeeded: $0) &+ seed })
    }

    private func reassembled(_ envelope: XPCSegmentedEnvelope) -> [UInt8] {
        var bytes: [UInt8] = []
        var offset = 0
        for (at, payload) in envelope.detached {
            bytes += envelope.bytes[offset..<at]
            bytes += payload
            offset = at
        }
        bytes += envelope.bytes[offset...]
        return bytes
    }

    @Test func piecesPutTogetherAreTheEnvelope() throws {
        let many = XPCMessage.array(XPCArray((0..<12).map { blob(100 + $0, UInt8($0)) }))
        let messages: [XPCMessage] = [
            ["op": "store", "blob": blob(1 << 20, 1)],
            ["small": blob(99, 2), "big": blob(100, 3), "exact": blob(100, 4), "n": 7],
            ["nested": ["deeper": [blob(300, 5), "text", blob(10, 6)]], "tail": blob(500, 7)],
            ["many": many, "after": blob(200, 8)],
            ["none": "at all", "fd": .fd(slot: 0)],
        ]
        let encoder = XPCWireEncoder()
        for message in messages {
            let attachments: [XPCAttachment] = message["fd"] == nil ? [] : [.fd(FileDescriptor(rawValue: 0))]
            let whole = try encoder.encode(message, attachments: attachments)
            let pieces = try encoder.encodeSegmented(message, attachments: attachments, detachingDataOf: 100)
            #expect(pieces.count == whole.count)
            #expect(reassembled(pieces) == whole)
            #expect(pieces.detached.count <= XPCSegmentedEnvelope.maximumDetached)
            #expect(pieces.detached.allSatisfy { $0.payload.count >= 100 })
        }
        // Twelve large payloads: eight detached, the rest copied.
        let pieces = try encoder.encodeSegmented(["many": many], attachments: [], detachingDataOf: 100)
        #expect(pieces.detached.count == XPCSegmentedEnvelope.maximumDetached)
    }

    @Test func segmentedEncodingReportsTheSameErrors() {
        let encoder = XPCWireEncoder()
        #expect(throws: XPCWireEncodingError.attachmentsMismatch(slots: [.fd], attachments: [])) {
            try encoder.encodeSegmented(["fd": .fd(slot: 0)], attachments: [], detachingDataOf: 1)
        }
        #expect(throws: (any Error).self) {
            try encoder.encodeSegmented(["bad\u{0}key": 1], attachments: [], detachingDataOf: 1)
        }
    }
}
