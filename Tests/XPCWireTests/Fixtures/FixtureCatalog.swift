import Foundation
@testable import XPCWire

/// The golden fixtures under `Fixtures/` (SPEC §9 of the test plan): each valid fixture's
/// message, each invalid fixture's hand-written bytes and expected error.
///
/// The catalog is the generator: `XPCWIRE_WRITE_FIXTURES=1 swift test --filter FixtureTests`
/// writes missing files. Existing files are never overwritten by the tests: a fixture whose
/// bytes differ from what the encoder writes now fails, because that is a format change.
enum FixtureCatalog {
    /// A valid fixture: the message whose canonical envelope is `NAME.bin`.
    struct Valid {
        let name: String
        let message: XPCMessage
    }

    /// An invalid fixture: bytes every decoder must reject with `error` at `offset`.
    struct Invalid {
        let name: String
        let bytes: [UInt8]
        let error: String
        let offset: Int
    }

    /// A non-canonical fixture: bytes the default decoder accepts and the strict decoder rejects.
    struct NonCanonical {
        let name: String
        let bytes: [UInt8]
        let reason: XPCWireDecodingError.NonCanonicalReason
        let offset: Int
        /// What the bytes decode to by default.
        let message: XPCMessage
    }

    // MARK: Valid

    static var valid: [Valid] {
        var fixtures: [Valid] = []
        func add(_ name: String, _ message: XPCMessage) { fixtures.append(Valid(name: name, message: message)) }

        add("null", .null)
        add("bool-false", false)
        add("bool-true", true)
        add("int64-positive-fixint", [0, 1, 127])
        add("int64-negative-fixint", [-1, -32])
        add("int64-int8", [-33, -128])
        add("int64-int16", [128, 32_767, -129, -32_768])
        add("int64-int32", [32_768, 2_147_483_647, -32_769, -2_147_483_648])
        add("int64-int64", [.int64(2_147_483_648), .int64(.max), .int64(-2_147_483_649), .int64(.min)])
        add("uint64-uint8", [.uint64(0), .uint64(1), .uint64(255)])
        add("uint64-uint16", [.uint64(256), .uint64(65_535)])
        add("uint64-uint32", [.uint64(65_536), .uint64(4_294_967_295)])
        add("uint64-uint64", [.uint64(4_294_967_296), .uint64(.max)])
        add("int64-and-uint64-distinct", [.int64(5), .uint64(5), .int64(200), .uint64(200)])
        add("double-zeros", [.double(0.0), .double(-0.0)])
        add("double-infinities", [.double(.infinity), .double(-.infinity)])
        add("double-nans", [
            .double(.nan), .double(-.nan), .double(Double(bitPattern: 0x7ff0_0000_0000_0001)),
            .double(Double(bitPattern: 0x7ff8_dead_beef_0001)),
        ])
        add("double-finite-edges", [
            .double(1.0), .double(-1.5), .double(.pi), .double(.leastNonzeroMagnitude),
            .double(.leastNormalMagnitude), .double(.greatestFiniteMagnitude), .double(-.greatestFiniteMagnitude),
        ])
        add("string-empty", "")
        add("string-fixstr-max", .string(String(repeating: "a", count: 31)))
        add("string-str8-min", .string(String(repeating: "b", count: 32)))
        add("string-str8-max", .string(String(repeating: "c", count: 255)))
        add("string-str16-min", .string(String(repeating: "d", count: 256)))
        add("string-str16-max", .string(String(repeating: "e", count: 65_535)))
        add("string-str32-min", .string(String(repeating: "f", count: 65_536)))
        add("string-multibyte-utf8", ["\u{7f}", "\u{80}", "é", "\u{7ff}", "\u{800}", "日本語", "\u{ffff}", "\u{10000}", "😀", "\u{10ffff}"])
        add("string-normalization-forms", ["é", "e\u{301}"])
        add("data-empty", .data([]))
        add("data-bin8", .data([0x00, 0x01, 0x7f, 0x80, 0xff]))
        add("data-bin8-max", .data(pattern(count: 255)))
        add("data-bin16-min", .data(pattern(count: 256)))
        add("data-bin16-max", .data(pattern(count: 65_535)))
        add("data-bin32-min", .data(pattern(count: 65_536)))
        add("uuid-nil", .uuid(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))))
        add("uuid-max", .uuid(UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255))))
        add("uuid-v4", .uuid(UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F") ?? UUID()))
        add("date-reference", .date(XPCDate(nanosecondsSinceReferenceDate: 0)))
        add("date-before-reference", .date(XPCDate(nanosecondsSinceReferenceDate: -1)))
        add("date-unix-epoch", .date(XPCDate(nanosecondsSinceReferenceDate: -978_307_200_000_000_000)))
        add("date-nanoseconds", .date(XPCDate(nanosecondsSinceReferenceDate: 816_307_200_123_456_789)))
        add("date-int64-min", .date(XPCDate(nanosecondsSinceReferenceDate: .min)))
        add("date-int64-max", .date(XPCDate(nanosecondsSinceReferenceDate: .max)))
        add("fd-single", ["log": .fd(slot: 0)])
        add("fd-repeated-reference", [.fd(slot: 0), .fd(slot: 1), .fd(slot: 0)])
        add("endpoint-single", ["service": .endpoint(slot: 0)])
        add("slots-mixed", ["in": .fd(slot: 0), "peer": .endpoint(slot: 1), "out": .fd(slot: 2)])
        add("array-empty", [])
        add("array-fixarray-max", .array(XPCArray((0..<15).map { .int64(Int64($0)) })))
        add("array-array16-min", .array(XPCArray((0..<16).map { .int64(Int64($0)) })))
        add("array-array32-min", .array(XPCArray((0..<65_536).map { .int64(Int64($0 % 128)) })))
        add("dictionary-empty", .dictionary([:]))
        add("dictionary-fixmap-max", .dictionary(numberedDictionary(count: 15)))
        add("dictionary-map16-min", .dictionary(numberedDictionary(count: 16)))
        add("dictionary-map32-min", .dictionary(numberedDictionary(count: 65_536)))
        add("dictionary-key-byte-order", .dictionary([
            "": 0, "A": 1, "a": 2, "aa": 3, "b": 4, "z": 5, "\u{7f}": 6, "é": 7, "e\u{301}": 8,
            "ä": 9, "日本": 10, "😀": 11, "\u{ffff}": 12, "ab": 13,
        ]))
        add("dictionary-normalization-distinct-keys", ["é": "precomposed", "e\u{301}": "decomposed"])
        add("nesting-depth-limit", nested(depth: 256))
        add("nesting-mixed", [
            "users": [["name": "ann", "tags": ["a", "b"]], ["name": "bob", "tags": []]],
            "meta": ["page": .uint64(1), "more": false],
        ])
        add("every-variant", everyVariant)
        return fixtures
    }

    /// One value of each of the thirteen variants, as the README and the CLI demo show them.
    static let everyVariant: XPCMessage = [
        "null": nil,
        "bool": true,
        "int64": -42,
        "uint64": .uint64(42),
        "double": 2.5,
        "string": "héllo",
        "data": .data([0xde, 0xad, 0xbe, 0xef]),
        "fd": .fd(slot: 0),
        "uuid": .uuid(UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F") ?? UUID()),
        "date": .date(XPCDate(nanosecondsSinceReferenceDate: 1_000_000_000)),
        "endpoint": .endpoint(slot: 1),
        "array": [1, "two", 3.0],
        "dictionary": ["nested": true],
    ]

    static func pattern(count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    }

    static func numberedDictionary(count: Int) -> XPCDictionary {
        var dictionary = XPCDictionary()
        for index in 0..<count { dictionary["k\(index)"] = .int64(Int64(index % 100)) }
        return dictionary
    }

    static func nested(depth: Int) -> XPCMessage {
        var message: XPCMessage = []
        for _ in 1..<depth { message = [message] }
        return message
    }
}
