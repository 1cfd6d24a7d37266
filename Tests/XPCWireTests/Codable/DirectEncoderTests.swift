// The direct bytes path of XPCEncoder (Sources/XPCWire/Codable/DirectEncoder.swift): it must be
// taken for the shapes synthesized conformances and the standard library produce, give up for
// everything whose meaning the tree path defines, and in every case give exactly the tree path's
// bytes, attachments or error (SPEC §9.1: the bytes path is the tree's canonical encoding).

import Foundation
import PropertyBased
import SystemPackage
import Testing
@testable import XPCWire

// MARK: - Helpers

private enum Direct {
    /// The direct pass alone: `nil` when it gave up.
    static func encode<T: Encodable>(_ value: T, encoder: XPCEncoder = XPCEncoder()) -> XPCEncodedMessage? {
        try? DirectEncodingState.encode(value, options: encoder.options, userInfo: encoder.userInfo)
    }

    /// Checks that the direct pass is taken and matches the tree path exactly.
    static func expectTaken<T: Encodable>(
        _ value: T, encoder: XPCEncoder = XPCEncoder(), sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let tree = try encoder.encodeThroughTree(value)
        guard let direct = encode(value, encoder: encoder) else {
            Issue.record("the direct pass gave up", sourceLocation: sourceLocation)
            return
        }
        #expect(direct.bytes == tree.bytes, "direct \(hex(direct.bytes))\ntree   \(hex(tree.bytes))", sourceLocation: sourceLocation)
        #expect(direct.attachments == tree.attachments, sourceLocation: sourceLocation)
        #expect(try encoder.encode(value).bytes == tree.bytes, sourceLocation: sourceLocation)
    }

    /// Checks that the direct pass gives up, and that `XPCEncoder.encode` still gives the tree's bytes.
    static func expectAbandoned<T: Encodable>(
        _ value: T, encoder: XPCEncoder = XPCEncoder(), sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(encode(value, encoder: encoder) == nil, "the direct pass should give up", sourceLocation: sourceLocation)
        let tree = try encoder.encodeThroughTree(value)
        let encoded = try encoder.encode(value)
        #expect(encoded.bytes == tree.bytes, sourceLocation: sourceLocation)
        #expect(encoded.attachments == tree.attachments, sourceLocation: sourceLocation)
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined(separator: " ") }
}

// MARK: - Types with unusual encode(to:)

/// Writes its keys in an order that is not canonical, more than 15 of them (map16 header).
private struct ManyKeys: Encodable {
    var count: Int
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodableTestKey.self)
        for index in (0..<count).reversed() {
            try container.encode(index, forKey: CodableTestKey("k\(index)"))
        }
    }
}

/// Writes one key twice: the tree path keeps the last value.
private struct RepeatedKey: Encodable {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodableTestKey.self)
        try container.encode(1, forKey: CodableTestKey("a"))
        try container.encode("two", forKey: CodableTestKey("a"))
    }
}

/// Writes to a nested container after writing its parent again.
private struct InterleavedContainers: Encodable {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodableTestKey.self)
        var nested = container.nestedContainer(keyedBy: CodableTestKey.self, forKey: CodableTestKey("inner"))
        try nested.encode(1, forKey: CodableTestKey("x"))
        try container.encode(2, forKey: CodableTestKey("after"))
        try nested.encode(3, forKey: CodableTestKey("y"))
    }
}

/// Nested containers written strictly inside one another, keyed in reverse, arrays inside.
private struct StrictlyNested: Encodable {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodableTestKey.self)
        try container.encode("last", forKey: CodableTestKey("z"))
        var nested = container.nestedContainer(keyedBy: CodableTestKey.self, forKey: CodableTestKey("m"))
        try nested.encode(true, forKey: CodableTestKey("b"))
        var list = nested.nestedUnkeyedContainer(forKey: CodableTestKey("a"))
        for index in 0..<20 { try list.encode(index) }
        var inner = list.nestedContainer(keyedBy: CodableTestKey.self)
        try inner.encodeNil(forKey: CodableTestKey("n"))
        var deeper = list.nestedUnkeyedContainer()
        try deeper.encode(UInt8(7))
        try container.encode(0, forKey: CodableTestKey("a"))
    }
}

