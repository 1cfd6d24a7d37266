// XPCSchema.validate (SPEC §9.4.2): every violation, with its exact path and reason.

import Foundation
import Testing
@testable import XPCWire

@Suite struct SchemaValidationTests {
    /// The violations as `path: reason` lines.
    static func lines(_ schema: XPCSchema, _ message: XPCMessage) -> [String] {
        let violations = schema.validate(message)
        #expect(schema.matches(message) == violations.isEmpty)
        return violations.map(\.description)
    }

    static let uuid = UUID(uuid: (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16))

    /// One message of every variant, by kind.
    static let samples: [XPCMessage.Kind: XPCMessage] = [
        .null: .null, .bool: true, .int64: .int64(-1), .uint64: .uint64(1), .double: 1.5,
        .string: "s", .data: .data([1]), .fd: .fd(slot: 0), .uuid: .uuid(uuid),
        .date: .date(XPCDate(nanosecondsSinceReferenceDate: 5)), .endpoint: .endpoint(slot: 1),
        .array: [1], .dictionary: ["k": 1],
    ]

    static let scalarSchemas: [(XPCSchema, XPCMessage.Kind)] = [
        (.null, .null), (.bool, .bool), (.int64(), .int64), (.uint64(), .uint64), (.double, .double),
        (.string(), .string), (.data(), .data), (.fd, .fd), (.uuid, .uuid), (.date, .date),
        (.endpoint, .endpoint), (.array(.any), .array), (.dictionary([]), .dictionary),
    ]

    @Test("Each kind accepts its variant and rejects the twelve others with expected/found")
    func eachKindAcceptsOnlyItsVariant() {
        for (schema, kind) in Self.scalarSchemas {
            for (sampleKind, sample) in Self.samples {
                let violations = schema.validate(sample)
                if sampleKind == kind {
                    #expect(violations.isEmpty, "\(schema) should accept \(sample)")
                } else {
                    #expect(violations == [XPCSchemaViolation(path: [], reason: .kindMismatch(expected: XPCSchema.Kinds(kind), found: sampleKind))])
                    #expect(violations.first?.description == "<root>: expected \(kind), found \(sampleKind)")
                }
            }
        }
    }

    @Test("any accepts every variant")
    func anyAcceptsEverything() {
        for sample in Self.samples.values {
            #expect(XPCSchema.any.validate(sample).isEmpty)
        }
    }

    @Test("int64 and uint64 are distinct variants")
    func integerVariantsAreDistinct() {
        #expect(Self.lines(.int64(), .uint64(5)) == ["<root>: expected int64, found uint64"])
        #expect(Self.lines(.uint64(), .int64(5)) == ["<root>: expected uint64, found int64"])
    }

    @Test("Integer ranges are closed and checked at both ends")
    func integerRanges() {
        let schema = XPCSchema.int64(range: -2...3)
        #expect(Self.lines(schema, .int64(-2)).isEmpty)
        #expect(Self.lines(schema, .int64(3)).isEmpty)
        #expect(schema.validate(.int64(4)) == [XPCSchemaViolation(path: [], reason: .int64OutOfRange(4, allowed: -2...3))])
        #expect(Self.lines(schema, .int64(-3)) == ["<root>: int64 -3 out of range -2...3"])
        let unsigned = XPCSchema.uint64(range: 10...UInt64.max)
        #expect(Self.lines(unsigned, .uint64(UInt64.max)).isEmpty)
        #expect(Self.lines(unsigned, .uint64(9)) == ["<root>: uint64 9 out of range 10...18446744073709551615"])
    }

    @Test("String length counts UTF-8 bytes, data length counts bytes")
    func lengths() {
        let schema = XPCSchema.string(maximumLength: 2)
        #expect(Self.lines(schema, "é").isEmpty)  // 2 bytes
        #expect(schema.validate("éa") == [XPCSchemaViolation(path: [], reason: .stringTooLong(length: 3, maximum: 2))])
        #expect(Self.lines(schema, "abc") == ["<root>: string of 3 bytes is longer than the maximum 2"])
        #expect(Self.lines(.data(maximumLength: 1), .data([1])).isEmpty)
        #expect(XPCSchema.data(maximumLength: 1).validate(.data([1, 2])) == [XPCSchemaViolation(path: [], reason: .dataTooLong(length: 2, maximum: 1))])
    }

