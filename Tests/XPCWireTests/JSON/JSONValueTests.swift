@testable import XPCWire
import Testing

@Suite("JSONValue: accessors")
struct AccessorTests {
    @Test("Each accessor answers only for its own kind")
    func kinds() {
        let values: [JSONValue] = [.null, .bool(true), .number("1"), .string("s"), .array([.null]),
                                   .object([JSONMember(key: "k", value: .null)])]
        #expect(values.map(\.isNull) == [true, false, false, false, false, false])
        #expect(values.map(\.boolValue) == [nil, true, nil, nil, nil, nil])
        #expect(values.map(\.numberLexeme) == [nil, nil, "1", nil, nil, nil])
        #expect(values.map(\.stringValue) == [nil, nil, nil, "s", nil, nil])
        #expect(values.map(\.arrayValue) == [nil, nil, nil, nil, [.null], nil])
        #expect(values.map(\.objectMembers) == [nil, nil, nil, nil, nil, [JSONMember(key: "k", value: .null)]])
    }

    @Test("subscript(key:) returns the first member with that name")
    func subscriptFirstMatch() {
        let value = JSONValue.object([JSONMember(key: "k", value: 1), JSONMember(key: "k", value: 2)])
        #expect(value["k"] == .number("1"))
    }

    @Test("Literals and init(integer:) build the expected cases")
    func literals() {
        let value: JSONValue = ["b": [1, -2, true, "x"], "a": [:]]
        #expect(value == .object([
            JSONMember(key: "b", value: .array([.number("1"), .number("-2"), .bool(true), .string("x")])),
            JSONMember(key: "a", value: .object([])),
        ]))
        #expect(JSONValue(integer: UInt64.max) == .number("18446744073709551615"))
        #expect(JSONValue(integer: Int64.min) == .number("-9223372036854775808"))
    }

    @Test("isValidNumberLexeme follows RFC 8259 §6")
    func numberLexemeValidation() {
        for valid in ["0", "-0", "1", "-1", "10", "0.5", "1e5", "1E+5", "1e-5", "-12.5e00"] {
            #expect(JSONValue.isValidNumberLexeme(valid), "\(valid)")
        }
        for invalid in ["", "-", "01", "+1", ".5", "1.", "1e", "1e+", "0x1", " 1", "1 ", "NaN", "1,0", "١"] {
            #expect(!JSONValue.isValidNumberLexeme(invalid), "\(invalid)")
        }
    }
}

@Suite("JSONValue: integerValue reads lexemes exactly")
struct IntegerValueTests {
    @Test("Extremes of Int64 and UInt64, and one past them")
    func extremes() {
        #expect(JSONValue.number("-9223372036854775808").integerValue(as: Int64.self) == Int64.min)
        #expect(JSONValue.number("9223372036854775807").integerValue(as: Int64.self) == Int64.max)
        #expect(JSONValue.number("18446744073709551615").integerValue(as: UInt64.self) == UInt64.max)
        #expect(JSONValue.number("-9223372036854775809").integerValue(as: Int64.self) == nil)
        #expect(JSONValue.number("9223372036854775808").integerValue(as: Int64.self) == nil)
        #expect(JSONValue.number("18446744073709551616").integerValue(as: UInt64.self) == nil)
        #expect(JSONValue.number("184467440737095516150").integerValue(as: UInt64.self) == nil)
    }

    @Test("Small types overflow at their own bounds")
    func smallTypes() {
        #expect(JSONValue.number("127").integerValue(as: Int8.self) == 127)
        #expect(JSONValue.number("-128").integerValue(as: Int8.self) == -128)
        #expect(JSONValue.number("128").integerValue(as: Int8.self) == nil)
        #expect(JSONValue.number("-129").integerValue(as: Int8.self) == nil)
        #expect(JSONValue.number("255").integerValue(as: UInt8.self) == 255)
        #expect(JSONValue.number("256").integerValue(as: UInt8.self) == nil)
        #expect(JSONValue.number("-1").integerValue(as: UInt8.self) == nil)
    }

    @Test("Zero, negative zero and the type inferred from context")
    func zero() {
        #expect(JSONValue.number("0").integerValue(as: Int.self) == 0)
        #expect(JSONValue.number("-0").integerValue(as: Int.self) == 0)
        #expect(JSONValue.number("-0").integerValue(as: UInt32.self) == 0)
        let inferred: Int32? = JSONValue.number("-42").integerValue()
        #expect(inferred == -42)
    }

    @Test(
        "Fractions, exponents, malformed lexemes and other kinds give nil",
        arguments: [JSONValue.number("1.0"), .number("1e2"), .number("1E0"), .number("-0.0"), .number("01"),
                    .number("-01"), .number("+1"), .number(""), .number("-"), .number(" 1"), .number("1 "),
                    .number("0x10"), .string("1"), .bool(true), .null, .array([.number("1")])]
    )
    func notAnInteger(_ value: JSONValue) {
        #expect(value.integerValue(as: Int64.self) == nil)
        #expect(value.integerValue(as: UInt64.self) == nil)
    }

