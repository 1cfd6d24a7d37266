// Schema evolution (SPEC §9.1.4): for each rule, two versions of a type with the same wire shape
// except the change, written by one and read by the other through the bytes path.

import Foundation
import Testing
@testable import XPCWire

@Suite struct CodableSchemaEvolutionTests {
    // MARK: Helpers

    static var rejecting: XPCDecoder {
        var options = XPCDecoder.Options()
        options.unknownKeyPolicy = .reject
        return XPCDecoder(options: options)
    }

    /// Writes `value` as bytes and reads them as `B`; the tree path must agree.
    static func read<A: Encodable, B: Decodable & Equatable>(
        _ value: A, as type: B.Type, encoder: XPCEncoder = XPCEncoder(), decoder: XPCDecoder = XPCDecoder(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> B {
        let encoded = try encoder.encode(value)
        let fromBytes = try decoder.decode(type, from: encoded.bytes, attachments: encoded.attachments)
        var attachments: [XPCAttachment] = []
        let tree = try encoder.encodeMessage(value, attachments: &attachments)
        #expect(try decoder.decode(type, from: tree, attachments: attachments) == fromBytes, sourceLocation: sourceLocation)
        return fromBytes
    }

    /// Writes `value` as bytes and returns the error of reading them as `B`.
    static func failure<A: Encodable, B: Decodable>(
        _ value: A, as type: B.Type, encoder: XPCEncoder = XPCEncoder(), decoder: XPCDecoder = XPCDecoder(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> DecodingError? {
        let encoded = try encoder.encode(value)
        return CodableTesting.decodingError(type, fromBytes: encoded.bytes, attachments: encoded.attachments, decoder: decoder, sourceLocation: sourceLocation)
    }

    // MARK: 1. Adding an optional field

    enum AddOptional {
        struct V1: Codable, Equatable {
            var name: String
        }

        struct V2: Codable, Equatable {
            var name: String
            var nickname: String?
        }
    }

    @Test func addingAnOptionalFieldIsCompatibleBothWays() throws {
        // Old writer, new reader: the new field is nil.
        #expect(try Self.read(AddOptional.V1(name: "ann"), as: AddOptional.V2.self) == AddOptional.V2(name: "ann", nickname: nil))
        // New writer, old reader: the unknown key is ignored.
        #expect(try Self.read(AddOptional.V2(name: "ann", nickname: "a"), as: AddOptional.V1.self) == AddOptional.V1(name: "ann"))
        // A nil new field is not even written: the bytes are the old type's bytes.
        #expect(try XPCEncoder().encode(AddOptional.V2(name: "ann", nickname: nil)).bytes == (try XPCEncoder().encode(AddOptional.V1(name: "ann")).bytes))
        #expect(try Self.read(AddOptional.V2(name: "ann", nickname: nil), as: AddOptional.V1.self, decoder: Self.rejecting) == AddOptional.V1(name: "ann"))

        // …unless the old reader rejects unknown keys and the key is on the wire.
        let rejected = try #require(try Self.failure(AddOptional.V2(name: "ann", nickname: "a"), as: AddOptional.V1.self, decoder: Self.rejecting))
        #expect(rejected.caseName == "dataCorrupted")
        #expect(rejected.pathStrings == ["nickname"])
        var writesNull = XPCEncoder.Options()
        writesNull.nilEncodingStrategy = .null
        let nullRejected = try #require(
            try Self.failure(AddOptional.V2(name: "ann", nickname: nil), as: AddOptional.V1.self, encoder: XPCEncoder(options: writesNull), decoder: Self.rejecting))
        #expect(nullRejected.pathStrings == ["nickname"])
    }

    // MARK: 2. Adding a required field

    enum AddRequired {
        struct V1: Codable, Equatable {
            var name: String
        }

        struct V2: Codable, Equatable {
            var name: String
            var priority: Int
        }

        /// The new field read with `decodeIfPresent` and a default.
        struct V2Defaulted: Codable, Equatable {
            var name: String
            var priority: Int

            init(name: String, priority: Int) {
                self.name = name
                self.priority = priority
            }

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                name = try container.decode(String.self, forKey: .name)
                priority = try container.decodeIfPresent(Int.self, forKey: .priority) ?? 5
            }
        }
    }

    @Test func addingARequiredFieldBreaksNewReadersOfOldMessages() throws {
        let error = try #require(try Self.failure(AddRequired.V1(name: "job"), as: AddRequired.V2.self))
        #expect(error.caseName == "keyNotFound")
        #expect(error.missingKey == "priority")
        #expect(error.pathStrings == [])
        // Unless the new reader supplies a default.
        #expect(try Self.read(AddRequired.V1(name: "job"), as: AddRequired.V2Defaulted.self) == AddRequired.V2Defaulted(name: "job", priority: 5))
        #expect(try Self.read(AddRequired.V2(name: "job", priority: 9), as: AddRequired.V2Defaulted.self) == AddRequired.V2Defaulted(name: "job", priority: 9))
        // Old readers of new messages ignore the new key.
        #expect(try Self.read(AddRequired.V2(name: "job", priority: 9), as: AddRequired.V1.self) == AddRequired.V1(name: "job"))
    }

    // MARK: 3. Removing a field

    enum RemoveField {
        struct V1Optional: Codable, Equatable {
            var name: String
            var legacy: String?
        }

        struct V1Required: Codable, Equatable {
            var name: String
            var legacy: String
        }

        struct V2: Codable, Equatable {
            var name: String
        }
    }

    @Test func removingAFieldIsCompatibleOnlyWhereTheOldReaderHadItOptional() throws {
        #expect(try Self.read(RemoveField.V2(name: "x"), as: RemoveField.V1Optional.self) == RemoveField.V1Optional(name: "x", legacy: nil))
        let error = try #require(try Self.failure(RemoveField.V2(name: "x"), as: RemoveField.V1Required.self))
        #expect(error.caseName == "keyNotFound")
        #expect(error.missingKey == "legacy")
        #expect(error.pathStrings == [])
        // New readers of old messages ignore the removed key.
        #expect(try Self.read(RemoveField.V1Required(name: "x", legacy: "old"), as: RemoveField.V2.self) == RemoveField.V2(name: "x"))
    }

    // MARK: 4. Renaming

    enum Rename {
        struct V1: Codable, Equatable {
            var userName: String
            var age: Int
        }

        /// The property is renamed; `CodingKeys` keeps the old key string.
        struct V2: Codable, Equatable {
            var displayName: String
            var age: Int

            enum CodingKeys: String, CodingKey {
                case displayName = "userName"
                case age
            }
        }

        /// The key string changed as well: a removal plus an addition.
        struct V2NewKey: Codable, Equatable {
            var displayName: String
            var age: Int
        }
    }

    @Test func renamingThroughCodingKeysKeepsTheWireFormat() throws {
        let old = Rename.V1(userName: "ann", age: 30)
        let new = Rename.V2(displayName: "ann", age: 30)
        #expect(try XPCEncoder().encode(old).bytes == (try XPCEncoder().encode(new).bytes))
        #expect(try Self.read(old, as: Rename.V2.self) == new)
        #expect(try Self.read(new, as: Rename.V1.self) == old)

        let forward = try #require(try Self.failure(old, as: Rename.V2NewKey.self))
        #expect(forward.missingKey == "displayName")
        let backward = try #require(try Self.failure(Rename.V2NewKey(displayName: "ann", age: 30), as: Rename.V1.self))
        #expect(backward.missingKey == "userName")
    }

    // MARK: 5. Adding an enum case

    enum AddCase {
        enum StatusV1: String, Codable, Equatable { case active, paused }
        enum StatusV2: String, Codable, Equatable { case active, paused, archived }

        enum ActionV1: Codable, Equatable {
            case move(x: Int, y: Int)
            case stop
        }

        enum ActionV2: Codable, Equatable {
            case move(x: Int, y: Int)
            case stop
            case rotate(degrees: Double)
            case reset
        }

        struct V1: Codable, Equatable {
            var status: StatusV1
            var action: ActionV1
            var history: [ActionV1]
        }

        struct V2: Codable, Equatable {
            var status: StatusV2
            var action: ActionV2
            var history: [ActionV2]
        }

        /// An old reader whose fields are optional: that does not make an unknown case decodable.
        struct V1Optional: Codable, Equatable {
            var status: StatusV1?
            var action: ActionV1?
        }
    }

    @Test func aNewEnumCaseIsInvisibleUntilSent() throws {
        let new = AddCase.V2(status: .paused, action: .move(x: 1, y: -2), history: [.stop])
        let old = AddCase.V1(status: .paused, action: .move(x: 1, y: -2), history: [.stop])
        #expect(try XPCEncoder().encode(new).bytes == (try XPCEncoder().encode(old).bytes))
        #expect(try Self.read(new, as: AddCase.V1.self) == old)
        #expect(try Self.read(old, as: AddCase.V2.self) == new)
    }

    @Test func aNewRawValueCaseIsDataCorruptedForOldReaders() throws {
        let new = AddCase.V2(status: .archived, action: .stop, history: [])
        let error = try #require(try Self.failure(new, as: AddCase.V1.self))
        #expect(error.caseName == "dataCorrupted")
        #expect(error.pathStrings == ["status"])
        #expect(error.context.debugDescription.contains("archived"))
        let optional = try #require(try Self.failure(new, as: AddCase.V1Optional.self))
        #expect(optional.caseName == "dataCorrupted")
        #expect(optional.pathStrings == ["status"])
    }

    /// Swift's synthesized `init(from:)` sees no key it knows (`allKeys` leaves unknown keys out)
    /// and throws `typeMismatch(Self.self)` "Invalid number of keys found, expected one." at the
    /// enum's own path.
    @Test func aNewSynthesizedCaseIsTypeMismatchForOldReaders() throws {
        let cases: [(AddCase.V2, path: [String])] = [
            (AddCase.V2(status: .active, action: .rotate(degrees: 90), history: []), ["action"]),
            (AddCase.V2(status: .active, action: .reset, history: []), ["action"]),
            (AddCase.V2(status: .active, action: .stop, history: [.stop, .reset]), ["history", "Index 1"]),
        ]
        for (new, path) in cases {
            let error = try #require(try Self.failure(new, as: AddCase.V1.self), "\(path)")
            #expect(error.caseName == "typeMismatch", "\(path): \(error)")
            #expect(error.pathStrings == path)
            #expect(error.namedType.map { $0 == AddCase.ActionV1.self } == true)
            #expect(error.context.debugDescription == "Invalid number of keys found, expected one.")
        }
        let optional = try #require(try Self.failure(AddCase.V2(status: .active, action: .reset, history: []), as: AddCase.V1Optional.self))
        #expect(optional.caseName == "typeMismatch")
        #expect(optional.pathStrings == ["action"])
    }

    // MARK: 6. Changing a field's type

    enum ChangeType {
        struct SignedV1: Codable, Equatable { var count: Int }
        struct UnsignedV2: Codable, Equatable { var count: UInt }
        struct NarrowV2: Codable, Equatable { var count: Int8 }
        struct WideV2: Codable, Equatable { var count: Int64 }
        struct DoubleV2: Codable, Equatable { var count: Double }
        struct StringV2: Codable, Equatable { var count: String }
        struct ArrayV2: Codable, Equatable { var count: [Int] }
        struct BytesV1: Codable, Equatable { var blob: Data }
        struct BytesV2: Codable, Equatable { var blob: [UInt8] }
        struct FloatV1: Codable, Equatable { var ratio: Float }
        struct DoubleRatioV2: Codable, Equatable { var ratio: Double }
        struct DateV1: Codable, Equatable { var when: Date }
        struct SecondsV2: Codable, Equatable { var when: Double }
    }

    @Test func signedAndUnsignedReadEachOtherWhileTheValueFits() throws {
        #expect(try Self.read(ChangeType.SignedV1(count: 5), as: ChangeType.UnsignedV2.self) == ChangeType.UnsignedV2(count: 5))
        #expect(try Self.read(ChangeType.UnsignedV2(count: 7), as: ChangeType.SignedV1.self) == ChangeType.SignedV1(count: 7))
        let negative = try #require(try Self.failure(ChangeType.SignedV1(count: -1), as: ChangeType.UnsignedV2.self))
        #expect(negative.caseName == "dataCorrupted")
        #expect(negative.pathStrings == ["count"])
        let huge = try #require(try Self.failure(ChangeType.UnsignedV2(count: .max), as: ChangeType.SignedV1.self))
        #expect(huge.caseName == "dataCorrupted")
        #expect(huge.pathStrings == ["count"])
    }

    @Test func integerWidthsReadEachOtherWhileTheValueFits() throws {
        #expect(try Self.read(ChangeType.SignedV1(count: 100), as: ChangeType.NarrowV2.self) == ChangeType.NarrowV2(count: 100))
        #expect(try Self.read(ChangeType.NarrowV2(count: -7), as: ChangeType.WideV2.self) == ChangeType.WideV2(count: -7))
        #expect(try Self.read(ChangeType.WideV2(count: .min), as: ChangeType.SignedV1.self) == ChangeType.SignedV1(count: .min))
        let error = try #require(try Self.failure(ChangeType.SignedV1(count: 300), as: ChangeType.NarrowV2.self))
        #expect(error.caseName == "dataCorrupted")
        #expect(error.pathStrings == ["count"])
    }

    @Test func otherTypeChangesAreTypeMismatch() throws {
        let cases: [(DecodingError?, expected: String, found: String)] = [
            (try Self.failure(ChangeType.SignedV1(count: 5), as: ChangeType.DoubleV2.self), "double", "int64"),
            (try Self.failure(ChangeType.DoubleV2(count: 5), as: ChangeType.SignedV1.self), "int64", "double"),
            (try Self.failure(ChangeType.SignedV1(count: 5), as: ChangeType.StringV2.self), "string", "int64"),
            (try Self.failure(ChangeType.StringV2(count: "5"), as: ChangeType.SignedV1.self), "int64", "string"),
            (try Self.failure(ChangeType.SignedV1(count: 5), as: ChangeType.ArrayV2.self), "array", "int64"),
            (try Self.failure(ChangeType.BytesV1(blob: Data([1, 2])), as: ChangeType.BytesV2.self), "array", "data"),
            (try Self.failure(ChangeType.BytesV2(blob: [1, 2]), as: ChangeType.BytesV1.self), "data", "array"),
            (try Self.failure(ChangeType.DateV1(when: Date(timeIntervalSinceReferenceDate: 1)), as: ChangeType.SecondsV2.self), "double", "date"),
        ]
        for (error, expected, found) in cases {
            let error = try #require(error, "\(expected) from \(found)")
            #expect(error.caseName == "typeMismatch", "\(expected) from \(found): \(error)")
            let description = error.context.debugDescription
            #expect(description.contains(expected) && description.contains(found), "\(description)")
            #expect(error.pathStrings.first == "count" || error.pathStrings.first == "blob" || error.pathStrings.first == "when")
        }
    }

    /// `Float` and `Double` share the double variant: widening is exact, narrowing rounds.
    @Test func floatAndDoubleShareTheWire() throws {
        #expect(try Self.read(ChangeType.FloatV1(ratio: 0.1), as: ChangeType.DoubleRatioV2.self) == ChangeType.DoubleRatioV2(ratio: Double(Float(0.1))))
        #expect(try Self.read(ChangeType.DoubleRatioV2(ratio: 0.1), as: ChangeType.FloatV1.self) == ChangeType.FloatV1(ratio: 0.1))
        let error = try #require(try Self.failure(ChangeType.DoubleRatioV2(ratio: 1e300), as: ChangeType.FloatV1.self))
        #expect(error.caseName == "dataCorrupted")
        #expect(error.pathStrings == ["ratio"])
    }

    // MARK: 7. Types with the same shape

    struct PointStruct: Codable, Equatable {
        var x: Int
        var y: Int
    }

    final class PointClass: Codable, Equatable {
        let y: Int64
        let x: Int32
        init(x: Int32, y: Int64) {
            self.x = x
            self.y = y
        }
        static func == (lhs: PointClass, rhs: PointClass) -> Bool { lhs.x == rhs.x && lhs.y == rhs.y }
    }

    struct Meters: Codable, Equatable {
        var value: Int
        init(_ value: Int) { self.value = value }
        init(from decoder: any Decoder) throws { value = try decoder.singleValueContainer().decode(Int.self) }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(value)
        }
    }

    struct Distance: Codable, Equatable { var length: Meters }
    struct RawDistance: Codable, Equatable { var length: Int }

    @Test func typesWithTheSameShapeReadEachOther() throws {
        #expect(try XPCEncoder().encode(PointStruct(x: 1, y: 2)).bytes == (try XPCEncoder().encode(PointClass(x: 1, y: 2)).bytes))
        #expect(try Self.read(PointStruct(x: 1, y: 2), as: PointClass.self) == PointClass(x: 1, y: 2))
        #expect(try Self.read(PointClass(x: -1, y: 9), as: PointStruct.self) == PointStruct(x: -1, y: 9))
        #expect(try Self.read(PointStruct(x: 3, y: 4), as: [String: Int].self) == ["x": 3, "y": 4])
        #expect(try Self.read(Distance(length: Meters(12)), as: RawDistance.self) == RawDistance(length: 12))
        #expect(try Self.read(RawDistance(length: 7), as: Distance.self) == Distance(length: Meters(7)))
    }
}
