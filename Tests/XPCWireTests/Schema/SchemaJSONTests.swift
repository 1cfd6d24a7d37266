// The JSON form of a schema (SPEC §9.4.1): round trips and malformed documents with their pointers.

import Testing
@testable import XPCWire

@Suite struct SchemaJSONTests {
    static let everyKind: XPCSchema = .dictionary([
        .required("any", .any), .required("null", .null), .required("bool", .bool),
        .required("int64", .int64()), .required("int64Range", .int64(range: Int64.min...(-1))),
        .required("uint64", .uint64()), .required("uint64Range", .uint64(range: 7...UInt64.max)),
        .required("double", .double), .optional("string", .string()), .optional("shortString", .string(maximumLength: 64)),
        .optional("data", .data()), .optional("shortData", .data(maximumLength: 0)),
        .required("uuid", .uuid), .required("date", .date), .required("fd", .fd), .required("endpoint", .endpoint),
        .required("array", .array(.optional(.string()))), .required("shortArray", .array(.any, maximumCount: 4294967295)),
        .required("oneOf", .oneOf([.int64(), .uint64()])), .required("never", .oneOf([])),
        .required("e\u{301}", .bool), .required("\u{E9}", .null), .required("a/b~c", .null),
        .required("nested", .dictionary([.optional("x", .double)], extraKeys: .reject)),
        .required("labels", .dictionary([], extraKeys: .matching(.string()))),
    ], extraKeys: .allow)

    @Test("Every kind survives jsonDescription and back, pretty and compact")
    func roundTrip() throws {
        for pretty in [true, false] {
            let text = Self.everyKind.jsonDescription(pretty: pretty)
            let back = try XPCSchema(jsonDescription: text)
            #expect(back == Self.everyKind)
            #expect(back.jsonDescription(pretty: pretty) == text)
        }
    }

    @Test("The documented example reads as expected and writes members in SPEC order")
    func documentedExample() throws {
        let schema = try XPCSchema(jsonDescription: """
            {"type": "dictionary",
             "fields": {"name": {"required": true, "schema": {"type": "string", "maxLength": 64}}},
             "extraKeys": "reject"}
            """)
        #expect(schema == .dictionary([.required("name", .string(maximumLength: 64))], extraKeys: .reject))
        #expect(schema.jsonDescription(pretty: false)
            == #"{"type":"dictionary","fields":{"name":{"required":true,"schema":{"type":"string","maxLength":64}}},"extraKeys":"reject"}"#)
        #expect(XPCSchema.int64(range: -5...Int64.max).jsonDescription(pretty: false)
            == #"{"type":"int64","minimum":"-5","maximum":"9223372036854775807"}"#)
    }

    @Test("Omitted members take their defaults: no bound, extra keys allowed")
    func defaults() throws {
        #expect(try XPCSchema(jsonDescription: #"{"type":"int64","minimum":"3"}"#) == .int64(range: 3...Int64.max))
        #expect(try XPCSchema(jsonDescription: #"{"type":"uint64","maximum":"3"}"#) == .uint64(range: 0...3))
        #expect(try XPCSchema(jsonDescription: #"{"type":"dictionary","fields":{}}"#) == .dictionary([], extraKeys: .allow))
        #expect(try XPCSchema(jsonDescription: #"{"type":"array","elements":{"type":"any"}}"#) == .array(.any))
    }