/// Asks its encoder for the same keyed container twice.
private struct SameContainerTwice: Encodable {
    func encode(to encoder: any Encoder) throws {
        var first = encoder.container(keyedBy: CodableTestKey.self)
        try first.encode(1, forKey: CodableTestKey("b"))
        var second = encoder.container(keyedBy: CodableTestKey.self)
        try second.encode(2, forKey: CodableTestKey("a"))
    }
}

/// Asks for a keyed container, then an unkeyed one: on the tree path the second replaces the first.
private struct ContainerKindChange: Encodable {
    func encode(to encoder: any Encoder) throws {
        var keyed = encoder.container(keyedBy: CodableTestKey.self)
        try keyed.encode(1, forKey: CodableTestKey("a"))
        var unkeyed = encoder.unkeyedContainer()
        try unkeyed.encode(2)
    }
}

/// Writes nothing: an empty dictionary on both paths.
private struct WritesNothing: Encodable {
    func encode(to encoder: any Encoder) throws {}
}

/// Hands its value on through a single-value container.
private struct Wrapper<Wrapped: Encodable>: Encodable {
    var wrapped: Wrapped
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrapped)
    }
}

/// Records the coding paths its encoders report.
private final class PathLog: @unchecked Sendable {
    var paths: [[String]] = []
}

private struct PathRecorder: Encodable {
    let log: PathLog
    var children: [PathRecorder] = []
    func encode(to encoder: any Encoder) throws {
        log.paths.append(encoder.codingPath.map(\.stringValue))
        var container = encoder.container(keyedBy: CodableTestKey.self)
        log.paths.append(container.codingPath.map(\.stringValue))
        try container.encode(children, forKey: CodableTestKey("children"))
        var nested = container.nestedUnkeyedContainer(forKey: CodableTestKey("list"))
        log.paths.append(nested.codingPath.map(\.stringValue))
        var element = nested.nestedContainer(keyedBy: CodableTestKey.self)
        log.paths.append(element.codingPath.map(\.stringValue))
        try element.encode(1, forKey: CodableTestKey("x"))
    }
}

// MARK: - Tests

@Suite struct DirectEncoderTests {
    @Test func randomRecordsTakeTheDirectPassAndMatchTheTree() async {
        await propertyCheck(count: 200, input: randomRecordCaseGenerator) { testCase in
            try Direct.expectTaken(testCase.record, encoder: testCase.encoder)
        }
    }

    @Test(arguments: CodableFixtureCatalog.all.filter { $0.name != "class-hierarchy" })
    func catalogFixturesTakeTheDirectPass(_ fixture: CodableFixtureCatalog.Fixture) throws {
        // The catalog's values are reachable only through the erased closures: compare what
        // XPCEncoder.encode gives with the tree's canonical encoding, and check separately below
        // that these shapes are all direct.
        let encoded = try fixture.encode()
        let (tree, attachments) = try fixture.encodeMessage()
        #expect(encoded.bytes == (try XPCWireEncoder().encode(tree, attachments: attachments)))
    }

    @Test func catalogShapesAreDirect() throws {
        try Direct.expectTaken(CodableFixtureCatalog.ResizeRequest.example)
        try Direct.expectTaken(CodableFixtureCatalog.Script.example)
        try Direct.expectTaken(CodableFixtureCatalog.SpawnRequest.example)
        try Direct.expectTaken(CodableFixtureCatalog.Inventory.example)
    }

    @Test func classHierarchiesUseSuperEncoderAndGoThroughTheTree() throws {
        try Direct.expectAbandoned(CodableFixtureCatalog.Spreadsheet.example)
    }

    @Test(arguments: [0, 1, 15, 16, 17, 300, 70_000])
    func dictionariesWrittenOutOfOrderAreSortedWithTheRightHeader(count: Int) throws {
        try Direct.expectTaken(ManyKeys(count: count))
    }

