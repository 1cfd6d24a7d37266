// XPCSchema.compatibility (SPEC §9.4.3): pairs of schema versions, breaking and additive.

import Testing
@testable import XPCWire

@Suite struct SchemaCompatibilityTests {
    /// The changes for a new reader of an old writer's messages, as `path: change` lines.
    static func backward(old: XPCSchema, new: XPCSchema) -> [String] {
        XPCSchema.compatibility(reader: new, writer: old).map(\.description)
    }

    static let person: XPCSchema = .dictionary([
        .required("name", .string(maximumLength: 64)),
        .optional("age", .int64(range: 0...150)),
    ])

    @Test("A schema is compatible with itself")
    func identical() {
        for schema in [Self.person, SchemaJSONTests.everyKind, .any, .oneOf([]), .array(.optional(.uuid))] {
            #expect(XPCSchema.compatibility(reader: schema, writer: schema).isEmpty)
        }
    }

    @Test("Rule 1: adding an optional field is compatible both ways")
    func addingOptionalField() {
        let new = XPCSchema.dictionary([
            .required("name", .string(maximumLength: 64)), .optional("age", .int64(range: 0...150)),
            .optional("nickname", .string()),
        ])
        #expect(Self.backward(old: Self.person, new: new).isEmpty)
        #expect(XPCSchema.compatibility(reader: Self.person, writer: new).isEmpty)
    }