    @Test("Parsed integers match the standard library's reading of the same digits")
    func agreesWithStandardLibrary() throws {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<2_000 {
            let wide = Int64(bitPattern: generator.next()) >> Int64.random(in: 0..<63, using: &generator)
            let value = try JSONValue(parsing: String(wide))
            #expect(value.integerValue(as: Int64.self) == wide)
            #expect(value.integerValue(as: Int32.self) == Int32(exactly: wide))
            #expect(value.integerValue(as: UInt16.self) == UInt16(exactly: wide))
        }
    }
}

@Suite("JSONValue: equality and hashing")
struct EqualityTests {
    @Test("Strings compare by code units, not canonical equivalence")
    func codeUnitStrings() {
        #expect("\u{E9}" == "e\u{301}")  // Swift's String equality, for contrast
        #expect(JSONValue.string("\u{E9}") != .string("e\u{301}"))
        #expect(JSONMember(key: "\u{E9}", value: .null) != JSONMember(key: "e\u{301}", value: .null))
        #expect(Set([JSONValue.string("\u{E9}"), .string("e\u{301}")]).count == 2)
    }

    @Test("Numbers compare by lexeme")
    func numberLexemes() {
        #expect(JSONValue.number("1") != .number("1.0"))
        #expect(JSONValue.number("0") != .number("-0"))
        #expect(JSONValue.number("1e2") == .number("1e2"))
    }

    @Test("Member order matters; kinds never compare equal across cases")
    func orderAndKinds() {
        let ab: JSONValue = ["a": 1, "b": 2]
        let ba: JSONValue = ["b": 2, "a": 1]
        #expect(ab != ba)
        #expect(JSONValue.string("1") != .number("1"))
        #expect(JSONValue.array([]) != .object([]))
        #expect(JSONValue.null != .bool(false))
    }

    @Test("Equal values hash equally")
    func hashing() throws {
        let text = #"{"a": [1, "é", null, {"b": false}], "c": 1e400}"#
        let first = try JSONValue(parsing: text)
        let second = try JSONValue(parsing: text)
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
        #expect(Set([first, second, .null]).count == 2)
    }
}

@Suite("JSONValue: serialization")
struct SerializationTests {
    static let nested: JSONValue = [
        "version": "1.0",
        "flags": 0,
        "slots": ["fd", "endpoint"],
        "body": ["dictionary": [["key", ["int64": "-1"]], ["empty", [:]]]],
        "list": [],
        "nothing": .null,
        "yes": true,
        "n": .number("-1.5e3"),
    ]

    @Test("Pretty form: two-space indent, one item per line, empty containers inline")
    func pretty() {
        let expected = """
            {
              "version": "1.0",
              "flags": 0,
              "slots": [
                "fd",
                "endpoint"
              ],
              "body": {
                "dictionary": [
                  [
                    "key",
                    {
                      "int64": "-1"
                    }
                  ],
                  [
                    "empty",
                    {}
                  ]
                ]
              },
              "list": [],
              "nothing": null,
              "yes": true,
              "n": -1.5e3
            }
            """
        #expect(Self.nested.serialized() == expected)
        #expect(Self.nested.serialized(pretty: true) == expected)
        #expect(Self.nested.serializedBytes() == Array(expected.utf8))
    }

    @Test("Compact form has no whitespace")
    func compact() {
        let expected = #"{"version":"1.0","flags":0,"slots":["fd","endpoint"],"body":{"dictionary":[["key",{"int64":"-1"}],["empty",{}]]},"list":[],"nothing":null,"yes":true,"n":-1.5e3}"#
        #expect(Self.nested.serialized(pretty: false) == expected)
        #expect(Self.nested.serializedBytes(pretty: false) == Array(expected.utf8))
    }

    @Test("Top-level scalars and empty containers have no surrounding whitespace")
    func topLevel() {
        for pretty in [true, false] {
            #expect(JSONValue.null.serialized(pretty: pretty) == "null")
            #expect(JSONValue.bool(false).serialized(pretty: pretty) == "false")
            #expect(JSONValue.number("-0").serialized(pretty: pretty) == "-0")
            #expect(JSONValue.string("a").serialized(pretty: pretty) == #""a""#)
            #expect(JSONValue.array([]).serialized(pretty: pretty) == "[]")
            #expect(JSONValue.object([]).serialized(pretty: pretty) == "{}")
        }
        #expect(JSONValue.array([[]]).serialized() == "[\n  []\n]")
    }

