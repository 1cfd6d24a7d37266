// XPCSchema(for:) (SPEC §9.4.4): schemas derived from Decodable types, agreement with XPCDecoder
// on sample messages and their mutations, and every derivation error with its path.

import Foundation
import SystemPackage
import Testing
@testable import XPCWire

// MARK: - Types under test

enum DerivationFixtures {
    enum Priority: String, Codable, CaseIterable, Equatable { case low, normal, high }

    struct Item: Codable, Equatable {
        var name: String
        var count: UInt16
        var ratios: [[Double]]
    }

    /// A realistic request: native types, nested arrays, optionals, dictionaries.
    struct Request: Codable, Equatable {
        var id: UUID
        var sent: Date
        var op: String
        var items: [Item]
        var matrix: [[Int32]]
        var note: String?
        var deadline: Date?
        var labels: [String: String]
        var flags: [Bool?]
        var payload: Data
        var extra: XPCMessage
        var small: Int8
        var big: UInt64
        var ratio: Double
    }

    /// Descriptors and endpoints, travelling as attachments.
    struct Handles: Codable, Equatable {
        var log: FileDescriptor
        var input: FileDescriptor?
        var inputs: [FileDescriptor]
        var reply: XPCEndpointHandle
    }

    struct Scalars: Decodable {
        var bool: Bool
        var int: Int
        var int8: Int8
        var int16: Int16
        var int32: Int32
        var int64: Int64
        var uint: UInt
        var uint8: UInt8
        var uint16: UInt16
        var uint32: UInt32
        var uint64: UInt64
        var float: Float
        var double: Double
        var string: String
        var data: Data
        var uuid: UUID
        var date: Date
        var url: URL
        var message: XPCMessage
        var fd: FileDescriptor
        var endpoint: XPCEndpointHandle
    }

    struct Node: Decodable {
        var name: String
        var children: [Node]
    }

    final class List: Decodable {
        var value: Int = 0
        var next: List?
    }

    struct Tree: Decodable {
        var branches: [String: Tree]
    }

    enum Shape: Codable {
        case circle(radius: Double)
        case square(side: Double)
    }

    struct Drawing: Decodable {
        var title: String
        var shapes: [Shape]
    }

    enum Mode: String, Decodable { case fast, safe }

    struct Job: Decodable {
        var steps: [Step]
        struct Step: Decodable { var mode: Mode }
    }

    /// Accepts only ports above 1024, so the probe's placeholder 1 fails.
    struct Port: Decodable {
        var value: UInt16
        init(from decoder: any Decoder) throws {
            value = try decoder.singleValueContainer().decode(UInt16.self)
            guard value > 1024 else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "port \(value) is reserved"))
            }
        }
    }

    struct Service: Decodable {
        var host: String
        var port: Port
    }

    /// Opens a dictionary and an array at one place.
    struct Both: Decodable {
        init(from decoder: any Decoder) throws {
            _ = try decoder.container(keyedBy: DerivationKey.self)
            _ = try decoder.unkeyedContainer()
        }
    }

    struct HoldsBoth: Decodable {
        var both: [String: Both]
    }

    /// Swallows the error of a recursive child: derivation still reports it.
    struct Swallowing: Decodable {
        var child: [Swallowing]?
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: DerivationKey.self)
            child = try? container.decode([Swallowing].self, forKey: DerivationKey("child"))
        }
    }

    enum Direction: String, Codable, CodingKeyRepresentable { case north, south }

    struct Compass: Decodable {
        var distances: [Direction: Double]
    }
}

/// A coding key with any string value.
struct DerivationKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
    init(_ stringValue: String) { self.stringValue = stringValue }
}

// MARK: - Tests

@Suite struct SchemaDerivationTests {
    typealias F = DerivationFixtures