    static let malformed: [(String, XPCSchemaJSONError)] = [
        (#"[]"#, .invalidSchema(.expectedObject, path: "")),
        (#"{}"#, .invalidSchema(.missingMember("type"), path: "")),
        (#"{"type": 1}"#, .invalidSchema(.invalidValue(expected: "a string naming a schema type"), path: "/type")),
        (#"{"type": "text"}"#, .invalidSchema(.unknownType("text"), path: "/type")),
        (#"{"type": "bool", "maxLength": 1}"#, .invalidSchema(.unexpectedMember("maxLength"), path: "")),
        (#"{"type": "array"}"#, .invalidSchema(.missingMember("elements"), path: "")),
        (#"{"type": "array", "elements": {"type": "text"}}"#, .invalidSchema(.unknownType("text"), path: "/elements/type")),
        (#"{"type": "array", "elements": {"type": "any"}, "maxCount": -1}"#,
         .invalidSchema(.invalidValue(expected: "an integer 0 … 4294967295"), path: "/maxCount")),
        (#"{"type": "string", "maxLength": 1.0}"#, .invalidSchema(.invalidValue(expected: "an integer 0 … 4294967295"), path: "/maxLength")),
        (#"{"type": "data", "maxLength": 4294967296}"#, .invalidSchema(.invalidValue(expected: "an integer 0 … 4294967295"), path: "/maxLength")),
        (#"{"type": "int64", "minimum": 1}"#,
         .invalidSchema(.invalidValue(expected: "a decimal string of an int64 without leading zeros or \"+\""), path: "/minimum")),
        (#"{"type": "int64", "minimum": "-0"}"#,
         .invalidSchema(.invalidValue(expected: "a decimal string of an int64 without leading zeros or \"+\""), path: "/minimum")),
        (#"{"type": "int64", "maximum": "9223372036854775808"}"#,
         .invalidSchema(.invalidValue(expected: "a decimal string of an int64 without leading zeros or \"+\""), path: "/maximum")),
        (#"{"type": "uint64", "maximum": "-1"}"#,
         .invalidSchema(.invalidValue(expected: "a decimal string of a uint64 without leading zeros or sign"), path: "/maximum")),
        (#"{"type": "uint64", "minimum": "007"}"#,
         .invalidSchema(.invalidValue(expected: "a decimal string of a uint64 without leading zeros or sign"), path: "/minimum")),
        (#"{"type": "int64", "minimum": "5", "maximum": "4"}"#, .invalidSchema(.emptyRange, path: "")),
        (#"{"type": "optional"}"#, .invalidSchema(.missingMember("schema"), path: "")),
        (#"{"type": "oneOf", "alternatives": {}}"#, .invalidSchema(.invalidValue(expected: "an array of schemas"), path: "/alternatives")),
        (#"{"type": "oneOf", "alternatives": [{"type": "null"}, {"type": "nul"}]}"#, .invalidSchema(.unknownType("nul"), path: "/alternatives/1/type")),
        (#"{"type": "dictionary"}"#, .invalidSchema(.missingMember("fields"), path: "")),
        (#"{"type": "dictionary", "fields": []}"#, .invalidSchema(.invalidValue(expected: "an object of fields"), path: "/fields")),
        (#"{"type": "dictionary", "fields": {"a/b": true}}"#, .invalidSchema(.expectedObject, path: "/fields/a~1b")),
        (#"{"type": "dictionary", "fields": {"a~b": {"schema": {"type": "any"}}}}"#, .invalidSchema(.missingMember("required"), path: "/fields/a~0b")),
        (#"{"type": "dictionary", "fields": {"a": {"required": 1, "schema": {"type": "any"}}}}"#,
         .invalidSchema(.invalidValue(expected: "true or false"), path: "/fields/a/required")),
        (#"{"type": "dictionary", "fields": {"a": {"required": true}}}"#, .invalidSchema(.missingMember("schema"), path: "/fields/a")),
        (#"{"type": "dictionary", "fields": {"a": {"required": true, "schema": {"type": "any"}, "doc": ""}}}"#,
         .invalidSchema(.unexpectedMember("doc"), path: "/fields/a")),
        (#"{"type": "dictionary", "fields": {"a": {"required": true, "schema": {"type": "int64", "maximum": "x"}}}}"#,
         .invalidSchema(.invalidValue(expected: "a decimal string of an int64 without leading zeros or \"+\""), path: "/fields/a/schema/maximum")),
        (#"{"type": "dictionary", "fields": {"\u0000": {"required": true, "schema": {"type": "any"}}}}"#,
         .invalidSchema(.invalidValue(expected: "a field name without U+0000"), path: "/fields/\u{0}")),
        (#"{"type": "dictionary", "fields": {}, "extraKeys": "deny"}"#,
         .invalidSchema(.invalidValue(expected: "\"allow\", \"reject\" or a schema"), path: "/extraKeys")),
        (#"{"type": "dictionary", "fields": {}, "extraKeys": {"type": "int"}}"#, .invalidSchema(.unknownType("int"), path: "/extraKeys/type")),
        (#"{"type": "any", "type": "any"}"#, .malformedJSON(reason: "duplicate object member name \"type\"", offset: 16)),
        (#"{"type": "any""#, .malformedJSON(reason: "unexpected end of input", offset: 14)),
    ]

    @Test("Malformed schema documents fail with the problem and its JSON Pointer", arguments: malformed)
    func malformedDocument(_ text: String, _ expected: XPCSchemaJSONError) {
        #expect(throws: expected) { try XPCSchema(jsonDescription: text) }
    }

    @Test("Error descriptions name the pointer")
    func errorDescription() {
        #expect(XPCSchemaJSONError.invalidSchema(.unknownType("text"), path: "/elements/type").description
            == "invalid schema at /elements/type: unknown type \"text\"")
        #expect(XPCSchemaJSONError.invalidSchema(.expectedObject, path: "").description == "invalid schema at /: expected an object")
    }

    @Test("Deep nesting within the JSON depth limit reads; beyond it fails cleanly")
    func depth() throws {
        var text = #"{"type":"any"}"#
        for _ in 0..<200 { text = #"{"type":"optional","schema":"# + text + "}" }
        var expected = XPCSchema.any
        for _ in 0..<200 { expected = .optional(expected) }
        #expect(try XPCSchema(jsonDescription: text) == expected)
        for _ in 0..<400 { text = #"{"type":"optional","schema":"# + text + "}" }
        #expect(throws: XPCSchemaJSONError.self) { try XPCSchema(jsonDescription: text) }
    }
}
