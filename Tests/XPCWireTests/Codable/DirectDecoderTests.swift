// The direct bytes path of XPCDecoder (Sources/XPCWire/Codable/DirectDecoder.swift, over the tape
// of Sources/XPCWire/Wire/BodyTape.swift): for every input, the value it returns or the error it
// throws must be exactly the tree path's (XPCWireDecoder, then the decoder over the message).

import Foundation
import PropertyBased
import SystemPackage
import Testing
@testable import XPCWire

// MARK: - Helpers

private enum BothPaths {
    /// What a decode gave: the value, or a description of the error precise enough to tell any
    /// two errors apart (case, coding path, description, underlying error).
    enum Outcome<T: Equatable>: Equatable {
        case value(T)
        case error(String)
    }

    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "not a DecodingError: \(error)" }
        let context: DecodingError.Context
        let kind: String
        switch error {
        case .typeMismatch(let type, let c): kind = "typeMismatch(\(type))"; context = c
        case .valueNotFound(let type, let c): kind = "valueNotFound(\(type))"; context = c
        case .keyNotFound(let key, let c): kind = "keyNotFound(\(key.stringValue))"; context = c
        case .dataCorrupted(let c): kind = "dataCorrupted"; context = c
        @unknown default: return "\(error)"
        }
        let path = context.codingPath.map { "\($0.stringValue)|\($0.intValue.map(String.init) ?? "-")" }
        return "\(kind) at \(path): \(context.debugDescription) [\(context.underlyingError.map { "\($0)" } ?? "")]"
    }

    static func direct<T: Decodable & Equatable>(
        _ type: T.Type, _ bytes: [UInt8], attachments: [XPCAttachment] = [], decoder: XPCDecoder = XPCDecoder()
    ) -> Outcome<T> {
        do {
            return .value(try bytes.withUnsafeBytes { try decoder.decodeDirectly(type, from: $0, attachments: attachments) })
        } catch {
            return .error(describe(error))
        }
    }

    static func tree<T: Decodable & Equatable>(
        _ type: T.Type, _ bytes: [UInt8], attachments: [XPCAttachment] = [], decoder: XPCDecoder = XPCDecoder()
    ) -> Outcome<T> {
        do {
            return .value(try decoder.decodeThroughTree(type, from: bytes, attachments: attachments))
        } catch {
            return .error(describe(error))
        }
    }

    /// Checks that both paths agree on `bytes`; returns the outcome.
    @discardableResult
    static func expectAgreement<T: Decodable & Equatable>(
        _ type: T.Type, _ bytes: [UInt8], attachments: [XPCAttachment] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Outcome<T> {
        let direct = direct(type, bytes, attachments: attachments)
        let tree = tree(type, bytes, attachments: attachments)
        #expect(direct == tree, sourceLocation: sourceLocation)
        return direct
    }

    /// Like ``expectAgreement(_:_:attachments:sourceLocation:)`` but compares decoded values by
    /// their encoding: damaged bytes can hold NaNs, which `==` never finds equal.
    static func expectAgreementByEncoding<T: Codable & Equatable>(
        _ type: T.Type, _ bytes: [UInt8], attachments: [XPCAttachment] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        func fingerprint(_ outcome: Outcome<T>) -> Outcome<[UInt8]> {
            switch outcome {
            case .value(let value):
                do { return .value(try XPCEncoder().encode(value).bytes) } catch { return .error("re-encoding: \(error)") }
            case .error(let description): return .error(description)
            }
        }
        #expect(fingerprint(direct(type, bytes, attachments: attachments)) == fingerprint(tree(type, bytes, attachments: attachments)),
                sourceLocation: sourceLocation)
    }

    static func envelope(body: [UInt8]) -> [UInt8] { CodableTesting.envelope(body: body) }
}

// MARK: - Types

private struct Pair: Codable, Equatable {
    var a: Int
    var b: String
}

private struct Holder: Codable, Equatable {
    var extra: XPCMessage
    var name: String?
}

/// Records the coding paths its decoders report.
private struct PathProbe: Decodable, Equatable {
    var paths: [[String]]

