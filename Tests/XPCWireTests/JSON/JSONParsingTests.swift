@testable import XPCWire
import Testing

/// The error parsing `bytes` throws, or `nil` if it parses.
func parseError(_ bytes: [UInt8], maximumDepth: Int = 512) -> JSONParseError? {
    do {
        _ = try JSONValue(parsing: bytes, maximumDepth: maximumDepth)
        return nil
    } catch {
        return error
    }
}

/// An input the parser must reject, with the error it must report.
struct RejectedInput: Sendable, CustomTestStringConvertible {
    let bytes: [UInt8]
    let maximumDepth: Int
    let expected: JSONParseError

    init(_ text: String, _ kind: JSONParseError.Kind, at offset: Int, maximumDepth: Int = 512) {
        self.init(bytes: Array(text.utf8), kind, at: offset, maximumDepth: maximumDepth)
    }

    init(bytes: [UInt8], _ kind: JSONParseError.Kind, at offset: Int, maximumDepth: Int = 512) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
        self.expected = JSONParseError(kind: kind, offset: offset)
    }

    var testDescription: String {
        let shown = bytes.count > 40 ? Array(bytes.prefix(40)) : bytes
        return "\(String(decoding: shown, as: UTF8.self).debugDescription) → \(expected)"
    }
}

