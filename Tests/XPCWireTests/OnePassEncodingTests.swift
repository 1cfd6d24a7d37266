// A small envelope without slots is written in one pass that checks as it writes; anything else
// (slots, an error, more than the stack buffer holds) goes through the measuring pass and the
// writing pass. These tests hold the one pass to the bytes and errors of the two: around its size
// limit, at the depth limit, with slots, and with a U+0000 anywhere.

import Testing
import XPCWire

/// The envelope of a body without slots, by hand.
private func envelope(ofBody body: [UInt8]) -> [UInt8] {
    canonicalEnvelopeHeader(bodyLength: UInt32(body.count)) + body
}

/// A deterministic mix of small messages of every variant but fd and endpoint.
private func smallMessages() -> [XPCMessage] {
    var state: UInt64 = 0x9e37_79b9_7f4a_7c15
    func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 33
    }
    func make(depth: Int) -> XPCMessage {
        switch next() % (depth < 4 ? 11 : 9) {
        case 0: return .null
        case 1: return .bool(next() % 2 == 0)
        case 2: return .int64(Int64(bitPattern: next() << 31 | next()) >> Int64(next() % 64))
        case 3: return .uint64(next() << Int(next() % 40))
        case 4: return .double(Double(next()) / 7)
        case 5: return .string(String(repeating: "k", count: Int(next() % 40)) + "\u{e9}")
        case 6: return .data((0..<Int(next() % 40)).map { UInt8(truncatingIfNeeded: $0) })
        case 7: return .date(XPCDate(nanosecondsSinceReferenceDate: Int64(next())))
        case 8: return .string(String(repeating: "v", count: Int(next() % 20)))
        case 9: return .array(XPCArray((0..<Int(next() % 5)).map { _ in make(depth: depth + 1) }))
        default:
            var dictionary = XPCDictionary()
            for _ in 0..<Int(next() % 5) { dictionary["key\(next() % 100)"] = make(depth: depth + 1) }
            return .dictionary(dictionary)
        }
    }
    return (0..<400).map { _ in make(depth: 0) }
}

@Suite struct OnePassEncodingTests {
    /// `encodeBody` always takes the two passes.
    @Test func theOnePassWritesWhatTheTwoPassesWrite() throws {
        let encoder = XPCWireEncoder()
        var small = 0
        for message in smallMessages() {
            let expected = envelope(ofBody: try encoder.encodeBody(message))
            if expected.count <= 512 { small += 1 }
            #expect(try encoder.encode(message) == expected, "\(message)")
            #expect(try encoder.encode(message, attachments: []) == expected, "\(message)")
            let pieces = try encoder.encodeSegmented(message, attachments: [], detachingDataOf: 1 << 16)
            #expect(pieces.bytes == expected && pieces.detached.isEmpty && pieces.count == expected.count, "\(message)")
        }
        #expect(small > 300)  // the corpus exercises the one pass
    }

    /// Every envelope size around the stack buffer's 512 bytes, for each kind of value that can
    /// fill it: a string, an array, a map, data.
    @Test func everySizeAroundTheLimit() throws {
        let encoder = XPCWireEncoder()
        for size in 490...530 {
            // A string: 14 header bytes, its header (2 bytes up to 255, 3 from 256), its bytes.
            let length = size - 14 - (size - 16 <= 0xff ? 2 : 3)
            if length >= 32 {
                let header: [UInt8] = length <= 0xff ? [0xd9, UInt8(length)] : [0xda, UInt8(length >> 8), UInt8(length & 0xff)]
                let bytes = [UInt8](repeating: 0x61, count: length)
                #expect(try encoder.encode(.string(String(decoding: bytes, as: UTF8.self))) == envelope(ofBody: header + bytes))
            }
            // An array of nulls: 14 + 3 (array16) + count.
            let count = size - 17
            let arrayBody = [0xdc, UInt8(count >> 8), UInt8(count & 0xff)] + [UInt8](repeating: 0xc0, count: count)
            #expect(try encoder.encode(.array(XPCArray(Array(repeating: .null, count: count)))) == envelope(ofBody: arrayBody))
            // A map of one key holding data: 14 + 1 + 2 (key) + 2 or 3 (bin header) + payload.
            let payload = size - 19 - (size - 19 <= 0xff ? 0 : 1)
            let binHeader: [UInt8] = payload <= 0xff ? [0xc4, UInt8(payload)] : [0xc5, UInt8(payload >> 8), UInt8(payload & 0xff)]
            let data = (0..<payload).map { UInt8(truncatingIfNeeded: $0) }
            let mapBody = [0x81, 0xa1, 0x64] + binHeader + data
            #expect(try encoder.encode(["d": .data(data)]) == envelope(ofBody: mapBody))
        }
        // Many small entries in a map past the limit.
        var dictionary = XPCDictionary()
        for index in 0..<200 { dictionary["k\(1000 + index)"] = .int64(Int64(index % 100)) }
        let expected = envelope(ofBody: try encoder.encodeBody(.dictionary(dictionary)))
        #expect(expected.count > 512)
        #expect(try encoder.encode(.dictionary(dictionary)) == expected)
    }