    init(from decoder: any Decoder) throws {
        var paths = [decoder.codingPath.map(\.stringValue)]
        let container = try decoder.container(keyedBy: CodableTestKey.self)
        paths.append(container.codingPath.map(\.stringValue))
        var list = try container.nestedUnkeyedContainer(forKey: CodableTestKey("list"))
        paths.append(list.codingPath.map(\.stringValue))
        let element = try list.nestedContainer(keyedBy: CodableTestKey.self)
        paths.append(element.codingPath.map(\.stringValue))
        let inner = try element.superDecoder(forKey: CodableTestKey("x"))
        paths.append(inner.codingPath.map(\.stringValue))
        let missing = try container.superDecoder()
        paths.append(missing.codingPath.map(\.stringValue))
        #expect(try missing.singleValueContainer().decodeNil())
        self.paths = paths
    }
}

// MARK: - Tests

@Suite struct DirectDecoderTests {
    @Test func randomRecordsDecodeToTheTreePathsValue() async {
        await propertyCheck(count: 200, input: randomRecordCaseGenerator) { testCase in
            let encoded = try testCase.encoder.encode(testCase.record)
            let outcome = BothPaths.expectAgreement(RandomRecord.self, encoded.bytes, attachments: encoded.attachments)
            #expect(outcome == .value(testCase.record))
        }
    }

    @Test func damagedBytesGiveTheTreePathsValueOrError() async {
        await propertyCheck(count: 200, input: damagedRecordCaseGenerator) { testCase in
            let encoded = try testCase.record.encoder.encode(testCase.record.record)
            var bytes = encoded.bytes
            for damage in testCase.damage {
                bytes = damage.apply(to: bytes)
                BothPaths.expectAgreementByEncoding(RandomRecord.self, bytes, attachments: encoded.attachments)
            }
        }
    }

    @Test(arguments: CodableFixtureCatalog.all)
    func catalogFixturesDecodeAlike(_ fixture: CodableFixtureCatalog.Fixture) throws {
        // Every fixture's committed bytes through both paths, as each of the catalog's types.
        let encoded = try fixture.encode()
        BothPaths.expectAgreement(CodableFixtureCatalog.ResizeRequest.self, encoded.bytes, attachments: encoded.attachments)
        BothPaths.expectAgreement(CodableFixtureCatalog.Script.self, encoded.bytes, attachments: encoded.attachments)
        BothPaths.expectAgreement(CodableFixtureCatalog.SpawnRequest.self, encoded.bytes, attachments: encoded.attachments)
        BothPaths.expectAgreement(CodableFixtureCatalog.Spreadsheet.self, encoded.bytes, attachments: encoded.attachments)
        BothPaths.expectAgreement(CodableFixtureCatalog.Inventory.self, encoded.bytes, attachments: encoded.attachments)
    }

