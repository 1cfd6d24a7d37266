// The decoder reads a fixstr key or string of fewer than 32 ASCII bytes on a fast path (one
// bounds check, one word test) and everything else on the general one. These tests hold the two
// paths to the same results at the edges between them: lengths 0, 31 and 32, zero bytes and
// non-ASCII bytes at every position, truncation, the string limit, and key order and duplicates
// compared on the fast path.

import Testing
import XPCWire

/// Offset of the first body byte in an envelope with no slots.
private let bodyStart = 14

/// `count` distinct printable ASCII bytes, starting from "!".
private func asciiKey(_ count: Int) -> [UInt8] {
    (0..<count).map { UInt8(0x21 + $0 % 94) }
}

/// The header of a string of `count` bytes in its shortest form.
private func stringHeader(_ count: Int) -> [UInt8] {
    count < 32 ? [0xa0 | UInt8(count)] : [0xd9, UInt8(count)]
}

@Suite struct ShortStringFastPathTests {
    @Test func keysOfEveryShortLengthAndTheFirstLongOne() throws {
        for length in 0...32 {
            let key = asciiKey(length)
            let body = [0x81] + stringHeader(length) + key + [0x07]
            let expected: XPCMessage = .dictionary([String(decoding: key, as: UTF8.self): 7])
            #expect(try XPCWireDecoder().decode(makeEnvelope(body)) == expected, "length \(length)")
            #expect(try strictWireDecoder.decode(makeEnvelope(body)) == expected, "length \(length)")
            // The same key as a string value.
            let value: XPCMessage = .string(String(decoding: key, as: UTF8.self))
            #expect(try XPCWireDecoder().decode(makeEnvelope(stringHeader(length) + key)) == value, "length \(length)")
        }
    }