    static let requestSchema: XPCSchema = .dictionary([
        .required("id", .uuid),
        .required("sent", .date),
        .required("op", .string()),
        .required("items", .array(.dictionary([
            .required("name", .string()),
            .required("count", .oneOf([.uint64(range: 0...65535), .int64(range: 0...65535)])),
            .required("ratios", .array(.array(.double))),
        ]))),
        .required("matrix", .array(.array(.oneOf([.int64(range: -2147483648...2147483647), .uint64(range: 0...2147483647)])))),
        .optional("note", .optional(.string())),
        .optional("deadline", .optional(.date)),
        .required("labels", .dictionary([], extraKeys: .matching(.string()))),
        .required("flags", .array(.optional(.bool))),
        .required("payload", .data()),
        .required("extra", .any),
        .required("small", .oneOf([.int64(range: -128...127), .uint64(range: 0...127)])),
        .required("big", .oneOf([.uint64(), .int64(range: 0...Int64.max)])),
        .required("ratio", .double),
    ])

    @Test("A realistic request: natives, nested structs and arrays, optionals, dictionaries")
    func request() throws {
        let schema = try XPCSchema(for: F.Request.self)
        #expect(schema == Self.requestSchema, "\(schema.jsonDescription())")
        // Its JSON form reads back to the same schema (SPEC §9.4.1).
        #expect(try XPCSchema(jsonDescription: schema.jsonDescription()) == schema)
        // Violations name the places XPCDecoder would fail at, with their reasons.
        let bad: XPCMessage = [
            "id": .uuid(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1))), "sent": .date(XPCDate(nanosecondsSinceReferenceDate: 0)),
            "items": [["name": "a", "count": .int64(-1), "ratios": [[1.5, 2]]]], "matrix": [[.uint64(3_000_000_000)]],
            "note": .null, "labels": ["k": 1], "flags": [.null, "yes"], "payload": .data([]), "extra": .null,
            "small": .uint64(200), "big": .int64(-1), "ratio": 0.5,
        ]
        #expect(schema.validate(bad).map(\.description) == [
            "big: int64 -1 out of range 0...9223372036854775807",
            "flags[1]: expected null or bool, found string",
            "items[0].count: int64 -1 out of range 0...65535",
            "items[0].ratios[0][1]: expected double, found int64",
            "labels.k: expected string, found int64",
            "matrix[0][0]: uint64 3000000000 out of range 0...2147483647",
            "op: missing required field",
            "small: uint64 200 out of range 0...127",
        ])
        #expect(throws: DecodingError.self) { try XPCDecoder().decode(F.Request.self, from: bad) }
    }

    @Test("The unknown-key policy decides extra keys; a [String: T] keeps its element schema")
    func unknownKeyPolicy() throws {
        let strict = try XPCSchema(for: F.Item.self, options: .init(unknownKeyPolicy: .reject))
        #expect(strict == .dictionary([
            .required("name", .string()),
            .required("count", .integer(UInt16.self)),
            .required("ratios", .array(.array(.double))),
        ], extraKeys: .reject))
        #expect(XPCSchema.DerivationOptions().unknownKeyPolicy == XPCDecoder.Options().unknownKeyPolicy)
        let labels = try XPCSchema(for: [String: [Int?]].self, options: .init(unknownKeyPolicy: .reject))
        #expect(labels == .dictionary([], extraKeys: .matching(.array(.optional(.integer(Int.self))))))
    }

    @Test("Descriptors and endpoints: fd and endpoint")
    func handles() throws {
        #expect(try XPCSchema(for: F.Handles.self) == .dictionary([
            .required("log", .fd),
            .optional("input", .optional(.fd)),
            .required("inputs", .array(.fd)),
            .required("reply", .endpoint),
        ]))
    }

    @Test("Every native type of SPEC §9.1.1")
    func scalars() throws {
        #expect(try XPCSchema(for: F.Scalars.self) == .dictionary([
            .required("bool", .bool),
            .required("int", .oneOf([.int64(), .uint64(range: 0...UInt64(Int64.max))])),
            .required("int8", .oneOf([.int64(range: -128...127), .uint64(range: 0...127)])),
            .required("int16", .oneOf([.int64(range: -32768...32767), .uint64(range: 0...32767)])),
            .required("int32", .oneOf([.int64(range: -2147483648...2147483647), .uint64(range: 0...2147483647)])),
            .required("int64", .oneOf([.int64(), .uint64(range: 0...UInt64(Int64.max))])),
            .required("uint", .oneOf([.uint64(), .int64(range: 0...Int64.max)])),
            .required("uint8", .oneOf([.uint64(range: 0...255), .int64(range: 0...255)])),
            .required("uint16", .oneOf([.uint64(range: 0...65535), .int64(range: 0...65535)])),
            .required("uint32", .oneOf([.uint64(range: 0...4294967295), .int64(range: 0...4294967295)])),
            .required("uint64", .oneOf([.uint64(), .int64(range: 0...Int64.max)])),
            .required("float", .double),
            .required("double", .double),
            .required("string", .string()),
            .required("data", .data()),
            .required("uuid", .uuid),
            .required("date", .date),
            .required("url", .string()),
            .required("message", .any),
            .required("fd", .fd),
            .required("endpoint", .endpoint),
        ]))
    }

    @Test("Top-level shapes: scalars, optionals, arrays, sets, dictionaries, alternating pairs")
    func topLevelShapes() throws {
        #expect(try XPCSchema(for: String.self) == .string())
        #expect(try XPCSchema(for: String?.self) == .optional(.string()))
        #expect(try XPCSchema(for: [UUID?].self) == .array(.optional(.uuid)))
        #expect(try XPCSchema(for: Set<String>.self) == .array(.string()))
        #expect(try XPCSchema(for: [UInt8].self) == .array(.integer(UInt8.self)))
        #expect(try XPCSchema(for: [[String: Date]].self) == .array(.dictionary([], extraKeys: .matching(.date))))
        // [Int: T] is keyed; the schema cannot say that keys must be decimal integers.
        #expect(try XPCSchema(for: [Int: Bool].self) == .dictionary([], extraKeys: .matching(.bool)))
        // Other key types alternate keys and values in an array (SPEC §9.1.2).
        #expect(try XPCSchema(for: [F.Priority: Int].self) == .array(.oneOf([.string(), .integer(Int.self)])))
        #expect(try XPCSchema(for: XPCMessage.self) == .any)
        #expect(try XPCSchema(for: XPCMessage?.self) == .any)
    }

    @Test("A CaseIterable raw-value enum is its raw value; the schema cannot list the cases")
    func rawValueEnums() throws {
        enum Level: Int, Decodable { case low = 1, high }  // the placeholder 1 is a case: no fallback needed
        struct Task: Decodable { var priority: DerivationFixtures.Priority; var level: Level?; var levels: [Level] }
        #expect(try XPCSchema(for: F.Priority.self) == .string())
        let schema = try XPCSchema(for: Task.self)
        #expect(schema == .dictionary([
            .required("priority", .string()),
            .optional("level", .optional(.integer(Int.self))),
            .required("levels", .array(.integer(Int.self))),
        ]))
        // Wider than the decoder: a string that names no case matches the schema.
        let unknown: XPCMessage = ["priority": "urgent", "levels": []]
        #expect(schema.matches(unknown))
        #expect(throws: DecodingError.self) { try XPCDecoder().decode(Task.self, from: unknown) }
        #expect(schema.validate(["priority": 1, "levels": ["low"]]).map(\.description)
            == ["levels[0]: expected int64 or uint64, found string", "priority: expected string, found int64"])
    }

    @Test("integer(_:) is what XPCDecoder accepts for each integer type")
    func integerSchemas() throws {
        #expect(XPCSchema.integer(Int8.self) == .oneOf([.int64(range: -128...127), .uint64(range: 0...127)]))
        #expect(XPCSchema.integer(UInt64.self) == .oneOf([.uint64(), .int64(range: 0...Int64.max)]))
        #expect(XPCSchema.integer(Int64.self) == .oneOf([.int64(), .uint64(range: 0...UInt64(Int64.max))]))
        let samples: [XPCMessage] = [
            .int64(.min), .int64(-129), .int64(-128), .int64(-1), .int64(0), .int64(127), .int64(128), .int64(255),
            .int64(256), .int64(65535), .int64(65536), .int64(.max), .uint64(0), .uint64(127), .uint64(128),
            .uint64(255), .uint64(256), .uint64(UInt64(Int64.max)), .uint64(UInt64(Int64.max) + 1), .uint64(.max),
        ]
        func check<I: FixedWidthInteger & Decodable>(_ type: I.Type) {
            let schema = XPCSchema.integer(type)
            for sample in samples {
                let decodes = (try? XPCDecoder().decode(type, from: sample)) != nil
                #expect(schema.matches(sample) == decodes, "\(type) \(sample)")
            }
        }
        check(Int.self); check(Int8.self); check(Int16.self); check(Int32.self); check(Int64.self)
        check(UInt.self); check(UInt8.self); check(UInt16.self); check(UInt32.self); check(UInt64.self)
    }

    @Test("decodeIfPresent, contains and decodeNil decide required and nullable")
    func presenceRules() throws {
        struct Manual: Decodable {
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: DerivationKey.self)
                _ = try container.decode(Int.self, forKey: DerivationKey("plain"))              // required
                _ = try container.decodeIfPresent(String.self, forKey: DerivationKey("maybe"))  // optional, or null
                if container.contains(DerivationKey("checked")) {                               // optional, not null
                    _ = try container.decode(Bool.self, forKey: DerivationKey("checked"))
                }
                if try !container.decodeNil(forKey: DerivationKey("nullable")) {                // required, or null
                    _ = try container.decode(Double.self, forKey: DerivationKey("nullable"))
                }
                _ = container.contains(DerivationKey("seen"))                                   // optional, anything
                var list = try container.nestedUnkeyedContainer(forKey: DerivationKey("list"))
                _ = try list.decodeIfPresent(String.self)
                _ = try container.decode(String?.self, forKey: DerivationKey("explicit"))       // required, or null
            }
        }
        #expect(try XPCSchema(for: Manual.self) == .dictionary([
            .required("plain", .integer(Int.self)),
            .optional("maybe", .optional(.string())),
            .optional("checked", .bool),
            .required("nullable", .optional(.double)),
            .optional("seen", .any),
            .required("list", .array(.optional(.string()))),
            .required("explicit", .optional(.string())),
        ]))
    }

    @Test("Classes: superDecoder, and a super type that refuses null is required")
    func superDecoder() throws {
        class Base: Decodable {
            var id: Int = 0
        }
        final class Derived: Base {
            var name = ""
            private enum Keys: String, CodingKey { case name }
            required init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: Keys.self)
                name = try container.decode(String.self, forKey: .name)
                try super.init(from: container.superDecoder())
            }
        }
        struct NullableSuper: Decodable {
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: DerivationKey.self)
                _ = try String?(from: container.superDecoder(forKey: DerivationKey("parent")))
            }
        }
        #expect(try XPCSchema(for: Derived.self) == .dictionary([
            .required("name", .string()),
            .required("super", .dictionary([.required("id", .integer(Int.self))])),
        ]))
        #expect(try XPCSchema(for: NullableSuper.self) == .dictionary([.optional("parent", .optional(.string()))]))
    }

    @Test("Flattening: two types reading one dictionary merge their fields")
    func flattening() throws {
        struct Header: Decodable { var version: Int; var note: String? }
        struct Message: Decodable {
            var header: Header
            var body: String
            enum Keys: String, CodingKey { case body }
            init(from decoder: any Decoder) throws {
                header = try decoder.singleValueContainer().decode(Header.self)
                body = try decoder.container(keyedBy: Keys.self).decode(String.self, forKey: .body)
            }
        }
        #expect(try XPCSchema(for: Message.self) == .dictionary([
            .required("version", .integer(Int.self)),
            .optional("note", .optional(.string())),
            .required("body", .string()),
        ]))
    }

    @Test("Fixed-size unkeyed containers and read-until-error loops terminate")
    func unkeyedShapes() throws {
        struct RGB: Decodable {
            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                _ = try container.decode(UInt8.self)
                _ = try container.decode(UInt8.self)
                _ = try container.decode(UInt8.self)
            }
        }
        struct Greedy: Decodable {
            var values: [String] = []
            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                while let value = try? container.decode(String.self) { values.append(value) }
            }
        }
        struct Pair: Decodable {
            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                _ = try container.decode(String.self)
                _ = try container.decode(Date.self)
            }
        }
        struct Opaque: Decodable {
            init(from decoder: any Decoder) throws { _ = try decoder.unkeyedContainer() }
        }
        struct Nothing: Decodable {}
        #expect(try XPCSchema(for: RGB.self) == .array(.integer(UInt8.self)))
        #expect(try XPCSchema(for: Greedy.self) == .array(.string()))
        #expect(try XPCSchema(for: Pair.self) == .array(.oneOf([.string(), .date])))
        #expect(try XPCSchema(for: Opaque.self) == .array(.any))
        #expect(try XPCSchema(for: Nothing.self) == .any)
    }

    @Test("XPCSchemaProviding supplies the schema of an enum with associated values and of a recursive type")
    func providing() throws {
        struct Canvas: Decodable { var shapes: [ProvidedShape]; var root: ProvidedNode }
        let shape = ProvidedShape.xpcSchema
        #expect(try XPCSchema(for: Canvas.self) == .dictionary([
            .required("shapes", .array(shape)),
            .required("root", ProvidedNode.xpcSchema),
        ]))
        #expect(try XPCSchema(for: ProvidedShape.self) == shape)
        // The provided schema agrees with XPCDecoder on the synthesized enum form.
        let circle = try XPCEncoder().encodeMessage(ProvidedShape.circle(radius: 2))
        #expect(shape.matches(circle))
        #expect(shape.validate(["circle": ["radius": "2"]]).map(\.description) == ["<root>: dictionary matches none of the 2 alternatives of oneOf"])
    }

    @Test("Standard library and Foundation types derive through their own init(from:)")
    func standardTypes() throws {
        #expect(try XPCSchema(for: Range<Int>.self) == .array(.integer(Int.self)))
        #expect(try XPCSchema(for: Int??.self) == .optional(.integer(Int.self)))
        #expect(try XPCSchema(for: [String: XPCMessage?].self) == .dictionary([], extraKeys: .matching(.any)))
        #expect(try XPCSchema(for: DateInterval.self) == .dictionary([.required("start", .date), .required("duration", .double)]))
    }

    // MARK: Errors

    @Test("Recursive types are reported where the type recurs")
    func recursion() {
        #expect(Self.error(F.Node.self) == .recursiveType(type: "Node", path: [.key("children"), .index(0)]))
        #expect(Self.error(F.List.self) == .recursiveType(type: "List", path: [.key("next")]))
        #expect(Self.error(F.Tree.self) == .recursiveType(type: "Tree", path: [.key("branches"), .key("*")]))
        // The first type of the cycle met again is reported: here the inner array, not Node.
        #expect(Self.error([[F.Node]].self) == .recursiveType(type: "Array<Node>", path: [.index(0), .index(0), .key("children")]))
        #expect(Self.error(F.Node.self)?.description == "children[0]: Node contains itself; a recursive type has no finite schema")
        #expect(Self.error(F.Tree.self)?.description == #"branches["*"]: Tree contains itself; a recursive type has no finite schema"#)
    }

    @Test("An error the type swallows with try? is still reported")
    func swallowed() {
        #expect(Self.error(F.Swallowing.self) == .recursiveType(type: "Swallowing", path: [.key("child"), .index(0)]))
    }

    @Test("Synthesized enums read allKeys of fixed keys: keysNotEnumerable at the enum's path")
    func enumsWithAssociatedValues() {
        enum Plain: Codable { case on, off }
        #expect(Self.error(F.Shape.self) == .keysNotEnumerable(type: "Shape", path: []))
        #expect(Self.error(F.Drawing.self) == .keysNotEnumerable(type: "Shape", path: [.key("shapes"), .index(0)]))
        #expect(Self.error(Plain?.self) == .keysNotEnumerable(type: "Plain", path: []))
        #expect(Self.error(F.Drawing.self)?.description == "shapes[0]: Shape reads the keys of a dictionary (allKeys) through a key type with fixed names; the probe cannot enumerate them (a synthesized Codable enum?)")
    }

    @Test("An init(from:) that throws on the placeholders is reported with its path and reason")
    func initializerFailures() {
        #expect(Self.error(F.Mode.self) == .initializerFailed(type: "Mode", path: [], reason: "Cannot initialize Mode from invalid String value x"))
        #expect(Self.error(F.Job.self) == .initializerFailed(
            type: "Mode", path: [.key("steps"), .index(0), .key("mode")], reason: "Cannot initialize Mode from invalid String value x"))
        #expect(Self.error(F.Service.self) == .initializerFailed(type: "Port", path: [.key("port")], reason: "port 1 is reserved"))
        #expect(Self.error(F.Service.self)?.description
            == "port: init(from:) of Port failed on the probe's placeholder values: port 1 is reserved")
        guard case .initializerFailed(let type, let path, _)? = Self.error(F.Compass.self) else {
            Issue.record("a dictionary keyed by a CodingKeyRepresentable enum cannot be probed")
            return
        }
        #expect(type == "Dictionary<Direction, Double>")
        #expect(path == [.key("distances")])
    }

    @Test("Two shapes at one place are a conflict, with both shapes")
    func conflicts() {
        let expected = XPCSchemaDerivationError.conflictingShapes(
            type: "Both", path: [.key("both"), .key("*")], first: .dictionary([]), second: .array(.any))
        #expect(Self.error(F.HoldsBoth.self) == expected)
        #expect(expected.typeName == "Both")
        #expect(expected.path.description == #"both["*"]"#)
        #expect(expected.description
            == #"both["*"]: Both asks for two shapes no value has: {"type":"dictionary","fields":{},"extraKeys":"allow"} and {"type":"array","elements":{"type":"any"}}"#)
    }

    // MARK: Agreement with XPCDecoder

    static let attachments: [XPCAttachment] = [.fd(FileDescriptor(rawValue: 0)), .endpoint(XPCEndpointHandle(fileDescriptor: FileDescriptor(rawValue: 1)))]

    /// Values put in place of every value of a message: every variant, integer boundaries, and
    /// slots that hold the matching attachment.
    static let replacements: [XPCMessage] = [
        .null, true, .int64(-1), .int64(0), .int64(200), .int64(70000), .int64(.min), .int64(.max),
        .uint64(0), .uint64(200), .uint64(70000), .uint64(UInt64(Int64.max) + 1), .uint64(.max), 1.5, "s",
        .data([1]), .fd(slot: 0), .endpoint(slot: 1), .uuid(UUID(uuid: (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16))),
        .date(XPCDate(nanosecondsSinceReferenceDate: 5)), [], ["s"], [:], ["k": 1],
    ]

    /// The message and its mutations: each value replaced, each key removed, an unknown key
    /// added, each array emptied and grown.
    static func mutations(of message: XPCMessage) -> [XPCMessage] {
        var result = replacements
        switch message {
        case .dictionary(let dictionary):
            for entry in dictionary {
                var removed = dictionary
                _ = removed.removeValue(forKey: entry.key)
                result.append(.dictionary(removed))
                for variant in mutations(of: entry.value) {
                    var changed = dictionary
                    changed[entry.key] = variant
                    result.append(.dictionary(changed))
                }
            }
            for extra: XPCMessage in [1, .null] {
                var added = dictionary
                added["zz"] = extra
                result.append(.dictionary(added))
            }
        case .array(let elements):
            result.append(.array([]))
            if let first = elements.first { result.append(.array(elements + [first])) }
            for (index, element) in elements.enumerated() {
                for variant in mutations(of: element) {
                    var changed = elements
                    changed[index] = variant
                    result.append(.array(changed))
                }
            }
        default:
            break
        }
        return result
    }

    /// Checks that XPCDecoder decodes a mutation exactly when the derived schema matches it, for
    /// both unknown-key policies; returns how many mutations were checked.
    @discardableResult
    static func expectAgreement<T: Codable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        var attachments: [XPCAttachment] = []
        let message = try XPCEncoder().encodeMessage(value, attachments: &attachments)
        let candidates = [message] + mutations(of: message)
        var accepted = 0
        for policy in [XPCDecoder.UnknownKeyPolicy.ignore, .reject] {
            let schema = try XPCSchema(for: T.self, options: .init(unknownKeyPolicy: policy))
            var options = XPCDecoder.Options()
            options.unknownKeyPolicy = policy
            let decoder = XPCDecoder(options: options)
            #expect(schema.validate(message).isEmpty, sourceLocation: sourceLocation)
            for candidate in candidates {
                let decodes = (try? decoder.decode(T.self, from: candidate, attachments: Self.attachments)) != nil
                let violations = schema.validate(candidate)
                if decodes { accepted += 1 }
                #expect(decodes == violations.isEmpty,
                        "\(policy): decodes \(decodes), violations \(violations.map(\.description)) for \(candidate)",
                        sourceLocation: sourceLocation)
            }
        }
        #expect(accepted > candidates.count / 10, "the mutations should include accepted messages", sourceLocation: sourceLocation)
        return candidates.count * 2
    }

    @Test("The request's schema accepts exactly the mutations XPCDecoder decodes")
    func requestAgreement() throws {
        let request = F.Request(
            id: UUID(uuid: (9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9)),
            sent: Date(timeIntervalSinceReferenceDate: 700_000_000), op: "resize",
            items: [F.Item(name: "a", count: 3, ratios: [[0.5, 2], []])], matrix: [[1, -2], [3]],
            note: "hi", deadline: nil, labels: ["k": "v"], flags: [true, nil], payload: Data([1, 2]),
            extra: ["any": [1, "two"]], small: -5, big: 7, ratio: 0.25)
        let checked = try Self.expectAgreement(request)
        #expect(checked > 1500)
    }

    @Test("Handles: fd and endpoint fields agree with XPCDecoder")
    func handlesAgreement() throws {
        let handles = F.Handles(
            log: FileDescriptor(rawValue: 0), input: FileDescriptor(rawValue: 0), inputs: [FileDescriptor(rawValue: 0)],
            reply: XPCEndpointHandle(fileDescriptor: FileDescriptor(rawValue: 1)))
        var attachments: [XPCAttachment] = []
        let message = try XPCEncoder().encodeMessage(handles, attachments: &attachments)
        // Slot numbers follow encoding order; the agreement check hands every mutation the same
        // attachments, so slots 0 and 1 must hold an fd and an endpoint there too.
        #expect(message == ["log": .fd(slot: 0), "input": .fd(slot: 1), "inputs": [.fd(slot: 2)], "reply": .endpoint(slot: 3)])
        let remapped: XPCMessage = ["log": .fd(slot: 0), "input": .fd(slot: 0), "inputs": [.fd(slot: 0)], "reply": .endpoint(slot: 1)]
        let schema = try XPCSchema(for: F.Handles.self)
        for candidate in [remapped] + Self.mutations(of: remapped) {
            let decodes = (try? XPCDecoder().decode(F.Handles.self, from: candidate, attachments: Self.attachments)) != nil
            #expect(decodes == schema.matches(candidate), "\(candidate)")
        }
    }

    @Test("Scalar fields and dictionaries agree with XPCDecoder, integer boundaries included")
    func scalarAgreement() throws {
        struct Numbers: Codable {
            var a: Int8; var b: UInt8; var c: Int16; var d: UInt32; var e: Int; var f: UInt
            var g: [String: Int64]; var h: [UInt16?]; var i: Bool?; var j: [[String: [Data]]]
        }
        try Self.expectAgreement(Numbers(
            a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: ["x": 1], h: [1, nil], i: false, j: [["k": [Data([1])]]]))
    }

    // MARK: Helpers

    /// The derivation error for `type`, or `nil` (recording an issue) when derivation succeeds.
    static func error<T: Decodable>(_ type: T.Type, sourceLocation: SourceLocation = #_sourceLocation) -> XPCSchemaDerivationError? {
        do {
            let schema = try XPCSchema(for: type)
            Issue.record("derived \(schema.jsonDescription(pretty: false)) for \(type)", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }
}

// MARK: - Types that provide their own schema

enum ProvidedShape: Codable, XPCSchemaProviding {
    case circle(radius: Double)
    case square(side: Double)

    static var xpcSchema: XPCSchema {
        .oneOf([
            .dictionary([.required("circle", .dictionary([.required("radius", .double)]))], extraKeys: .reject),
            .dictionary([.required("square", .dictionary([.required("side", .double)]))], extraKeys: .reject),
        ])
    }

    static var xpcSchemaPlaceholder: ProvidedShape { .circle(radius: 1) }
}

/// A recursive type that states a schema two levels deep.
struct ProvidedNode: Decodable, XPCSchemaProviding {
    var name: String
    var children: [ProvidedNode]

    static var xpcSchema: XPCSchema {
        let leaf: XPCSchema = .dictionary([.required("name", .string()), .required("children", .array(.any, maximumCount: 0))])
        return .dictionary([.required("name", .string()), .required("children", .array(leaf))])
    }

    static var xpcSchemaPlaceholder: ProvidedNode { ProvidedNode(name: "", children: []) }
}