    /// Keys are ordered by an 8-byte prefix first: keys of every length from 0 to 12 that share
    /// prefixes, differ only past the eighth byte, or hold bytes above 0x7f sort as the tree's.
    @Test func keysSharingPrefixesOfEveryLengthSortLikeTheTree() throws {
        var keys = [""]
        for length in 1...12 {
            keys.append(String(repeating: "k", count: length))
            keys.append(String(repeating: "k", count: length - 1) + "\u{1}")
            keys.append(String(repeating: "k", count: length - 1) + "é")
            keys.append(String(repeating: "k", count: length - 1) + "\u{7f}")
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let shuffled = keys.shuffled(using: &generator)
            let dictionary = Dictionary(uniqueKeysWithValues: shuffled.enumerated().map { ($1, $0) })
            try Direct.expectTaken(dictionary)
        }
    }

    /// Arrays of the standard scalars are written by the direct encoder itself
    /// (`DirectEncodableArray`): the tree path's bytes, at every header size, alone and nested.
    @Test func arraysOfEveryStandardScalarAreTheTreesBytes() throws {
        for count in [0, 1, 15, 16, 300] {
            let indices = 0..<count
            try Direct.expectTaken(indices.map { $0 % 2 == 0 })
            try Direct.expectTaken(indices.map { "s\($0)" })
            try Direct.expectTaken(indices.map { Double($0) / 3 })
            try Direct.expectTaken(indices.map { Float($0) / 3 })
            try Direct.expectTaken(indices.map { $0 * 977 - 40_000 })
            try Direct.expectTaken(indices.map { Int8(truncatingIfNeeded: $0 * 7) })
            try Direct.expectTaken(indices.map { Int16(truncatingIfNeeded: $0 * 977) })
            try Direct.expectTaken(indices.map { Int32(truncatingIfNeeded: $0 * 97_777) })
            try Direct.expectTaken(indices.map { Int64($0) << 40 - 3 })
            try Direct.expectTaken(indices.map { UInt($0) * 977 })
            try Direct.expectTaken(indices.map { UInt8(truncatingIfNeeded: $0) })
            try Direct.expectTaken(indices.map { UInt16(truncatingIfNeeded: $0 * 977) })
            try Direct.expectTaken(indices.map { UInt32(truncatingIfNeeded: $0 * 97_777) })
            try Direct.expectTaken(indices.map { UInt64($0) << 40 })
            try Direct.expectTaken(["ints": indices.map { $0 }, "more": [1, 2]])
            try Direct.expectTaken([indices.map { "n\($0)" }, []])
        }
        // A string with U+0000 in an array of strings: the direct pass gives up, and the error is
        // the tree path's, at the element's index.
        #expect(Direct.encode(["tags": ["a", "b\u{0}"]]) == nil)
        let error = try #require(CodableTesting.bytesEncodingError(["tags": ["a", "b\u{0}"]]))
        guard case .invalidValue(_, let context) = error else {
            Issue.record("\(error)")
            return
        }
        #expect(CodableTesting.strings(context.codingPath) == ["tags", "Index 1"])
    }

