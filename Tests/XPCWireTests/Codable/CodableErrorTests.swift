// Every error of the Codable bridge (SPEC §9.1.3): the exact `DecodingError` / `EncodingError`
// case, the exact coding path, and for invalid bytes the wire error with its offset.

import Foundation
import SystemPackage
import Testing
@testable import XPCWire

@Suite struct CodableErrorTests {
    // MARK: Models

    struct Item: Codable, Equatable {
        var name: String
        var count: Int8
    }

    struct Owner: Codable, Equatable {
        var name: String
        var since: Date
    }

    struct Order: Codable, Equatable {
        var id: UUID
        var items: [Item]
        var owner: Owner
        var note: String?
    }

    static let orderID = UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F")!

    /// A valid order as a message; tests damage one part of it.
    static func orderMessage(
        items: XPCMessage = [["name": "bolt", "count": .int64(3)], ["name": "nut", "count": .uint64(4)]],
        owner: XPCMessage = ["name": "ann", "since": .date(XPCDate(nanosecondsSinceReferenceDate: 0))]
    ) -> XPCMessage {
        ["id": .uuid(orderID), "items": items, "owner": owner]
    }

    /// Reads three integers from an unkeyed container.
    struct Triple: Decodable {
        var values: [Int]
        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            values = [try container.decode(Int.self), try container.decode(Int.self), try container.decode(Int.self)]
        }
    }

    struct File: Codable, Equatable {
        var file: FileDescriptor
    }

    struct Service: Codable, Equatable {
        var service: XPCEndpointHandle
    }

    // MARK: typeMismatch

    @Test func aWrongVariantIsTypeMismatchNamingExpectedAndFound() throws {
        let uuid = Self.orderID
        let cases: [(XPCMessage, any Decodable.Type, expected: String, found: String)] = [
            (.int64(5), String.self, "string", "int64"),
            (.data([0x61]), String.self, "string", "data"),
            (.int64(5), Double.self, "double", "int64"),
            (.uint64(5), Double.self, "double", "uint64"),
            (.int64(5), Float.self, "double", "int64"),
            (.double(5), Int.self, "int64", "double"),
            (.string("5"), UInt8.self, "uint64", "string"),
            (.bool(true), Int64.self, "int64", "bool"),
            (.int64(1), Bool.self, "bool", "int64"),
            (.string("AAEC"), Data.self, "data", "string"),
            (.string(uuid.uuidString), UUID.self, "uuid", "string"),
            (.data([UInt8](repeating: 0, count: 16)), UUID.self, "uuid", "data"),
            (.int64(0), Date.self, "date", "int64"),
            (.double(0), Date.self, "date", "double"),
            (.data([]), URL.self, "string", "data"),
            (.int64(3), FileDescriptor.self, "fd", "int64"),
            (.endpoint(slot: 0), FileDescriptor.self, "fd", "endpoint"),
            (.fd(slot: 0), XPCEndpointHandle.self, "endpoint", "fd"),
        ]
        for (message, type, expected, found) in cases {
            let error = try #require(CodableTesting.decodingErrorUnderKeyN(type, ["v": message]), "\(type) from \(message)")
            #expect(error.caseName == "typeMismatch", "\(type) from \(message): \(error)")
            #expect(error.pathStrings == ["v"], "\(type) from \(message)")
            #expect(error.namedType.map { $0 == type } == true, "\(type) from \(message): \(String(describing: error.namedType))")
            let description = error.context.debugDescription
            #expect(description.contains(expected) && description.contains(found), "\(type) from \(message): \(description)")
        }
    }

    @Test func aWrongContainerIsTypeMismatchNamingExpectedAndFound() throws {
        let cases: [(XPCMessage, any Decodable.Type, expected: String, found: String)] = [
            ([.int64(1)], Item.self, "dictionary", "array"),
            (.string("x"), Item.self, "dictionary", "string"),
            (["a": .int64(1)], [Int].self, "array", "dictionary"),
            (.data([1, 2]), [UInt8].self, "array", "data"),
            (.int64(1), [String: Int].self, "dictionary", "int64"),
        ]
        for (message, type, expected, found) in cases {
            let error = try #require(CodableTesting.decodingErrorUnderKeyN(type, ["v": message]), "\(type) from \(message)")
            #expect(error.caseName == "typeMismatch", "\(type) from \(message): \(error)")
            #expect(error.pathStrings == ["v"])
            let description = error.context.debugDescription
            #expect(description.contains(expected) && description.contains(found), "\(type) from \(message): \(description)")
        }
    }

    @Test func theCodingPathIsTheFullPathFromTheRoot() throws {
        let items: XPCMessage = [["name": "bolt", "count": .int64(3)], ["name": "nut", "count": "four"]]
        let error = try #require(CodableTesting.decodingError(Order.self, from: Self.orderMessage(items: items)))
        #expect(error.caseName == "typeMismatch")
        #expect(error.pathStrings == ["items", "Index 1", "count"])
        #expect(CodableTesting.ints(error.context.codingPath) == [nil, 1, nil])
        #expect(error.namedType.map { $0 == Int8.self } == true)

        let owner: XPCMessage = ["name": "ann", "since": .string("yesterday")]
        let dateError = try #require(CodableTesting.decodingError(Order.self, from: Self.orderMessage(owner: owner)))
        #expect(dateError.caseName == "typeMismatch")
        #expect(dateError.pathStrings == ["owner", "since"])
    }

    @Test func theBytesPathReportsTheSamePath() throws {
        let items: XPCMessage = [["name": "bolt", "count": .int64(3)], ["name": .int64(7), "count": .int64(1)]]
        let bytes = try XPCWireEncoder().encode(Self.orderMessage(items: items))
        let error = try #require(CodableTesting.decodingError(Order.self, fromBytes: bytes))
        #expect(error.caseName == "typeMismatch")
        #expect(error.pathStrings == ["items", "Index 1", "name"])
        #expect(error.namedType.map { $0 == String.self } == true)
    }

    // MARK: valueNotFound

    @Test func nullWhereAValueIsRequiredIsValueNotFound() throws {
        let cases: [(XPCMessage, path: [String], type: Any.Type)] = [
            (Self.orderMessage(items: [["name": .null, "count": .int64(1)]]), ["items", "Index 0", "name"], String.self),
            (Self.orderMessage(items: [["name": "a", "count": .null]]), ["items", "Index 0", "count"], Int8.self),
            (Self.orderMessage(items: [["name": "a", "count": .int64(1)], .null]), ["items", "Index 1"], [String: Any].self),
            (Self.orderMessage(owner: .null), ["owner"], [String: Any].self),
            (Self.orderMessage(owner: ["name": "ann", "since": .null]), ["owner", "since"], Date.self),
            (["id": .null, "items": [], "owner": .null], ["id"], UUID.self),
            (["id": .uuid(Self.orderID), "items": .null, "owner": .null], ["items"], [Any].self),
        ]
        for (message, path, type) in cases {
            let error = try #require(CodableTesting.decodingError(Order.self, from: message), "\(path)")
            #expect(error.caseName == "valueNotFound", "\(path): \(error)")
            #expect(error.pathStrings == path)
            #expect(error.namedType.map { $0 == type } == true, "\(path): \(String(describing: error.namedType))")
            #expect(error.context.debugDescription.contains("null"), "\(path)")
        }
        let topLevel = try #require(CodableTesting.decodingError(Int.self, from: .null))
        #expect(topLevel.caseName == "valueNotFound")
        #expect(topLevel.pathStrings == [])
    }

    @Test func readingPastTheEndOfAnArrayIsValueNotFound() throws {
        let error = try #require(CodableTesting.decodingError([String: Triple].self, from: ["t": [.int64(1), .int64(2)]]))
        #expect(error.caseName == "valueNotFound")
        #expect(error.pathStrings == ["t", "Index 2"])
        #expect(CodableTesting.ints(error.context.codingPath) == [nil, 2])
    }

    // MARK: keyNotFound

    @Test func aMissingKeyIsKeyNotFound() throws {
        let top = try #require(CodableTesting.decodingError(Item.self, from: ["name": "x"]))
        #expect(top.caseName == "keyNotFound")
        #expect(top.missingKey == "count")
        #expect(top.pathStrings == [])

        let nested = try #require(CodableTesting.decodingError(Order.self, from: Self.orderMessage(owner: ["name": "ann"])))
        #expect(nested.caseName == "keyNotFound")
        #expect(nested.missingKey == "since")
        #expect(nested.pathStrings == ["owner"])

        let inArray = try #require(CodableTesting.decodingError(Order.self, from: Self.orderMessage(items: [["count": .int64(1)]])))
        #expect(inArray.caseName == "keyNotFound")
        #expect(inArray.missingKey == "name")
        #expect(inArray.pathStrings == ["items", "Index 0"])
        #expect(CodableTesting.ints(inArray.context.codingPath) == [nil, 0])
    }

    /// SPEC §9.1.2: `superDecoder()` of a dictionary without `"super"` decodes from null.
    @Test func aMissingSuperDecodesFromNull() throws {
        let error = try #require(CodableTesting.decodingError(CodableMappingTests.Dog.self, from: ["breed": "beagle"]))
        #expect(error.caseName == "valueNotFound")
        #expect(error.pathStrings == ["super"])
    }

    // MARK: dataCorrupted

    @Test func valuesThatDoNotFitAreDataCorruptedAtTheirPath() throws {
        let items: XPCMessage = [["name": "bolt", "count": .int64(300)]]
        let error = try #require(CodableTesting.decodingError(Order.self, from: Self.orderMessage(items: items)))
        #expect(error.caseName == "dataCorrupted")
        #expect(error.pathStrings == ["items", "Index 0", "count"])
        #expect(error.context.underlyingError == nil)

        let cases: [(XPCMessage, any Decodable.Type)] = [
            (.int64(-1), UInt.self), (.uint64(.max), Int.self), (.int64(-129), Int8.self),
            (.double(1e39), Float.self), (.double(-1e39), Float.self), (.double(.greatestFiniteMagnitude), Float.self),
            (.double(Double(Float.greatestFiniteMagnitude) + 0x1p103), Float.self),
            (.string(""), URL.self),
        ]
        for (message, type) in cases {
            let error = try #require(CodableTesting.decodingErrorUnderKeyN(type, ["v": message]), "\(type) from \(message)")
            #expect(error.caseName == "dataCorrupted", "\(type) from \(message): \(error)")
            #expect(error.pathStrings == ["v"])
        }
    }

    @Test func slotsOutsideTheAttachmentsOrOfTheOtherKindAreDataCorrupted() throws {
        let fd = XPCAttachment.fd(FileDescriptor(rawValue: 3))
        let endpoint = XPCAttachment.endpoint(XPCEndpointHandle(fileDescriptor: FileDescriptor(rawValue: 9)))
        let fileCases: [(XPCMessage, [XPCAttachment])] = [
            (["file": .fd(slot: 1)], [fd]),
            (["file": .fd(slot: 0)], []),
            (["file": .fd(slot: 0)], [endpoint]),
        ]
        for (message, attachments) in fileCases {
            let error = try #require(CodableTesting.decodingError(File.self, from: message, attachments: attachments))
            #expect(error.caseName == "dataCorrupted", "\(message) with \(attachments): \(error)")
            #expect(error.pathStrings == ["file"])
        }
        let serviceCases: [(XPCMessage, [XPCAttachment])] = [
            (["service": .endpoint(slot: 2)], [endpoint, endpoint]),
            (["service": .endpoint(slot: 0)], [fd]),
        ]
        for (message, attachments) in serviceCases {
            let error = try #require(CodableTesting.decodingError(Service.self, from: message, attachments: attachments))
            #expect(error.caseName == "dataCorrupted", "\(message) with \(attachments): \(error)")
            #expect(error.pathStrings == ["service"])
        }
        #expect(try XPCDecoder().decode(File.self, from: ["file": .fd(slot: 1)], attachments: [endpoint, fd]) == File(file: FileDescriptor(rawValue: 3)))
    }

    @Test func attachmentsThatDoNotMatchTheSlotTableAreDataCorrupted() throws {
        let bytes = try XPCEncoder().encode(File(file: FileDescriptor(rawValue: 3))).bytes
        let endpoint = XPCAttachment.endpoint(XPCEndpointHandle(fileDescriptor: FileDescriptor(rawValue: 9)))
        let cases: [([XPCAttachment], XPCWireDecodingError)] = [
            ([], .attachmentsMismatch(expected: [.fd], received: [], offset: 8)),
            ([endpoint], .attachmentsMismatch(expected: [.fd], received: [.endpoint], offset: 8)),
            ([.fd(FileDescriptor(rawValue: 3)), .fd(FileDescriptor(rawValue: 4))], .attachmentsMismatch(expected: [.fd], received: [.fd, .fd], offset: 8)),
        ]
        for (attachments, wireError) in cases {
            let error = try #require(CodableTesting.decodingError(File.self, fromBytes: bytes, attachments: attachments))
            #expect(error.caseName == "dataCorrupted")
            #expect(error.pathStrings == [])
            #expect(error.wireError == wireError)
        }
        let plain = try XPCEncoder().encode(Item(name: "a", count: 1)).bytes
        let extra = try #require(CodableTesting.decodingError(Item.self, fromBytes: plain, attachments: [endpoint]))
        #expect(extra.wireError == .attachmentsMismatch(expected: [], received: [.endpoint], offset: 8))
    }

    // MARK: Invalid and hostile bytes

    /// Bytes that are not a valid envelope: `dataCorrupted` at the root, the wire error underneath.
    static let invalidInputs: [(name: String, bytes: [UInt8], error: XPCWireDecodingError)] = {
        let valid = CodableTesting.envelope(body: [0x80])
        return [
            ("empty", [], .truncated(offset: 0)),
            ("header cut short", Array(valid.prefix(7)), .truncated(offset: 6)),
            ("wrong magic", [0x58, 0x50, 0x43, 0x58] + valid.dropFirst(4), .badMagic(offset: 0)),
            ("major version 2", Array(valid.prefix(4)) + [0x02] + valid.dropFirst(5), .unsupportedVersion(major: 2, minor: 0, offset: 4)),
            ("body length beyond input", Array(valid.prefix(13)) + [0x02, 0x80], .truncated(offset: 14)),
            ("trailing byte", valid + [0x00], .trailingBytes(offset: 15)),
            ("string cut short", CodableTesting.envelope(body: [0xa5, 0x61, 0x62]), .truncated(offset: 14)),
            ("str32 claiming 4 GiB", CodableTesting.envelope(body: [0xdb, 0xff, 0xff, 0xff, 0xff, 0x61]), .truncated(offset: 14)),
            ("bin32 claiming 4 GiB", CodableTesting.envelope(body: [0xc6, 0xff, 0xff, 0xff, 0xff, 0x00]), .truncated(offset: 14)),
            ("array32 claiming 4G elements", CodableTesting.envelope(body: [0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0]), .truncated(offset: 14)),
            ("map32 claiming 4G entries", CodableTesting.envelope(body: [0xdf, 0xff, 0xff, 0xff, 0xff, 0xa0, 0xc0]), .truncated(offset: 14)),
            (
                "key of a map cut short", CodableTesting.envelope(body: [0x81, 0xa4, 0x6e, 0x61]),
                .truncated(offset: 15)
            ),
            ("257 nested arrays", CodableTesting.envelope(body: [UInt8](repeating: 0x91, count: 256) + [0x90]), .depthLimitExceeded(limit: 256, offset: 270)),
            ("reserved byte", CodableTesting.envelope(body: [0xc1]), .reservedByte(offset: 14)),
            ("string with NUL", CodableTesting.envelope(body: [0x81, 0xa1, 0x76, 0xa3, 0x61, 0x00, 0x62]), .embeddedNUL(offset: 19)),
            ("duplicate key", CodableTesting.envelope(body: [0x82, 0xa1, 0x61, 0x01, 0xa1, 0x61, 0x02]), .duplicateKey("a", offset: 18)),
            ("unknown ext type", CodableTesting.envelope(body: [0xd4, 0x09, 0x00]), .unknownExtType(9, offset: 14)),
            ("fd slot without slot table", CodableTesting.envelope(body: [0xd5, 0x03, 0x00, 0x00]), .slotIndexOutOfRange(slot: 0, slotCount: 0, offset: 14)),
        ]
    }()

    @Test func invalidBytesAreDataCorruptedWithTheWireErrorAndItsOffset() throws {
        for input in Self.invalidInputs {
            for error in [
                CodableTesting.decodingError(Item.self, fromBytes: input.bytes),
                CodableTesting.decodingError(XPCMessage.self, fromBytes: input.bytes),
                CodableTesting.decodingError([[Int]].self, fromBytes: input.bytes),
            ] {
                let error = try #require(error, "\(input.name)")
                #expect(error.caseName == "dataCorrupted", "\(input.name): \(error)")
                #expect(error.pathStrings == [], "\(input.name)")
                #expect(error.wireError == input.error, "\(input.name): \(String(describing: error.wireError))")
                #expect(error.wireError?.offset == input.error.offset, "\(input.name)")
            }
        }
    }

    /// A recursive type decodes the deepest nesting the limits allow without trouble.
    struct Nest: Decodable {
        var children: [Nest]
        init(from decoder: any Decoder) throws { children = try decoder.singleValueContainer().decode([Nest].self) }

        var depth: Int {
            var depth = 1
            var level = self
            while let first = level.children.first {
                depth += 1
                level = first
            }
            return depth
        }
    }

    @Test func deepButValidNestingDecodesIntoARecursiveType() throws {
        let bytes = CodableTesting.envelope(body: [UInt8](repeating: 0x91, count: 255) + [0x90])
        #expect(try XPCDecoder().decode(Nest.self, from: bytes).depth == 256)
        let tooDeep = try #require(CodableTesting.decodingError(Nest.self, fromBytes: CodableTesting.envelope(body: [UInt8](repeating: 0x91, count: 256) + [0x90])))
        #expect(tooDeep.wireError == .depthLimitExceeded(limit: 256, offset: 270))
    }

    @Test func wireOptionsApplyToTheBytesPath() throws {
        var strict = XPCDecoder.Options()
        strict.wireOptions.requiresCanonicalEncoding = true
        let nonCanonical = CodableTesting.envelope(body: [0x81, 0xa1, 0x6e, 0xd0, 0x05])
        #expect(try XPCDecoder().decode([String: Int].self, from: nonCanonical) == ["n": 5])
        let strictError = try #require(CodableTesting.decodingError([String: Int].self, fromBytes: nonCanonical, decoder: XPCDecoder(options: strict)))
        #expect(strictError.wireError == .nonCanonical(.nonShortestInteger, offset: 17))

        var limited = XPCDecoder.Options()
        limited.wireOptions.limits.maximumStringLength = 2
        let long = CodableTesting.envelope(body: [0x81, 0xa1, 0x6e, 0xa3, 0x61, 0x62, 0x63])
        let limitError = try #require(CodableTesting.decodingError([String: String].self, fromBytes: long, decoder: XPCDecoder(options: limited)))
        #expect(limitError.wireError == .limitExceeded(.stringLength, value: 3, limit: 2, offset: 17))
    }

    // MARK: Unknown keys

    static var rejecting: XPCDecoder {
        var options = XPCDecoder.Options()
        options.unknownKeyPolicy = .reject
        return XPCDecoder(options: options)
    }

    @Test func unknownKeysAreIgnoredByDefault() throws {
        let message: XPCMessage = ["name": "bolt", "count": .int64(1), "color": "red", "extra": ["deep": .null]]
        #expect(try XPCDecoder().decode(Item.self, from: message) == Item(name: "bolt", count: 1))
    }

    @Test func rejectingUnknownKeysNamesTheKeyAndItsPath() throws {
        let cases: [(XPCMessage, path: [String], ints: [Int?])] = [
            (["name": "bolt", "count": .int64(1), "color": "red"], ["color"], [nil]),
        ]
        for (message, path, ints) in cases {
            let error = try #require(CodableTesting.decodingError(Item.self, from: message, decoder: Self.rejecting))
            #expect(error.caseName == "dataCorrupted")
            #expect(error.pathStrings == path)
            #expect(CodableTesting.ints(error.context.codingPath) == ints)
            #expect(error.context.debugDescription.contains("color"))
        }
        let nested = Self.orderMessage(owner: ["name": "ann", "since": .date(XPCDate(nanosecondsSinceReferenceDate: 0)), "nickname": "a"])
        let nestedError = try #require(CodableTesting.decodingError(Order.self, from: nested, decoder: Self.rejecting))
        #expect(nestedError.caseName == "dataCorrupted")
        #expect(nestedError.pathStrings == ["owner", "nickname"])

        let inArray = Self.orderMessage(items: [["name": "a", "count": .int64(1)], ["name": "b", "count": .int64(2), "color": "red"]])
        let arrayError = try #require(CodableTesting.decodingError(Order.self, from: inArray, decoder: Self.rejecting))
        #expect(arrayError.pathStrings == ["items", "Index 1", "color"])
        #expect(CodableTesting.ints(arrayError.context.codingPath) == [nil, 1, nil])

        // The same through the bytes path.
        let bytesError = try #require(CodableTesting.decodingError(Order.self, fromBytes: try XPCWireEncoder().encode(inArray), decoder: Self.rejecting))
        #expect(bytesError.pathStrings == ["items", "Index 1", "color"])
    }

    @Test func theFirstUnknownKeyReportedIsDeterministic() throws {
        // Containers in the order they were opened (the root first), keys in byte order.
        let message = Self.orderMessage(owner: ["name": "ann", "since": .date(XPCDate(nanosecondsSinceReferenceDate: 0)), "aa": .null])
        var withRootKeys = try #require(message.dictionaryValue)
        withRootKeys["zz"] = .null
        withRootKeys["yy"] = .null
        let error = try #require(CodableTesting.decodingError(Order.self, from: .dictionary(withRootKeys), decoder: Self.rejecting))
        #expect(error.pathStrings == ["yy"])
    }

    @Test func keysTheTypeReadsAreNeverUnknown() throws {
        let decoder = Self.rejecting
        // Optionals present as null or a value, dictionaries with any keys, dynamic payloads, enums, super.
        let order = Self.orderMessage()
        var withNote = try #require(order.dictionaryValue)
        withNote["note"] = .null
        #expect(try decoder.decode(Order.self, from: .dictionary(withNote)).note == nil)
        withNote["note"] = "hi"
        #expect(try decoder.decode(Order.self, from: .dictionary(withNote)).note == "hi")
        #expect(try decoder.decode([String: [String: Int]].self, from: ["a": ["x": .int64(1), "y": .int64(2)]]) == ["a": ["x": 1, "y": 2]])
        let dynamic: XPCMessage = ["op": "x", "log": .fd(slot: 0), "payload": ["anything": ["goes": .null]]]
        #expect(try decoder.decode(CodableMappingTests.Dynamic.self, from: dynamic, attachments: [.fd(FileDescriptor(rawValue: 1))]).op == "x")
        #expect(try decoder.decode(CodableMappingTests.Shape.self, from: ["sized": ["width": .int64(3), "_1": .int64(4)]]) == .sized(width: 3, 4))
        #expect(try decoder.decode(CodableMappingTests.Shape.self, from: ["empty": .dictionary([:])]) == .empty)
        let dog: XPCMessage = ["breed": "beagle", "super": ["legs": .int64(4), "name": "Rex"]]
        #expect(try decoder.decode(CodableMappingTests.Dog.self, from: dog).breed == "beagle")
        let nesting: XPCMessage = ["inner": ["x": .int64(1)], "list": [["last": .bool(true)], ["z"]]]
        #expect(try decoder.decode(CodableMappingTests.Nesting.self, from: nesting).x == 1)
    }

    /// A type that reads one dictionary through two keyed containers with different key types.
    struct SplitKeys: Decodable, Equatable {
        enum First: String, CodingKey { case a }
        enum Second: String, CodingKey { case b }
        var a: Int
        var b: String

        init(a: Int, b: String) {
            self.a = a
            self.b = b
        }

        init(from decoder: any Decoder) throws {
            a = try decoder.container(keyedBy: First.self).decode(Int.self, forKey: .a)
            b = try decoder.container(keyedBy: Second.self).decode(String.self, forKey: .b)
        }
    }

    @Test func aContainerOpenedTwiceWithTwoKeyTypesHasNoFalseUnknownKeys() throws {
        let decoder = Self.rejecting
        #expect(try decoder.decode(SplitKeys.self, from: ["a": .int64(1), "b": "x"]) == SplitKeys(a: 1, b: "x"))
        let list: XPCMessage = [["a": .int64(1), "b": "x"], ["a": .int64(2), "b": "y"]]
        #expect(try decoder.decode([SplitKeys].self, from: list) == [SplitKeys(a: 1, b: "x"), SplitKeys(a: 2, b: "y")])
        // A key neither container reads is still reported.
        let error = try #require(CodableTesting.decodingError([SplitKeys].self, from: [["a": .int64(1), "b": "x", "c": .bool(true)]], decoder: decoder))
        #expect(error.caseName == "dataCorrupted")
        #expect(error.pathStrings == ["Index 0", "c"])
    }

    /// A type that tries one shape and falls back to the raw message: the value is read in full.
    struct Fallback: Decodable {
        struct Typed: Decodable { var name: String }
        enum CodingKeys: String, CodingKey { case payload }
        var typedName: String?
        var raw: XPCMessage?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let typed = try? container.decode(Typed.self, forKey: .payload) {
                typedName = typed.name
            } else {
                raw = try container.decode(XPCMessage.self, forKey: .payload)
            }
        }
    }

    @Test func aValueReadAsAMessageAfterAFailedAttemptHasNoUnknownKeys() throws {
        let message: XPCMessage = ["payload": ["other": .int64(1)]]
        #expect(try XPCDecoder().decode(Fallback.self, from: message).raw == ["other": .int64(1)])
        let decoded = try Self.rejecting.decode(Fallback.self, from: message)
        #expect(decoded.raw == ["other": .int64(1)])
    }

    /// Two key types whose keys share an `intValue` but name different dictionaries.
    struct IntValuedKeys: Decodable {
        enum First: Int, CodingKey { case first = 1 }
        enum Second: Int, CodingKey { case second = 1 }
        struct X: Decodable { var x: Int }
        struct Y: Decodable { var y: Int }
        var x: X
        var y: Y

        init(from decoder: any Decoder) throws {
            x = try decoder.container(keyedBy: First.self).decode(X.self, forKey: .first)
            y = try decoder.container(keyedBy: Second.self).decode(Y.self, forKey: .second)
        }
    }

    @Test func unknownKeysAreFoundUnderKeysWithIntegerValues() throws {
        let message: XPCMessage = ["first": ["x": .int64(1)], "second": ["y": .int64(2), "junk": .int64(3)]]
        #expect(try XPCDecoder().decode(IntValuedKeys.self, from: message).y.y == 2)
        let error = try #require(CodableTesting.decodingError(IntValuedKeys.self, from: message, decoder: Self.rejecting))
        #expect(error.caseName == "dataCorrupted")
        #expect(error.pathStrings == ["second", "junk"])
    }

    @Test func unknownKeysAreFoundUnderNumericLookingStringKeys() throws {
        // `[String: T]` gives "01" and "1" coding keys with the same `intValue` 1; they are still
        // two different dictionaries.
        let message: XPCMessage = [
            "01": ["name": "a", "count": .int64(1)],
            "1": ["name": "b", "count": .int64(2), "junk": .bool(true)],
        ]
        #expect(try XPCDecoder().decode([String: Item].self, from: message).count == 2)
        let error = try #require(CodableTesting.decodingError([String: Item].self, from: message, decoder: Self.rejecting))
        #expect(error.caseName == "dataCorrupted")
        #expect(error.pathStrings == ["1", "junk"])
    }

    // MARK: Encoding errors

    struct Named: Codable, Equatable {
        var name: String
        var tags: [String]
    }

    @Test func aStringWithNULIsInvalidValueAtItsPath() throws {
        let cases: [(Named, path: [String], ints: [Int?])] = [
            (Named(name: "a\u{0}b", tags: []), ["name"], [nil]),
            (Named(name: "ok", tags: ["fine", "\u{0}"]), ["tags", "Index 1"], [nil, 1]),
        ]
        for (value, path, ints) in cases {
            for error in [CodableTesting.encodingError(value), CodableTesting.bytesEncodingError(value)] {
                let error = try #require(error, "\(path)")
                #expect(error.pathStrings == path)
                #expect(CodableTesting.ints(error.context.codingPath) == ints)
                guard case .invalidValue(let invalid, _) = error else { continue }
                #expect((invalid as? String)?.utf8.contains(0) == true)
            }
        }
        let top = try #require(CodableTesting.encodingError("\u{0}"))
        #expect(top.pathStrings == [])
        let wrapped = try #require(CodableTesting.encodingError(["wrapped": Wrapped(text: "x\u{0}")]))
        #expect(wrapped.pathStrings == ["wrapped"])
    }

    /// A single-value wrapper around a string.
    struct Wrapped: Encodable {
        var text: String
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(text)
        }
    }

    @Test func aKeyWithNULIsInvalidValueAtItsPath() throws {
        let dictionary = try #require(CodableTesting.encodingError(["outer": ["a\u{0}b": 1]]))
        #expect(dictionary.pathStrings == ["outer", "a\u{0}b"])
        let bytes = try #require(CodableTesting.bytesEncodingError(["a\u{0}b": 1]))
        #expect(bytes.pathStrings == ["a\u{0}b"])
    }

    /// A string with U+0000 inside an `XPCMessage` field passes the tree path as it is (the message
    /// is kept as it is) and fails the bytes path with the wire error, which names its message path.
    @Test func aStringWithNULInsideAMessageFieldFailsOnTheBytesPath() throws {
        let value = CodableMappingTests.Dynamic(op: "x", log: FileDescriptor(rawValue: 1), payload: ["s": "a\u{0}b"])
        var attachments: [XPCAttachment] = []
        let tree = try XPCEncoder().encodeMessage(value, attachments: &attachments)
        #expect(tree["payload"] == ["s": "a\u{0}b"])
        let error = try #require(CodableTesting.bytesEncodingError(value))
        #expect(error.context.underlyingError as? XPCWireEncodingError == .embeddedNUL(path: [.key("payload"), .key("s")]))
    }

    /// A descriptor written twice under one key: the last value wins, but both were attached, so
    /// the first attachment's slot is referenced by nothing and the bytes path cannot encode it.
    @Test func aDescriptorOverwrittenUnderOneKeyLeavesAnUnreferencedSlot() throws {
        struct Overwrite: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodableTestKey.self)
                try container.encode(FileDescriptor(rawValue: 3), forKey: CodableTestKey("f"))
                try container.encode(FileDescriptor(rawValue: 4), forKey: CodableTestKey("f"))
            }
        }
        var attachments: [XPCAttachment] = []
        let tree = try XPCEncoder().encodeMessage(Overwrite(), attachments: &attachments)
        #expect(tree == ["f": .fd(slot: 1)])
        #expect(attachments == [.fd(FileDescriptor(rawValue: 3)), .fd(FileDescriptor(rawValue: 4))])
        let error = try #require(CodableTesting.bytesEncodingError(Overwrite()))
        #expect(error.context.underlyingError as? XPCWireEncodingError == .unreferencedSlot(slot: 0))
    }

    /// Keys given to `nestedContainer(keyedBy:forKey:)`, `nestedUnkeyedContainer(forKey:)` and
    /// `superEncoder(forKey:)` are keys like any other (SPEC §2.3, §9.1.1).
    struct NULInNestedKey: Encodable {
        enum Way: String, CaseIterable, Sendable {
            case nestedContainer, nestedUnkeyedContainer, superEncoder
        }

        var way: Way

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodableTestKey.self)
            let key = CodableTestKey("bad\u{0}key")
            switch way {
            case .nestedContainer:
                var nested = container.nestedContainer(keyedBy: CodableTestKey.self, forKey: key)
                try nested.encode(1, forKey: CodableTestKey("x"))
            case .nestedUnkeyedContainer:
                var nested = container.nestedUnkeyedContainer(forKey: key)
                try nested.encode(1)
            case .superEncoder:
                try 1.encode(to: container.superEncoder(forKey: key))
            }
        }
    }

    @Test(arguments: NULInNestedKey.Way.allCases)
    func aKeyWithNULIsInvalidValueForNestedContainersToo(_ way: NULInNestedKey.Way) throws {
        let tree = CodableTesting.encodingError(NULInNestedKey(way: way))
        #expect(tree?.pathStrings == ["bad\u{0}key"])
        let bytes = CodableTesting.bytesEncodingError(NULInNestedKey(way: way))
        #expect(bytes?.pathStrings == ["bad\u{0}key"])
    }
}