    @Test("Arrays report the count and every bad element with its index")
    func arrays() {
        let schema = XPCSchema.array(.int64(range: 0...9), maximumCount: 2)
        #expect(Self.lines(schema, [1, 20, "x"]) == [
            "<root>: array of 3 elements has more than the maximum 2",
            "[1]: int64 20 out of range 0...9",
            "[2]: expected int64, found string",
        ])
        #expect(schema.validate([1, 2, 3]).map(\.reason) == [.tooManyElements(count: 3, maximum: 2)])
        #expect(Self.lines(schema, []).isEmpty)
    }

    @Test("Dictionaries: missing required fields, wrong values, unexpected keys, all reported")
    func dictionaries() {
        let item = XPCSchema.dictionary([.required("name", .string()), .optional("note", .string())], extraKeys: .reject)
        let schema = XPCSchema.dictionary([.required("items", .array(item)), .required("id", .uuid)])
        let message: XPCMessage = ["items": [["name": "a"], ["note": 1], ["name": 7, "zz": true, "content-type": nil]]]
        let violations = schema.validate(message)
        #expect(violations.map(\.description) == [
            "id: missing required field",
            "items[1].name: missing required field",
            "items[1].note: expected string, found int64",
            "items[2][\"content-type\"]: unexpected key",
            "items[2].name: expected string, found int64",
            "items[2].zz: unexpected key",
        ])
        #expect(violations[1] == XPCSchemaViolation(path: [.key("items"), .index(1), .key("name")], reason: .missingRequiredField))
        #expect(violations[3].reason == .unexpectedKey)
        // Optional fields may be absent; extra keys are allowed by default.
        #expect(Self.lines(schema, ["items": [], "id": .uuid(Self.uuid), "extra": 1]).isEmpty)
    }

    @Test("Extra keys matching a schema are checked with their own paths")
    func extraKeysMatchingSchema() {
        let schema = XPCSchema.dictionary([.required("v", .int64())], extraKeys: .matching(.string()))
        #expect(Self.lines(schema, ["v": 1, "a": "x", "b": 2]) == ["b: expected string, found int64"])
    }

    @Test("Field names match by UTF-8 bytes, not canonical equivalence")
    func fieldNamesMatchByBytes() {
        let schema = XPCSchema.dictionary([.required("\u{E9}", .bool)], extraKeys: .reject)
        #expect(Self.lines(schema, ["e\u{301}": true]) == [
            "[\(String(reflecting: "e\u{301}"))]: unexpected key",
            "[\(String(reflecting: "\u{E9}"))]: missing required field",
        ])
    }

    @Test("optional accepts null or the wrapped schema")
    func optional() {
        let schema = XPCSchema.optional(.string(maximumLength: 1))
        #expect(Self.lines(schema, nil).isEmpty)
        #expect(Self.lines(schema, "a").isEmpty)
        #expect(Self.lines(schema, 1) == ["<root>: expected null or string, found int64"])
        #expect(Self.lines(schema, "ab") == ["<root>: string of 2 bytes is longer than the maximum 1"])
    }

    @Test("oneOf: kinds no alternative takes, one candidate's own violations, or none matched")
    func oneOf() {
        let schema = XPCSchema.oneOf([.int64(range: 0...5), .uint64(), .string(maximumLength: 1), .string(maximumLength: 3)])
        #expect(Self.lines(schema, .uint64(99)).isEmpty)
        #expect(Self.lines(schema, "abc").isEmpty)
        #expect(Self.lines(schema, true) == ["<root>: expected int64, uint64 or string, found bool"])
        #expect(Self.lines(schema, 6) == ["<root>: int64 6 out of range 0...5"])
        #expect(schema.validate("abcd") == [XPCSchemaViolation(path: [], reason: .noAlternativeMatched(alternatives: 2, found: .string))])
        #expect(Self.lines(.oneOf([]), nil) == ["<root>: expected nothing, found null"])
    }

    @Test("Violations deep in a message carry the whole path")
    func deepPaths() {
        var schema = XPCSchema.bool
        var message: XPCMessage = 1
        for level in 0..<50 {
            schema = level.isMultiple(of: 2) ? .array(schema) : .dictionary([.required("k", schema)])
            message = level.isMultiple(of: 2) ? [message] : ["k": message]
        }
        let violations = schema.validate(message)
        #expect(violations.count == 1)
        #expect(violations.first?.path.components.count == 50)
        #expect(violations.first?.description.hasSuffix("k[0]: expected bool, found int64") == true)
    }
}