    @Test("Rule 2: adding a required field breaks new readers of old messages")
    func addingRequiredField() {
        let new = XPCSchema.dictionary([
            .required("name", .string(maximumLength: 64)), .optional("age", .int64(range: 0...150)),
            .required("id", .uuid),
        ])
        #expect(XPCSchema.compatibility(reader: new, writer: Self.person)
            == [XPCSchemaChange(path: [.field("id")], kind: .requiredFieldAdded)])
        #expect(Self.backward(old: Self.person, new: new) == ["id: the reader requires a field the writer does not declare"])
    }

    @Test("Rule 3: removing a field breaks old readers only if they required it")
    func removingField() {
        let withoutAge = XPCSchema.dictionary([.required("name", .string(maximumLength: 64))])
        #expect(XPCSchema.compatibility(reader: Self.person, writer: withoutAge).isEmpty)
        let withoutName = XPCSchema.dictionary([.optional("age", .int64(range: 0...150))])
        #expect(XPCSchema.compatibility(reader: Self.person, writer: withoutName).map(\.description)
            == ["name: the reader requires a field the writer does not declare"])
    }

    @Test("An optional field made required breaks; the reverse does not")
    func optionalMadeRequired() {
        let new = XPCSchema.dictionary([.required("name", .string(maximumLength: 64)), .required("age", .int64(range: 0...150))])
        #expect(Self.backward(old: Self.person, new: new) == ["age: the reader requires a field the writer declares optional"])
        #expect(Self.backward(old: new, new: Self.person).isEmpty)
    }

    @Test("A nullable value made non-null breaks: null is no longer accepted")
    func nullableMadeNonNull() {
        #expect(XPCSchema.compatibility(reader: .string(), writer: .optional(.string()))
            == [XPCSchemaChange(path: [], kind: .kindsNotAccepted(sent: XPCSchema.Kinds(.null), accepted: XPCSchema.Kinds(.string)))])
        #expect(XPCSchema.compatibility(reader: .optional(.string()), writer: .string()).isEmpty)
    }

    @Test("Rule 6: a changed type is breaking, int64 against uint64 included")
    func typeChanged() {
        let old = XPCSchema.dictionary([.required("size", .int64())])
        let new = XPCSchema.dictionary([.required("size", .uint64())])
        #expect(Self.backward(old: old, new: new) == ["size: the writer may send int64; the reader accepts uint64"])
        #expect(Self.backward(old: .data(), new: .array(.uint64())) == ["<root>: the writer may send data; the reader accepts array"])
        // Widening to a oneOf that keeps the old variant is additive.
        #expect(Self.backward(old: old, new: .dictionary([.required("size", .oneOf([.int64(), .uint64()]))])).isEmpty)
    }

    @Test("Narrowed ranges, lengths and counts break; widened ones are additive")
    func narrowing() {
        #expect(Self.backward(old: .int64(range: 0...100), new: .int64(range: 0...10)) == ["<root>: int64 range narrowed from 0...100 to 0...10"])
        #expect(Self.backward(old: .int64(), new: .int64(range: -1...1))
            == ["<root>: int64 range narrowed from -9223372036854775808...9223372036854775807 to -1...1"])
        #expect(Self.backward(old: .int64(range: 0...10), new: .int64(range: -5...100)).isEmpty)
        #expect(Self.backward(old: .int64(range: 0...10), new: .int64()).isEmpty)
        #expect(XPCSchema.compatibility(reader: .uint64(range: 1...9), writer: .uint64(range: 0...9))
            == [XPCSchemaChange(path: [], kind: .uint64RangeNarrowed(writer: 0...9, reader: 1...9))])
        #expect(Self.backward(old: .string(maximumLength: 64), new: .string(maximumLength: 32))
            == ["<root>: string maximum length reduced from 64 to 32"])
        #expect(Self.backward(old: .string(), new: .string(maximumLength: 32)) == ["<root>: string maximum length reduced from unbounded to 32"])
        #expect(Self.backward(old: .string(maximumLength: 32), new: .string()).isEmpty)
        #expect(XPCSchema.compatibility(reader: .data(maximumLength: 1), writer: .data(maximumLength: 2))
            == [XPCSchemaChange(path: [], kind: .dataMaximumLengthReduced(writer: 2, reader: 1))])
        #expect(Self.backward(old: .array(.int64(range: 0...9), maximumCount: 10), new: .array(.int64(range: 0...5), maximumCount: 5)) == [
            "<root>: array maximum count reduced from 10 to 5",
            "[*]: int64 range narrowed from 0...9 to 0...5",
        ])
    }

    @Test("Extra keys: now rejected, now constrained, or a writer's field rejected")
    func extraKeys() {
        let open = XPCSchema.dictionary([.required("a", .bool)], extraKeys: .allow)
        let closed = XPCSchema.dictionary([.required("a", .bool)], extraKeys: .reject)
        #expect(Self.backward(old: open, new: closed) == ["<root>: the writer allows extra keys and the reader rejects them"])
        #expect(Self.backward(old: closed, new: open).isEmpty)
        let labels = XPCSchema.dictionary([.required("a", .bool)], extraKeys: .matching(.string()))
        #expect(Self.backward(old: labels, new: open).isEmpty)
        #expect(Self.backward(old: open, new: labels).count == 1)
        #expect(XPCSchema.compatibility(reader: labels, writer: open).first?.path == [.extraKey])
        let withB = XPCSchema.dictionary([.required("a", .bool), .optional("b", .int64())], extraKeys: .reject)
        #expect(Self.backward(old: withB, new: closed) == ["b: the writer declares a field the reader rejects as an unexpected key"])
        #expect(Self.backward(old: withB, new: labels) == ["b: the writer may send int64; the reader accepts string"])
    }

    @Test("Changes deep in nested schemas carry their path")
    func nestedPaths() {
        let old = XPCSchema.dictionary([.required("items", .array(.dictionary([.required("count", .int64())])))])
        let new = XPCSchema.dictionary([.required("items", .array(.dictionary([.required("count", .int64(range: 0...9)), .required("content-type", .string())])))])
        #expect(Self.backward(old: old, new: new) == [
            "items[*][\"content-type\"]: the reader requires a field the writer does not declare",
            "items[*].count: int64 range narrowed from -9223372036854775808...9223372036854775807 to 0...9",
        ])
    }

    @Test("oneOf on either side: each writer alternative must fit some reader alternative")
    func oneOf() {
        #expect(Self.backward(old: .oneOf([.int64(), .string()]), new: .int64())
            == ["<root>: the writer may send string; the reader accepts int64"])
        #expect(Self.backward(old: .int64(range: 0...5), new: .oneOf([.int64(range: 10...20), .int64(range: 0...9)])).isEmpty)
        #expect(XPCSchema.compatibility(reader: .oneOf([.int64(range: 0...5), .int64(range: 6...10)]), writer: .int64(range: 0...10))
            == [XPCSchemaChange(path: [], kind: .noAlternativeCovers(.int64))])
        #expect(Self.backward(old: .int64(range: 0...9), new: .oneOf([.int64(range: 0...5), .string()])) == ["<root>: int64 range narrowed from 0...9 to 0...5"])
    }

    @Test("any: a reader of any accepts everything; a writer of any breaks a constrained reader")
    func any() {
        #expect(XPCSchema.compatibility(reader: .any, writer: SchemaJSONTests.everyKind).isEmpty)
        let changes = XPCSchema.compatibility(reader: .optional(.string(maximumLength: 3)), writer: .any)
        #expect(changes == [
            XPCSchemaChange(path: [], kind: .kindsNotAccepted(sent: XPCSchema.Kinds.all.subtracting([XPCSchema.Kinds(.null), XPCSchema.Kinds(.string)]),
                                                              accepted: [XPCSchema.Kinds(.null), XPCSchema.Kinds(.string)])),
            XPCSchemaChange(path: [], kind: .stringMaximumLengthReduced(writer: nil, reader: 3)),
        ])
    }
}