    @Test func aZeroByteAtAnyPositionOfAKeyIsReportedThere() {
        for length in 1...32 {
            let header = stringHeader(length)
            for position in 0..<length {
                var key = asciiKey(length)
                key[position] = 0
                let offset = bodyStart + 1 + header.count + position
                #expect(throws: XPCWireDecodingError.embeddedNUL(offset: offset), "length \(length), position \(position)") {
                    try XPCWireDecoder().decode(makeEnvelope([0x81] + header + key + [0xc0]))
                }
            }
        }
    }

    @Test func aNonASCIIByteAtAnyPositionOfAKeyGoesThroughTheValidator() throws {
        for length in 1...32 {
            let header = stringHeader(length)
            for position in 0..<length {
                // A lone byte from 0x80 is invalid UTF-8, at its own offset.
                for byte: UInt8 in [0x80, 0xbf, 0xff] {
                    var key = asciiKey(length)
                    key[position] = byte
                    let offset = bodyStart + 1 + header.count + position
                    #expect(throws: XPCWireDecodingError.invalidUTF8(offset: offset), "length \(length), position \(position)") {
                        try XPCWireDecoder().decode(makeEnvelope([0x81] + header + key + [0xc0]))
                    }
                }
                // A valid two-byte sequence ending at `position` is accepted, unchanged.
                if position > 0 {
                    var key = asciiKey(length)
                    key[position - 1] = 0xc3
                    key[position] = 0xa9
                    let decoded = try XPCWireDecoder().decode(makeEnvelope([0x81] + header + key + [0xc0]))
                    guard case .dictionary(let dictionary) = decoded else {
                        Issue.record("not a dictionary: \(decoded)")
                        continue
                    }
                    #expect(utf8BytesOf(dictionary.keys) == [key])
                }
            }
        }
    }

    @Test func aZeroByteIsReportedBeforeAnEarlierNonASCIIByteInAKey() {
        #expect(throws: XPCWireDecodingError.embeddedNUL(offset: bodyStart + 4)) {
            try XPCWireDecoder().decode(makeEnvelope(hexBytes("81 a3 ff 61 00 c0")))
        }
    }

    @Test func aTruncatedShortKeyOrStringIsReportedAtItsFormatByte() {
        for length in 1...31 {
            let bytes = asciiKey(length - 1)  // one byte short
            #expect(throws: XPCWireDecodingError.truncated(offset: bodyStart), "length \(length)") {
                try XPCWireDecoder().decode(makeEnvelope([0xa0 | UInt8(length)] + bytes))
            }
            // (A map of one entry needs two bytes after its header, or fails at the map.)
            if length > 1 {
                #expect(throws: XPCWireDecodingError.truncated(offset: bodyStart + 1), "length \(length)") {
                    try XPCWireDecoder().decode(makeEnvelope([0x81, 0xa0 | UInt8(length)] + bytes))
                }
            }
        }
        // A key's format byte is the last byte of the body.
        #expect(throws: XPCWireDecodingError.truncated(offset: bodyStart + 4)) {
            try XPCWireDecoder().decode(makeEnvelope(hexBytes("82 a1 61 01 a1")))
        }
    }

    @Test func theStringLimitAppliesToShortKeysAndStrings() throws {
        let none = limitedDecoder { $0.maximumStringLength = 0 }
        #expect(try none.decode(makeEnvelope(hexBytes("81 a0 01"))) == .dictionary(["": 1]))
        #expect(throws: XPCWireDecodingError.limitExceeded(.stringLength, value: 1, limit: 0, offset: bodyStart + 1)) {
            try none.decode(makeEnvelope(hexBytes("81 a1 61 01")))
        }
        let thirty = limitedDecoder { $0.maximumStringLength = 30 }
        #expect(try thirty.decode(makeEnvelope([0x81, 0xbe] + asciiKey(30) + [0x01])).dictionaryValue?.count == 1)
        #expect(throws: XPCWireDecodingError.limitExceeded(.stringLength, value: 31, limit: 30, offset: bodyStart + 1)) {
            try thirty.decode(makeEnvelope([0x81, 0xbf] + asciiKey(31) + [0x01]))
        }
        #expect(throws: XPCWireDecodingError.limitExceeded(.stringLength, value: 31, limit: 30, offset: bodyStart)) {
            try thirty.decode(makeEnvelope([0xbf] + asciiKey(31)))
        }
    }

    /// Keys that share a prefix, of every short length: in order, out of order, and repeated.
    @Test func keyOrderAndDuplicatesOnTheFastPath() throws {
        for length in 0...30 {
            let shorter = asciiKey(length)
            let longer = shorter + [0x7e]
            let first = stringHeader(shorter.count) + shorter
            let second = stringHeader(longer.count) + longer
            let expected: XPCMessage = .dictionary([
                String(decoding: shorter, as: UTF8.self): 1, String(decoding: longer, as: UTF8.self): 2,
            ])
            // In order.
            #expect(try strictWireDecoder.decode(makeEnvelope([0x82] + first + [0x01] + second + [0x02])) == expected)
            // Out of order: strict mode stops at the second key; the default mode sorts.
            let reversed = [0x82] + second + [0x02] + first + [0x01]
            #expect(throws: XPCWireDecodingError.nonCanonical(.unsortedKeys, offset: bodyStart + 1 + second.count + 1)) {
                try strictWireDecoder.decode(makeEnvelope(reversed))
            }
            #expect(try XPCWireDecoder().decode(makeEnvelope(reversed)) == expected)
            // Repeated: reported at the second one.
            let name = String(decoding: longer, as: UTF8.self)
            #expect(throws: XPCWireDecodingError.duplicateKey(name, offset: bodyStart + 1 + second.count + 1)) {
                try XPCWireDecoder().decode(makeEnvelope([0x82] + second + [0x01] + second + [0x02]))
            }
            // Differing only in the last byte.
            if length > 0 {
                var greater = shorter
                greater[length - 1] &+= 1
                let third = stringHeader(greater.count) + greater
                #expect(try strictWireDecoder.decode(makeEnvelope([0x82] + first + [0x01] + third + [0x02])).dictionaryValue?.count == 2)
                #expect(throws: XPCWireDecodingError.nonCanonical(.unsortedKeys, offset: bodyStart + 1 + third.count + 1)) {
                    try strictWireDecoder.decode(makeEnvelope([0x82] + third + [0x02] + first + [0x01]))
                }
            }
        }
        // The empty key twice.
        #expect(throws: XPCWireDecodingError.duplicateKey("", offset: bodyStart + 3)) {
            try XPCWireDecoder().decode(makeEnvelope(hexBytes("82 a0 01 a0 02")))
        }
        // A short ASCII key after a non-ASCII one (read on the general path) is compared by bytes.
        #expect(throws: XPCWireDecodingError.nonCanonical(.unsortedKeys, offset: bodyStart + 5)) {
            try strictWireDecoder.decode(makeEnvelope(hexBytes("82 a2 c3 a9 01 a1 7a 02")))
        }
        #expect(try strictWireDecoder.decode(makeEnvelope(hexBytes("82 a1 7a 02 a2 c3 a9 01"))).dictionaryValue?.count == 2)
        // A key on the fast path equal to one of the same bytes in str8 form, and the other way.
        #expect(throws: XPCWireDecodingError.duplicateKey("ab", offset: bodyStart + 6)) {
            try XPCWireDecoder().decode(makeEnvelope(hexBytes("82 d9 02 61 62 01 a2 61 62 02")))
        }
        #expect(throws: XPCWireDecodingError.duplicateKey("ab", offset: bodyStart + 5)) {
            try XPCWireDecoder().decode(makeEnvelope(hexBytes("82 a2 61 62 01 d9 02 61 62 02")))
        }
    }

    /// Map values that are fixints or short strings are read inline, and counted like any value.
    @Test func valuesReadInlineAreCounted() throws {
        // {"a": [1, 2], "b": …}: the map (1, room for its 2 entries), the array (2, room for its
        // 2 elements), 1 and 2 (3, 4) pass a limit of 4; the value of "b" is the fifth.
        let four = limitedDecoder { $0.maximumElementCount = 4 }
        for (value, decoded) in [("03", XPCMessage.int64(3)), ("ff", .int64(-1)), ("a1 78", "x"), ("a0", "")] {
            let body = hexBytes("82 a1 61 92 01 02 a1 62 " + value)
            #expect(throws: XPCWireDecodingError.limitExceeded(.elementCount, value: 5, limit: 4, offset: bodyStart + 8)) {
                try four.decode(makeEnvelope(body))
            }
            #expect(try limitedDecoder { $0.maximumElementCount = 5 }.decode(makeEnvelope(body)) == ["a": [1, 2], "b": decoded])
        }
        // Every fixint, both signs.
        for byte in [UInt8](0x00...0x7f) + [UInt8](0xe0...0xff) {
            let expected = XPCMessage.int64(Int64(Int8(bitPattern: byte)))
            #expect(try strictWireDecoder.decode(makeEnvelope([0x82, 0xa1, 0x61, byte, 0xa1, 0x62, byte])) == ["a": expected, "b": expected])
        }
    }

    @Test func delAndOtherControlBytesAreASCII() throws {
        let key: [UInt8] = [0x01, 0x7f, 0x1f, 0x0a]
        let decoded = try strictWireDecoder.decode(makeEnvelope([0x81, 0xa4] + key + [0xc0]))
        #expect(decoded.dictionaryValue.map { utf8BytesOf($0.keys) } == [key])
    }
}