    @Test("Only quote, backslash and C0 controls are escaped; the rest is literal UTF-8")
    func stringEscaping() {
        let text = "\u{0}\u{1}\u{7}\u{8}\u{9}\u{A}\u{B}\u{C}\u{D}\u{E}\u{1B}\u{1F} \"\\/\u{7F}é€😀\u{2028}"
        let expected = #""\u0000\u0001\u0007\b\t\n\u000b\f\r\u000e\u001b\u001f \"\\/"#
            + "\u{7F}é€😀\u{2028}\""
        #expect(JSONValue.string(text).serialized(pretty: false) == expected)
        #expect(JSONValue.string(text).serialized(pretty: true) == expected)
        let bytes = JSONValue.string("\u{7F}é").serializedBytes()
        #expect(bytes == [0x22, 0x7F, 0xC3, 0xA9, 0x22])
    }

    @Test("Member names are escaped like strings")
    func keyEscaping() {
        let value: JSONValue = ["a\"b\n\u{1}": 1]
        #expect(value.serialized(pretty: false) == #"{"a\"b\n\u0001":1}"#)
        #expect(value.serialized() == "{\n  \"a\\\"b\\n\\u0001\": 1\n}")
    }

    @Test("Every ASCII scalar survives a round trip, escaped or not")
    func asciiRoundTrip() throws {
        let all = String(String.UnicodeScalarView((0...0x7F).compactMap(Unicode.Scalar.init)))
        let value = JSONValue.string(all)
        let parsed = try JSONValue(parsing: value.serialized())
        #expect(parsed == value)
    }
}

@Suite("JSONValue: round trips")
struct RoundTripTests {
    static let documents = [
        #"{"version": "1.0", "flags": 0, "slots": ["fd", "endpoint"], "body": {"array": [{"null": null}, {"bool": true}, {"double": "3ff0000000000000"}]}}"#,
        #"[0, -0, 1.5, -2e-7, 1E400, 123456789012345678901234567890, true, false, null, "", [], {}]"#,
        #"{"escapes": "\"\\\/\b\f\n\r\t\u0000\u001f\u007f\u00e9\ud83d\ude00", "literal": "é€😀", "e\u0301": "\u00e9"}"#,
        #"[[[[[[[[[[{"deep": [[[]]]}]]]]]]]]]]"#,
        #""just a string""#,
        "  42  ",
    ]

    @Test("Parse, serialize (both forms), parse again: equal values and stable bytes", arguments: documents)
    func roundTrip(_ text: String) throws {
        let value = try JSONValue(parsing: text)
        for pretty in [true, false] {
            let written = value.serialized(pretty: pretty)
            let reparsed = try JSONValue(parsing: written)
            #expect(reparsed == value)
            #expect(reparsed.serialized(pretty: pretty) == written)
        }
    }

    @Test("Escapes that need none are written in their literal canonical form")
    func canonicalOutput() throws {
        let value = try JSONValue(parsing: #"["\u0041\/\u00E9", 1E+2]"#)
        #expect(value.serialized(pretty: false) == #"["A/é",1E+2]"#)
    }

    @Test("Mutated documents either parse and round-trip, or fail at an in-bounds offset")
    func mutationFuzz() {
        var generator = SplitMix64(seed: 0x5EED)
        let seeds = Self.documents.map { Array($0.utf8) }
        let alphabet = Array(#"{}[]",:\/u0123456789abcdefABCDEF-+.eEtrlsn "#.utf8)
            + [0x00, 0x09, 0x0A, 0x0D, 0x1F, 0x7F, 0x80, 0xBF, 0xC2, 0xC3, 0xE0, 0xED, 0xF0, 0xF4, 0xF5, 0xFF]
        var accepted = 0
        var rejected = 0
        for _ in 0..<20_000 {
            var bytes = seeds[Int.random(in: seeds.indices, using: &generator)]
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                mutate(&bytes, alphabet: alphabet, using: &generator)
            }
            do {
                let value = try JSONValue(parsing: bytes)
                accepted += 1
                checkRoundTrip(value, input: bytes)
            } catch {
                rejected += 1
                if !(0...bytes.count).contains(error.offset) {
                    Issue.record("offset \(error.offset) outside input of \(bytes.count) bytes: \(bytes)")
                }
            }
        }
        #expect(accepted > 500)
        #expect(rejected > 500)
    }

    /// Replaces, inserts or deletes one byte at a random position.
    private func mutate(_ bytes: inout [UInt8], alphabet: [UInt8], using generator: inout SplitMix64) {
        let byte = alphabet[Int.random(in: alphabet.indices, using: &generator)]
        let position = Int.random(in: 0...bytes.count, using: &generator)
        switch Int.random(in: 0..<3, using: &generator) {
        case 0 where position < bytes.count: bytes[position] = byte
        case 1: bytes.insert(byte, at: position)
        default: if position < bytes.count { bytes.remove(at: position) }
        }
    }

    /// Records an issue unless both serializations parse back to `value`.
    private func checkRoundTrip(_ value: JSONValue, input: [UInt8]) {
        for pretty in [true, false] {
            let written = value.serializedBytes(pretty: pretty)
            guard let reparsed = try? JSONValue(parsing: written), reparsed == value else {
                Issue.record("round trip failed for input \(input), written \(written)")
                return
            }
        }
    }
}

/// A small deterministic generator (SplitMix64) so randomized tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