    @Test func theDepthLimitIsReportedWithItsPath() throws {
        var options = XPCWireEncodingOptions()
        options.maximumDepth = 3
        let encoder = XPCWireEncoder(options: options)
        // Depth 3 (three containers) is allowed, a fourth is not.
        let allowed: XPCMessage = ["a": [["b": 1]]]
        #expect(try encoder.encode(allowed) == envelope(ofBody: hexBytes("81 a1 61 91 81 a1 62 01")))
        #expect(throws: XPCWireEncodingError.depthLimitExceeded(limit: 3, path: [.key("a"), .index(0), .key("b")])) {
            try encoder.encode(["a": [["b": []]]])
        }
        #expect(throws: XPCWireEncodingError.depthLimitExceeded(limit: 3, path: [.index(1), .index(0), .index(0)])) {
            try encoder.encode([1, [[[:]]]])
        }
        options.maximumDepth = 0
        let none = XPCWireEncoder(options: options)
        #expect(try none.encode("x") == envelope(ofBody: hexBytes("a1 78")))
        #expect(throws: XPCWireEncodingError.depthLimitExceeded(limit: 0, path: [])) {
            try none.encode([])
        }
    }

    @Test func aZeroByteAnywhereIsReportedWithItsPath() {
        let cases: [(XPCMessage, XPCMessagePath)] = [
            ("\u{0}", []),
            (["\u{0}"], [.index(0)]),
            ([1, "a", ["x": "b\u{0}"]], [.index(2), .key("x")]),
            (["k\u{0}": 1], [.key("k\u{0}")]),
            (["a": 1, "b": ["c": [nil, "\u{0}"]]], [.key("b"), .key("c"), .index(1)]),
            (.string(String(repeating: "z", count: 40) + "\u{0}"), []),
        ]
        for (message, path) in cases {
            #expect(throws: XPCWireEncodingError.embeddedNUL(path: path), "\(message)") {
                try XPCWireEncoder().encode(message)
            }
        }
    }

    /// A message that refers to slots has a slot table, which the one pass leaves to the two.
    @Test func slotsTakeTheTwoPasses() throws {
        let message: XPCMessage = ["a": "x", "f": .fd(slot: 0), "z": [.endpoint(slot: 1)]]
        let body = hexBytes("83 a1 61 a1 78 a1 66 d5 03 00 00 a1 7a 91 d5 04 00 01")
        let expected = canonicalEnvelopeHeader(slotCount: 2, bodyLength: UInt32(body.count)) + [0x01, 0x02] + body
        #expect(try XPCWireEncoder().encode(message) == expected)
        #expect(throws: XPCWireEncodingError.attachmentsMismatch(slots: [.fd, .endpoint], attachments: [])) {
            try XPCWireEncoder().encode(message, attachments: [])
        }
        #expect(throws: XPCWireEncodingError.unreferencedSlot(slot: 0)) {
            try XPCWireEncoder().encode(["f": .fd(slot: 1)])
        }
    }
}