@Suite("Parser: every error kind with its offset")
struct ParseErrorTests {
    static let unexpectedEnd: [RejectedInput] = [
        RejectedInput("", .unexpectedEnd, at: 0),
        RejectedInput(" \t\r\n", .unexpectedEnd, at: 4),
        RejectedInput("[", .unexpectedEnd, at: 1),
        RejectedInput("[1,", .unexpectedEnd, at: 3),
        RejectedInput(#"{"a""#, .unexpectedEnd, at: 4),
        RejectedInput(#"{"a":"#, .unexpectedEnd, at: 5),
        RejectedInput(#"{"a":1"#, .unexpectedEnd, at: 6),
        RejectedInput(#""abc"#, .unexpectedEnd, at: 4),
        RejectedInput(#""\"#, .unexpectedEnd, at: 2),
        RejectedInput(#""\u12"#, .unexpectedEnd, at: 5),
        RejectedInput(#""\ud83d"#, .unexpectedEnd, at: 7),
        RejectedInput(#""\ud83d\"#, .unexpectedEnd, at: 8),
        RejectedInput(#""\ud83d\ude0"#, .unexpectedEnd, at: 12),
        RejectedInput(bytes: [0x22, 0xC3], .unexpectedEnd, at: 2),
        RejectedInput(bytes: [0x22, 0xF0, 0x9F, 0x98], .unexpectedEnd, at: 4),
        RejectedInput("tru", .unexpectedEnd, at: 3),
        RejectedInput("nul", .unexpectedEnd, at: 3),
    ]

    static let unexpectedByte: [RejectedInput] = [
        RejectedInput("[1,]", .unexpectedByte(0x5D), at: 3),
        RejectedInput(#"{"a":1,}"#, .unexpectedByte(0x7D), at: 7),
        RejectedInput(#"{"a" 1}"#, .unexpectedByte(0x31), at: 5),
        RejectedInput(#"{"a"::1}"#, .unexpectedByte(0x3A), at: 5),
        RejectedInput("{1:2}", .unexpectedByte(0x31), at: 1),
        RejectedInput("{,}", .unexpectedByte(0x2C), at: 1),
        RejectedInput("[1,,2]", .unexpectedByte(0x2C), at: 3),
        RejectedInput("[1 2]", .unexpectedByte(0x32), at: 3),
        RejectedInput("[1}", .unexpectedByte(0x7D), at: 2),
        RejectedInput(#"{"a":1]"#, .unexpectedByte(0x5D), at: 6),
        RejectedInput("// comment\n1", .unexpectedByte(0x2F), at: 0),
        RejectedInput("/* comment */ 1", .unexpectedByte(0x2F), at: 0),
        RejectedInput("[1 /* c */]", .unexpectedByte(0x2F), at: 3),
        RejectedInput("NaN", .unexpectedByte(0x4E), at: 0),
        RejectedInput("Infinity", .unexpectedByte(0x49), at: 0),
        RejectedInput("'a'", .unexpectedByte(0x27), at: 0),
        RejectedInput("trUe", .unexpectedByte(0x55), at: 2),
        RejectedInput("nulL", .unexpectedByte(0x4C), at: 3),
        RejectedInput("True", .unexpectedByte(0x54), at: 0),
        RejectedInput("+1", .unexpectedByte(0x2B), at: 0),
        RejectedInput(".5", .unexpectedByte(0x2E), at: 0),
        RejectedInput("\u{FEFF}1", .unexpectedByte(0xEF), at: 0),
        RejectedInput("\u{0C}1", .unexpectedByte(0x0C), at: 0),
        RejectedInput(bytes: [0xFF], .unexpectedByte(0xFF), at: 0),
    ]

    static let invalidNumber: [RejectedInput] = [
        RejectedInput("01", .invalidNumber, at: 1),
        RejectedInput("00", .invalidNumber, at: 1),
        RejectedInput("-01", .invalidNumber, at: 2),
        RejectedInput("1.", .invalidNumber, at: 2),
        RejectedInput("1.e3", .invalidNumber, at: 2),
        RejectedInput("1e", .invalidNumber, at: 2),
        RejectedInput("1E+", .invalidNumber, at: 3),
        RejectedInput("1e-x", .invalidNumber, at: 3),
        RejectedInput("-", .invalidNumber, at: 1),
        RejectedInput("-.5", .invalidNumber, at: 1),
        RejectedInput("-Infinity", .invalidNumber, at: 1),
        RejectedInput("[-]", .invalidNumber, at: 2),
    ]

    static let invalidEscape: [RejectedInput] = [
        RejectedInput(#""\x""#, .invalidEscape, at: 1),
        RejectedInput(#""\'""#, .invalidEscape, at: 1),
        RejectedInput(#""\0""#, .invalidEscape, at: 1),
        RejectedInput(#""\ ""#, .invalidEscape, at: 1),
        RejectedInput(#""a\U0041""#, .invalidEscape, at: 2),
    ]

    static let invalidUnicodeEscape: [RejectedInput] = [
        RejectedInput(#""\u12G4""#, .invalidUnicodeEscape, at: 1),
        RejectedInput(#""\u12""#, .invalidUnicodeEscape, at: 1),
        RejectedInput(#""ab\uZZZZ""#, .invalidUnicodeEscape, at: 3),
        RejectedInput(#""\u+123""#, .invalidUnicodeEscape, at: 1),
        RejectedInput(#""\ud83d\uDE0G""#, .invalidUnicodeEscape, at: 7),
    ]

    static let loneSurrogate: [RejectedInput] = [
        RejectedInput(#""\ud83d""#, .loneSurrogate, at: 1),
        RejectedInput(#""\ude00""#, .loneSurrogate, at: 1),
        RejectedInput(#""x\uDFFF""#, .loneSurrogate, at: 2),
        RejectedInput(#""\ud83d\u0041""#, .loneSurrogate, at: 1),
        RejectedInput(#""\ud83d\ud83d""#, .loneSurrogate, at: 1),
        RejectedInput(#""\ud83d\n""#, .loneSurrogate, at: 1),
        RejectedInput(#""\ud83dx""#, .loneSurrogate, at: 1),
        RejectedInput(#""\ude00\ud83d""#, .loneSurrogate, at: 1),
    ]

    static let invalidUTF8: [RejectedInput] = [
        RejectedInput(bytes: [0x22, 0xFF, 0x22], .invalidUTF8, at: 1),
        RejectedInput(bytes: [0x22, 0x80, 0x22], .invalidUTF8, at: 1),
        RejectedInput(bytes: [0x22, 0xC0, 0x80, 0x22], .invalidUTF8, at: 1),
        RejectedInput(bytes: [0x22, 0xC1, 0xBF, 0x22], .invalidUTF8, at: 1),
        RejectedInput(bytes: [0x22, 0xE0, 0x80, 0x80, 0x22], .invalidUTF8, at: 1),
        RejectedInput(bytes: [0x22, 0xED, 0xA0, 0x80, 0x22], .invalidUTF8, at: 1),
        RejectedInput(bytes: [0x22, 0xF0, 0x80, 0x80, 0x80, 0x22], .invalidUTF8, at: 1),
        RejectedInput(bytes: [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], .invalidUTF8, at: 1),
        RejectedInput(bytes: [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], .invalidUTF8, at: 1),
        RejectedInput(bytes: [0x22, 0x61, 0xC3, 0x22], .invalidUTF8, at: 2),
        RejectedInput(bytes: [0x22, 0xE2, 0x82, 0x41, 0x22], .invalidUTF8, at: 1),
        RejectedInput(bytes: [0x7B, 0x22, 0xFE, 0x22, 0x3A, 0x31, 0x7D], .invalidUTF8, at: 2),
    ]

    static let controlCharacter: [RejectedInput] = [
        RejectedInput("\"a\tb\"", .controlCharacterInString, at: 2),
        RejectedInput("\"\u{0}\"", .controlCharacterInString, at: 1),
        RejectedInput("\"\n\"", .controlCharacterInString, at: 1),
        RejectedInput("\"\u{1F}\"", .controlCharacterInString, at: 1),
        RejectedInput("{\"a\u{1}\":1}", .controlCharacterInString, at: 3),
    ]

    static let duplicateKey: [RejectedInput] = [
        RejectedInput(#"{"a":1,"a":2}"#, .duplicateKey("a"), at: 7),
        RejectedInput(#"{"a":1,"b":{"c":1,"c":2},"d":3}"#, .duplicateKey("c"), at: 18),
        RejectedInput(#"{"a\u0062":1,"ab":2}"#, .duplicateKey("ab"), at: 13),
        RejectedInput(#"{"\u00e9":1,"é":2}"#, .duplicateKey("é"), at: 12),
        RejectedInput(#"[{"x":{"k":null,"k":null}}]"#, .duplicateKey("k"), at: 16),
    ]

    static let depthLimit: [RejectedInput] = [
        RejectedInput(String(repeating: "[", count: 513), .depthLimitExceeded, at: 512),
        RejectedInput(String(repeating: "[", count: 513) + String(repeating: "]", count: 513), .depthLimitExceeded, at: 512),
        RejectedInput("[]", .depthLimitExceeded, at: 0, maximumDepth: 0),
        RejectedInput("{}", .depthLimitExceeded, at: 0, maximumDepth: -1),
        RejectedInput("[[]]", .depthLimitExceeded, at: 1, maximumDepth: 1),
        RejectedInput(#"{"a":{"a":{}}}"#, .depthLimitExceeded, at: 10, maximumDepth: 2),
    ]

    static let trailingData: [RejectedInput] = [
        RejectedInput("1 2", .trailingData, at: 2),
        RejectedInput(#"{"a":1}}"#, .trailingData, at: 7),
        RejectedInput("[] []", .trailingData, at: 3),
        RejectedInput("0x10", .trailingData, at: 1),
        RejectedInput("truex", .trailingData, at: 4),
        RejectedInput(#""a""b""#, .trailingData, at: 3),
        RejectedInput("1\u{0}", .trailingData, at: 1),
        RejectedInput("null,", .trailingData, at: 4),
    ]

    @Test(
        "Rejected with the expected kind and offset",
        arguments: [
            unexpectedEnd, unexpectedByte, invalidNumber, invalidEscape, invalidUnicodeEscape,
            loneSurrogate, invalidUTF8, controlCharacter, duplicateKey, depthLimit, trailingData,
        ].joined()
    )
    func rejected(_ input: RejectedInput) {
        #expect(parseError(input.bytes, maximumDepth: input.maximumDepth) == input.expected)
    }

    @Test("Error descriptions name the byte offset and the problem")
    func descriptions() {
        #expect(parseError(Array("[1,}".utf8))?.description == "JSON error at byte 3: unexpected byte 0x7D")
        #expect(parseError(Array("\u{0C}".utf8))?.description == "JSON error at byte 0: unexpected byte 0x0C")
        #expect(parseError(Array(#"{"a":1,"a":2}"#.utf8))?.description
            == #"JSON error at byte 7: duplicate object member name "a""#)
        #expect(parseError(Array(#"{"\n":1,"\n":2}"#.utf8))?.description
            == #"JSON error at byte 8: duplicate object member name "\n""#)
        #expect(parseError(Array("".utf8))?.description == "JSON error at byte 0: unexpected end of input")
        #expect(parseError(Array("1 x".utf8))?.description
            == "JSON error at byte 2: unexpected data after the JSON value")
    }

    @Test("Errors from the String initializer match the bytes initializer")
    func stringInitializer() {
        #expect(throws: JSONParseError(kind: .unexpectedByte(0x5D), offset: 3)) {
            try JSONValue(parsing: "[1,]")
        }
    }

    @Test("Offsets count from the start of the collection passed in, not its storage")
    func offsetsAreRelativeToTheCollection() {
        let storage = Array("xx[1,}".utf8)
        let slice = storage[2...]
        #expect(throws: JSONParseError(kind: .unexpectedByte(0x7D), offset: 3)) {
            try JSONValue(parsing: slice)
        }
        let text = "zz[true,]"
        let substring = text.dropFirst(2)
        #expect(throws: JSONParseError(kind: .unexpectedByte(0x5D), offset: 6)) {
            try JSONValue(parsing: substring.utf8)
        }
    }
}

@Suite("Parser: nesting depth")
struct DepthTests {
    @Test("Exactly maximumDepth nested arrays and objects parse")
    func atTheLimit() throws {
        let arrays = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        var value = try JSONValue(parsing: arrays)
        var depth = 0
        while let elements = value.arrayValue, let first = elements.first {
            depth += 1
            value = first
        }
        #expect(depth == 511)
        #expect(value == .array([]))

        let objects = String(repeating: #"{"a":"#, count: 511) + "{}" + String(repeating: "}", count: 511)
        #expect(throws: Never.self) { try JSONValue(parsing: objects) }
    }

    @Test("Very deep input is rejected at the limit instead of exhausting the stack")
    func farBeyondTheLimit() {
        let opening = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        #expect(parseError(opening) == JSONParseError(kind: .depthLimitExceeded, offset: 512))
        let objects = Array(String(repeating: #"{"k":"#, count: 200_000).utf8)
        #expect(parseError(objects) == JSONParseError(kind: .depthLimitExceeded, offset: 512 * 5))
    }

    @Test("A larger maximumDepth is honoured (the parser itself does not recurse)")
    func customLimit() throws {
        let depth = 2_000
        let text = String(repeating: "[", count: depth) + "7" + String(repeating: "]", count: depth)
        #expect(throws: JSONParseError(kind: .depthLimitExceeded, offset: 512)) {
            try JSONValue(parsing: text)
        }
        let value = try JSONValue(parsing: text, maximumDepth: depth)
        #expect(value.serialized(pretty: false) == text)
    }

    @Test("maximumDepth 0 still admits scalars")
    func scalarsAtDepthZero() throws {
        #expect(try JSONValue(parsing: "\"x\"", maximumDepth: 0) == .string("x"))
        #expect(try JSONValue(parsing: "-1", maximumDepth: 0) == .number("-1"))
    }
}

@Suite("Parser: accepted input")
struct ParseValueTests {
    @Test("Scalars and empty containers")
    func scalars() throws {
        #expect(try JSONValue(parsing: "null") == .null)
        #expect(try JSONValue(parsing: "true") == .bool(true))
        #expect(try JSONValue(parsing: "false") == .bool(false))
        #expect(try JSONValue(parsing: #""""#) == .string(""))
        #expect(try JSONValue(parsing: "[]") == .array([]))
        #expect(try JSONValue(parsing: "{}") == .object([]))
        #expect(try JSONValue(parsing: "[ ]") == .array([]))
        #expect(try JSONValue(parsing: "{ \n}") == .object([]))
    }

    @Test("Whitespace (space, tab, LF, CR) is allowed around every token")
    func whitespace() throws {
        let value = try JSONValue(parsing: " \t\n\r[ 1 ,\t{ \"a\" :\r\nnull } ] \r\n\t ")
        #expect(value == .array([.number("1"), .object([JSONMember(key: "a", value: .null)])]))
    }

    @Test(
        "Number lexemes are kept exactly",
        arguments: ["-0", "1e400", "0.1", "0", "-0.0", "1E+2", "1e-2", "12.50e-003", "0.10",
                    "123456789012345678901234567890", "-9223372036854775809", "5e-324"]
    )
    func numberLexemes(_ lexeme: String) throws {
        let value = try JSONValue(parsing: lexeme)
        #expect(value == .number(lexeme))
        #expect(value.numberLexeme == lexeme)
        #expect(value.serialized() == lexeme)
        #expect(try JSONValue(parsing: "[\(lexeme)]") == .array([.number(lexeme)]))
    }

    @Test("Simple escapes decode to their characters")
    func simpleEscapes() throws {
        let value = try JSONValue(parsing: #""\"\\\/\b\f\n\r\t""#)
        #expect(value.stringValue.map { Array($0.unicodeScalars) }
            == Array("\"\\/\u{8}\u{C}\n\r\t".unicodeScalars))
    }

    @Test("\\u escapes decode in either case, including U+0000")
    func unicodeEscapes() throws {
        let value = try JSONValue(parsing: #""\u0041\u00e9\u20AC\u0000\u007f""#)
        #expect(value.stringValue.map { Array($0.unicodeScalars) } == Array("Aé€\u{0}\u{7F}".unicodeScalars))
    }

    @Test("Surrogate pair escapes combine into one scalar")
    func surrogatePairs() throws {
        let smiley = try JSONValue(parsing: #""\ud83d\ude00""#)
        #expect(smiley.stringValue?.unicodeScalars.map(\.value) == [0x1F600])
        #expect(smiley == .string("😀"))
        #expect(try JSONValue(parsing: #""\uD83D\uDE00""#) == .string("😀"))
        #expect(try JSONValue(parsing: #""a\uD800\uDC00b""#).stringValue?.unicodeScalars.map(\.value)
            == [0x61, 0x10000, 0x62])
        #expect(try JSONValue(parsing: #""\uDBFF\uDFFF""#).stringValue?.unicodeScalars.map(\.value) == [0x10FFFF])
    }

    @Test("Well-formed UTF-8 at every boundary is accepted literally")
    func literalUTF8() throws {
        let boundaries: [([UInt8], UInt32)] = [
            ([0x7F], 0x7F), ([0xC2, 0x80], 0x80), ([0xDF, 0xBF], 0x7FF), ([0xE0, 0xA0, 0x80], 0x800),
            ([0xED, 0x9F, 0xBF], 0xD7FF), ([0xEE, 0x80, 0x80], 0xE000), ([0xEF, 0xBF, 0xBF], 0xFFFF),
            ([0xF0, 0x90, 0x80, 0x80], 0x10000), ([0xF4, 0x8F, 0xBF, 0xBF], 0x10FFFF),
        ]
        for (encoded, scalar) in boundaries {
            let value = try JSONValue(parsing: [0x22] + encoded + [0x22])
            #expect(value.stringValue?.unicodeScalars.map(\.value) == [scalar])
        }
    }

    @Test("Object members keep their order; subscript finds the member")
    func memberOrder() throws {
        let value = try JSONValue(parsing: #"{"b": 1, "a": [true], "c": {}}"#)
        #expect(value.objectMembers?.map(\.key) == ["b", "a", "c"])
        #expect(value["a"] == .array([.bool(true)]))
        #expect(value["c"] == .object([]))
        #expect(value["missing"] == nil)
        #expect(JSONValue.array([])["a"] == nil)
    }

    @Test("Names that differ only in Unicode normalization are distinct members")
    func normalizationDistinctNames() throws {
        let value = try JSONValue(parsing: #"{"\u00e9": 1, "e\u0301": 2}"#)
        #expect(value.objectMembers?.count == 2)
        #expect(value["\u{E9}"] == .number("1"))
        #expect(value["e\u{301}"] == .number("2"))
    }

    @Test("Any collection of bytes can be parsed")
    func collections() throws {
        let text = #"{"k": [1, "v"]}"#
        let expected: JSONValue = ["k": [1, "v"]]
        #expect(try JSONValue(parsing: text) == expected)
        #expect(try JSONValue(parsing: text.utf8) == expected)
        #expect(try JSONValue(parsing: Array(text.utf8)) == expected)
        #expect(try JSONValue(parsing: ContiguousArray(text.utf8)[...]) == expected)
        #expect(try JSONValue(parsing: text.utf8.lazy.map { $0 }) == expected)
    }
}