    /// Dictionaries with `String` keys and standard-scalar values are written through the keyed
    /// container without the standard library's box (`DirectEncodableContainer`): the tree
    /// path's bytes at every header size, alone and nested, keys sorted by their bytes.
    @Test func stringKeyedDictionariesOfEveryStandardScalarAreTheTreesBytes() throws {
        for count in [0, 1, 15, 16, 300] {
            // Keys whose string order differs from their byte order, and shared prefixes.
            let keys = (0..<count).map { $0 % 3 == 0 ? "é\($0)" : $0 % 3 == 1 ? "e\u{301}\($0)" : "k\($0)" }
            func dictionary<V>(_ value: (Int) -> V) -> [String: V] {
                Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, value($0)) })
            }
            try Direct.expectTaken(dictionary { $0 % 2 == 0 })
            try Direct.expectTaken(dictionary { "s\($0)" })
            try Direct.expectTaken(dictionary { Double($0) / 3 })
            try Direct.expectTaken(dictionary { Float($0) / 3 })
            try Direct.expectTaken(dictionary { $0 * 977 - 40_000 })
            try Direct.expectTaken(dictionary { Int8(truncatingIfNeeded: $0 * 7) })
            try Direct.expectTaken(dictionary { Int16(truncatingIfNeeded: $0 * 977) })
            try Direct.expectTaken(dictionary { Int32(truncatingIfNeeded: $0 * 97_777) })
            try Direct.expectTaken(dictionary { Int64($0) << 40 - 3 })
            try Direct.expectTaken(dictionary { UInt($0) * 977 })
            try Direct.expectTaken(dictionary { UInt8(truncatingIfNeeded: $0) })
            try Direct.expectTaken(dictionary { UInt16(truncatingIfNeeded: $0 * 977) })
            try Direct.expectTaken(dictionary { UInt32(truncatingIfNeeded: $0 * 97_777) })
            try Direct.expectTaken(dictionary { UInt64($0) << 40 })
            try Direct.expectTaken(["outer": dictionary { $0 }, "more": ["a": 1]])
            try Direct.expectTaken([dictionary { "n\($0)" }, [:]])
        }
        // A value or a key with U+0000: the direct pass gives up, and the error is the tree
        // path's, at the entry's key.
        for bad in [["a": "x", "b": "y\u{0}"], ["a": "x", "b\u{0}": "y"]] {
            #expect(Direct.encode(["attributes": bad]) == nil)
            let error = try #require(CodableTesting.bytesEncodingError(["attributes": bad]))
            guard case .invalidValue(_, let context) = error else {
                Issue.record("\(error)")
                continue
            }
            #expect(CodableTesting.strings(context.codingPath).first == "attributes")
        }
        // Keys of other types, and other values, still go through `Dictionary.encode(to:)`.
        try Direct.expectTaken([1: "a", 20: "b"])
        try Direct.expectTaken(["a": [1, 2], "b": []])
        try Direct.expectTaken(["a": Optional(1), "b": nil])
    }

    @Test(arguments: [0, 15, 16, 65_535, 65_536])
    func arraysGetTheShortestHeader(count: Int) throws {
        try Direct.expectTaken([UInt8](repeating: 0xab, count: count))
        try Direct.expectTaken((0..<count).map { "s\($0 % 7)" })
    }

    @Test func containersWrittenStrictlyInsideOneAnotherAreDirect() throws {
        try Direct.expectTaken(StrictlyNested())
        try Direct.expectTaken(SameContainerTwice())
        try Direct.expectTaken(WritesNothing())
        try Direct.expectTaken([WritesNothing(), WritesNothing()])
        try Direct.expectTaken(Wrapper(wrapped: Wrapper(wrapped: ["b": 1, "a": 2])))
        try Direct.expectTaken(Wrapper(wrapped: 5))
        try Direct.expectTaken(["z": [1, 2], "a": [], "é": [3]])
        try Direct.expectTaken([3: "c", 1: "a", 20: "t"])
        try Direct.expectTaken([[[[[[1]]]]]])
        try Direct.expectTaken(Optional<Int>.none)
        try Direct.expectTaken("top-level string")
        try Direct.expectTaken(XPCMessage.dictionary(["b": .array([.null, .date(XPCDate(nanosecondsSinceReferenceDate: -1))]), "a": .uuid(UUID())]) as XPCMessage?)
    }

    @Test func whatTheTreePathDefinesGoesThroughTheTree() throws {
        try Direct.expectAbandoned(RepeatedKey())
        try Direct.expectAbandoned(InterleavedContainers())
        try Direct.expectAbandoned(ContainerKindChange())
    }

    @Test func nullOptionalsFollowTheStrategy() throws {
        struct Sparse: Encodable {
            var a: Int?
            var b: String?
            var c: [Int]?
        }
        var options = XPCEncoder.Options()
        try Direct.expectTaken(Sparse(), encoder: XPCEncoder(options: options))
        options.nilEncodingStrategy = .null
        try Direct.expectTaken(Sparse(), encoder: XPCEncoder(options: options))
        try Direct.expectTaken(Sparse(a: 1, b: "x", c: [2]), encoder: XPCEncoder(options: options))
    }

    @Test func attachmentsAreCollectedInOrderAndTheSlotTableWritten() throws {
        struct Files: Encodable {
            var input: FileDescriptor
            var outputs: [FileDescriptor]
            var service: XPCEndpointHandle
        }
        let value = Files(
            input: FileDescriptor(rawValue: 3), outputs: [FileDescriptor(rawValue: 4), FileDescriptor(rawValue: 3)],
            service: XPCEndpointHandle(fileDescriptor: FileDescriptor(rawValue: 8)))
        try Direct.expectTaken(value)
        let encoded = try #require(Direct.encode(value))
        #expect(Array(encoded.bytes[8..<10]) == [0, 4])  // four slots
        #expect(Array(encoded.bytes[14..<18]) == [XPCSlotKind.fd, .fd, .fd, .endpoint].map(\.rawValue))
    }

    @Test func aDynamicMessageReferringToSlotsWithoutAttachmentsIsTheTreePathsError() throws {
        // A dynamic field may name slots no attachment fills: the tree path reports the mismatch.
        struct Holder: Encodable { var extra: XPCMessage }
        let value = Holder(extra: .fd(slot: 0))
        #expect(Direct.encode(value) == nil)
        let error = CodableTesting.bytesEncodingError(value)
        let treeError = CodableTesting.expectedError(
            EncodingError.self, { try XPCEncoder().encodeThroughTree(value) }, describing: { "\($0.bytes)" },
            sourceLocation: #_sourceLocation)
        #expect(error.map { "\($0)" } == treeError.map { "\($0)" })
    }

    @Test func errorsAreTheTreePathsErrorsWithTheirCodingPaths() throws {
        struct Inner: Encodable { var name: String }
        struct Outer: Encodable { var items: [Inner] }
        let value = Outer(items: [Inner(name: "ok"), Inner(name: "bad\u{0}")])
        let error = try #require(CodableTesting.bytesEncodingError(value))
        guard case .invalidValue(_, let context) = error else {
            Issue.record("\(error)")
            return
        }
        #expect(CodableTesting.strings(context.codingPath) == ["items", "Index 1", "name"])
    }

    @Test func theDepthLimitIsTheTreePathsError() throws {
        var options = XPCEncoder.Options()
        options.wireOptions.maximumDepth = 3
        let encoder = XPCEncoder(options: options)
        try Direct.expectTaken([[[1]]], encoder: encoder)
        #expect(Direct.encode([[[[1]]]], encoder: encoder) == nil)
        let error = try #require(CodableTesting.bytesEncodingError([[[[1]]]], encoder: encoder))
        let treeError = CodableTesting.expectedError(
            EncodingError.self, { try encoder.encodeThroughTree([[[[1]]]]) }, describing: { "\($0.bytes)" },
            sourceLocation: #_sourceLocation)
        #expect("\(error)" == treeError.map { "\($0)" })
    }

    @Test func encodersReportTheTreePathsCodingPaths() throws {
        let directLog = PathLog(), treeLog = PathLog()
        func value(_ log: PathLog) -> PathRecorder {
            PathRecorder(log: log, children: [PathRecorder(log: log), PathRecorder(log: log, children: [PathRecorder(log: log)])])
        }
        _ = try #require(Direct.encode(value(directLog)))
        var attachments: [XPCAttachment] = []
        _ = try XPCEncoder().encodeMessage(value(treeLog), attachments: &attachments)
        #expect(directLog.paths == treeLog.paths)
        #expect(directLog.paths.contains(["children", "Index 1", "children", "Index 0", "list", "Index 0"]))
    }
}