    @Test func everyValidAndInvalidFixtureGivesTheSameOutcome() throws {
        // Wire errors (kind and offset) come from the same parser on both paths.
        let directories = ["v1", "invalid", "noncanonical"]
        var checked = 0
        for directory in directories {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/\(directory)")
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path) where name.hasSuffix(".bin") {
                let bytes = [UInt8](try Data(contentsOf: url.appendingPathComponent(name)))
                BothPaths.expectAgreement(XPCMessage.self, bytes)
                BothPaths.expectAgreement(Pair.self, bytes)
                BothPaths.expectAgreement([String: Int].self, bytes)
                BothPaths.expectAgreement([Int?].self, bytes)
                checked += 1
            }
        }
        #expect(checked > 100)
    }

    @Test func keysOutOfOrderAreFoundAndRepeatsAreTheTreePathsError() {
        // {"b": "x", "a": 1}: not canonical, valid.
        let unsorted = BothPaths.envelope(body: [0x82, 0xa1, 0x62, 0xa1, 0x78, 0xa1, 0x61, 0x01])
        #expect(BothPaths.expectAgreement(Pair.self, unsorted) == .value(Pair(a: 1, b: "x")))
        // {"b": 1, "a": 2, "b": 3}: the repeat is not adjacent; found when the map ends.
        let repeated = BothPaths.envelope(body: [0x83, 0xa1, 0x62, 0x01, 0xa1, 0x61, 0x02, 0xa1, 0x62, 0x03])
        guard case .error(let description) = BothPaths.expectAgreement(Pair.self, repeated) else {
            Issue.record("a repeated key decoded")
            return
        }
        // Reported at the map (byte 14, right after the header), as SPEC §4.11 says.
        #expect(description.contains("duplicate key \"b\" at byte 14"))
    }

    @Test func dynamicMessagesAreBuiltWholeAndSorted() {
        // {"extra": {"z": [1, {"b": null, "a": true}], "y": "s"}}, inner maps out of order.
        let body: [UInt8] = [0x81, 0xa5] + Array("extra".utf8) + [0x82, 0xa1, 0x7a, 0x92, 0x01, 0x82, 0xa1, 0x62, 0xc0, 0xa1, 0x61, 0xc3, 0xa1, 0x79, 0xa1, 0x73]
        let outcome = BothPaths.expectAgreement(Holder.self, BothPaths.envelope(body: body))
        #expect(outcome == .value(Holder(extra: ["y": "s", "z": [1, ["a": true, "b": nil]]], name: nil)))
    }

    /// Dictionaries with `String` keys and standard-scalar values are built by the tape decoder
    /// itself (`TapeDecodableContainer`): the same values, and the same errors at the same paths,
    /// as `Dictionary.init(from:)` on the tree, including a failing value after good ones and a
    /// value that is not a dictionary at all.
    @Test func stringKeyedDictionariesOfEveryStandardScalarMatchTheTreePath() throws {
        let values: [XPCMessage] = [
            .bool(false), .int64(-1), .int64(200), .int64(70_000), .uint64(UInt64.max), .double(-2.5),
            .double(.nan), .string("é"), .null, .array([1]), .dictionary(["k": 1]),
        ]
        func check<T: Codable & Equatable>(_ type: T.Type, sourceLocation: SourceLocation = #_sourceLocation) throws {
            for value in values {
                for count in [0, 1, 3, 40] {
                    var entries = XPCDictionary()
                    for index in 0..<count { entries["key-\(index)"] = value }
                    let message = XPCMessage.dictionary(entries)
                    let bytes = try XPCWireEncoder().encode(message)
                    BothPaths.expectAgreementByEncoding([String: T].self, bytes, sourceLocation: sourceLocation)
                    // Inside a struct, and next to a dictionary whose last value is of another kind.
                    let mixed: XPCMessage = ["a": value, "b": "x", "c": .int64(7)]
                    let keyed = try XPCWireEncoder().encode(["values": message, "mixed": mixed])
                    BothPaths.expectAgreementByEncoding(DictionaryHolder<T>.self, keyed, sourceLocation: sourceLocation)
                }
                // Not a dictionary: the element where the dictionary should be.
                BothPaths.expectAgreementByEncoding([String: T].self, try XPCWireEncoder().encode(.array([value])), sourceLocation: sourceLocation)
            }
        }
        for type in standardScalarTypes { try check(type) }
        // Other values, and keys that are not strings, still go through `Dictionary.init(from:)`.
        try check([Int].self)
        try check(Int?.self)
        BothPaths.expectAgreement([Int: String].self, try XPCWireEncoder().encode(["1": "a", "x": "b"]))
        BothPaths.expectAgreement([Int: String].self, try XPCWireEncoder().encode(["1": "a", "20": "b"]))
    }

    /// Arrays are built by the tape decoder itself (`TapeDecodableContainer`), the standard scalars by code specialized for them:
    /// the same values, and the same errors at the same paths, as `Array.init(from:)` on the tree.
    @Test func arraysOfEveryStandardScalarMatchTheTreePath() throws {
        // Elements of every kind in turn: each array type accepts some and rejects the others.
        let elements: [XPCMessage] = [
            .bool(true), .int64(-1), .int64(200), .int64(70_000), .uint64(UInt64.max), .double(1.5),
            .double(.infinity), .string("é"), .null, .array([1]), .dictionary(["k": 1]),
        ]
        func check<T: Codable & Equatable>(_ type: T.Type, sourceLocation: SourceLocation = #_sourceLocation) throws {
            for element in elements {
                for count in [0, 1, 3, 40] {
                    let message = XPCMessage.array(XPCArray(Array(repeating: element, count: count)))
                    let bytes = try XPCWireEncoder().encode(message)
                    BothPaths.expectAgreementByEncoding([T].self, bytes, sourceLocation: sourceLocation)
                    // Inside a struct, at a key, and past the end of a mixed array.
                    let keyed = try XPCWireEncoder().encode(["values": message, "tail": .array([element, "x"])])
                    BothPaths.expectAgreementByEncoding(ArrayHolder<T>.self, keyed, sourceLocation: sourceLocation)
                }
            }
        }
        for type in standardScalarTypes { try check(type) }
        // Arrays of other elements (arrays, optionals, natively mapped types, structs) are built
        // here too, each element through `decode(_:)`, and agree as well.
        try check([Int].self)
        try check(Int?.self)
        try check(UUID.self)
        try check(Date.self)
        try check(Pair.self)
        try check([String: Int].self)
    }

    @Test func mismatchesNameTheFoundVariantAsTheTreePathDoes() {
        let cases: [[UInt8]] = [
            [0x92, 0x01, 0x02],  // an array where a dictionary is expected
            [0x81, 0xa1, 0x61, 0xa1, 0x78],  // "a" holds a string
            [0x82, 0xa1, 0x61, 0xc0, 0xa1, 0x62, 0xa1, 0x78],  // "a" holds null
            [0x82, 0xa1, 0x61, 0x81, 0xa1, 0x71, 0x90, 0xa1, 0x62, 0xa1, 0x78],  // "a" holds a dictionary
            [0x81, 0xa1, 0x62, 0xa1, 0x78],  // "a" is missing
        ]
        for body in cases {
            let outcome = BothPaths.expectAgreement(Pair.self, BothPaths.envelope(body: body))
            #expect(outcome != .value(Pair(a: 0, b: "")))
        }
    }

    @Test func decodersReportTheTreePathsCodingPaths() throws {
        // {"list": [{"x": 5}]}
        let body: [UInt8] = [0x81, 0xa4] + Array("list".utf8) + [0x91, 0x81, 0xa1, 0x78, 0x05]
        let bytes = BothPaths.envelope(body: body)
        let direct = try bytes.withUnsafeBytes { try XPCDecoder().decodeDirectly(PathProbe.self, from: $0, attachments: []) }
        let tree = try XPCDecoder().decodeThroughTree(PathProbe.self, from: bytes, attachments: [])
        #expect(direct == tree)
        #expect(direct.paths == [[], [], ["list"], ["list", "Index 0"], ["list", "Index 0", "x"], ["super"]])
    }

    @Test func rejectingUnknownKeysGoesThroughTheTree() throws {
        var options = XPCDecoder.Options()
        options.unknownKeyPolicy = .reject
        // {"a": 1, "b": "x", "c": true}: "c" is unknown.
        let bytes = BothPaths.envelope(body: [0x83, 0xa1, 0x61, 0x01, 0xa1, 0x62, 0xa1, 0x78, 0xa1, 0x63, 0xc3])
        #expect(throws: DecodingError.self) { try XPCDecoder(options: options).decode(Pair.self, from: bytes) }
        #expect(try XPCDecoder().decode(Pair.self, from: bytes) == Pair(a: 1, b: "x"))
    }
}

/// The types the direct paths read by code specialized for them (`StandardScalar`). Computed:
/// metatypes of a protocol composition are not `Sendable`, so no global can hold them.
private var standardScalarTypes: [any (Codable & Equatable).Type] {
    [
        Bool.self, String.self, Double.self, Float.self, Int.self, Int8.self, Int16.self, Int32.self, Int64.self,
        UInt.self, UInt8.self, UInt16.self, UInt32.self, UInt64.self,
    ]
}

/// A struct holding an array of `T` and another of `T` whose second element is a string.
private struct ArrayHolder<T: Codable & Equatable>: Codable, Equatable {
    var values: [T]
    var tail: [T]
}

private struct DictionaryHolder<T: Codable & Equatable>: Codable, Equatable {
    var values: [String: T]
    var mixed: [String: T]
}
