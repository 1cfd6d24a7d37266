// The Codable mapping (SPEC §9.1), both directions, through the tree path (`encodeMessage` /
// `decode(_:from: XPCMessage)`) and the bytes path (`encode` / `decode(_:from: [UInt8])`).
// Every expected message is written by hand.

import Foundation
import SystemPackage
import Testing
@testable import XPCWire

@Suite struct CodableMappingTests {
    // MARK: Models

    struct Scalars: Codable, Equatable {
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
    }

    struct Natives: Codable, Equatable {
        var data: Data
        var uuid: UUID
        var date: Date
        var url: URL
    }

    enum Shape: Codable, Equatable {
        case circle(radius: Double)
        case sized(width: Int, Int)
        case empty
        case pair(Int, String)
    }

    enum Level: String, Codable, Equatable {
        case low
        case high = "HIGH"
    }

    enum Code: Int, Codable, Equatable {
        case ok = 0
        case failed = 7
    }

    enum Tiny: UInt8, Codable, Equatable {
        case one = 1
    }

    struct Optionals: Codable, Equatable {
        var a: Int?
        var b: String?
        var c: Level?
    }

    /// Writes nothing at all.
    struct Nothing: Codable, Equatable {
        init() {}
        init(from decoder: any Decoder) throws {}
        func encode(to encoder: any Encoder) throws {}
    }

    struct HoldsNothing: Codable, Equatable {
        var n: Nothing
        var list: [Nothing]
    }

    struct EmptyStruct: Codable, Equatable {}

    /// A single-value wrapper.
    struct Meters: Codable, Equatable {
        var value: Int32
        init(_ value: Int32) { self.value = value }
        init(from decoder: any Decoder) throws { value = try decoder.singleValueContainer().decode(Int32.self) }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(value)
        }
    }

    /// Every kind of nested container, written and read by hand.
    struct Nesting: Codable, Equatable {
        var x: Int
        var ys: [Int]
        var last: Bool
        var tail: String

        init(x: Int, ys: [Int], last: Bool, tail: String) {
            self.x = x
            self.ys = ys
            self.last = last
            self.tail = tail
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodableTestKey.self)
            var inner = container.nestedContainer(keyedBy: CodableTestKey.self, forKey: CodableTestKey("inner"))
            try inner.encode(x, forKey: CodableTestKey("x"))
            var list = container.nestedUnkeyedContainer(forKey: CodableTestKey("list"))
            for y in ys { try list.encode(y) }
            var deeper = list.nestedContainer(keyedBy: CodableTestKey.self)
            try deeper.encode(last, forKey: CodableTestKey("last"))
            var tailList = list.nestedUnkeyedContainer()
            try tailList.encode(tail)
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodableTestKey.self)
            let inner = try container.nestedContainer(keyedBy: CodableTestKey.self, forKey: CodableTestKey("inner"))
            x = try inner.decode(Int.self, forKey: CodableTestKey("x"))
            var list = try container.nestedUnkeyedContainer(forKey: CodableTestKey("list"))
            var ys: [Int] = []
            while (list.count ?? 0) - list.currentIndex > 2 { ys.append(try list.decode(Int.self)) }
            self.ys = ys
            let deeper = try list.nestedContainer(keyedBy: CodableTestKey.self)
            last = try deeper.decode(Bool.self, forKey: CodableTestKey("last"))
            var tailList = try list.nestedUnkeyedContainer()
            tail = try tailList.decode(String.self)
        }
    }

    class Animal: Codable, Equatable {
        let name: String
        let legs: Int

        init(name: String, legs: Int) {
            self.name = name
            self.legs = legs
        }

        func isEqual(to other: Animal) -> Bool { name == other.name && legs == other.legs }

        static func == (lhs: Animal, rhs: Animal) -> Bool {
            type(of: lhs) == type(of: rhs) && lhs.isEqual(to: rhs)
        }
    }

    /// A subclass that puts its superclass under `super` (SPEC §9.1: superEncoder → key "super").
    final class Dog: Animal {
        let breed: String

        enum CodingKeys: String, CodingKey { case breed }

        init(name: String, legs: Int, breed: String) {
            self.breed = breed
            super.init(name: name, legs: legs)
        }

        required init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            breed = try container.decode(String.self, forKey: .breed)
            try super.init(from: container.superDecoder())
        }

        override func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(breed, forKey: .breed)
            try super.encode(to: container.superEncoder())
        }

        override func isEqual(to other: Animal) -> Bool {
            guard let other = other as? Dog else { return false }
            return breed == other.breed && super.isEqual(to: other)
        }
    }

    /// Uses `superEncoder(forKey:)` and the unkeyed `superEncoder()`.
    struct NamedSupers: Codable, Equatable {
        var base: Level
        var element: Int

        init(base: Level, element: Int) {
            self.base = base
            self.element = element
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodableTestKey.self)
            try base.encode(to: container.superEncoder(forKey: CodableTestKey("base")))
            var list = container.nestedUnkeyedContainer(forKey: CodableTestKey("list"))
            try element.encode(to: list.superEncoder())
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodableTestKey.self)
            base = try Level(from: container.superDecoder(forKey: CodableTestKey("base")))
            var list = try container.nestedUnkeyedContainer(forKey: CodableTestKey("list"))
            element = try Int(from: list.superDecoder())
        }
    }

    struct Attachments: Codable, Equatable {
        var output: FileDescriptor
        var service: XPCEndpointHandle
        var input: FileDescriptor
        var extra: [FileDescriptor]
    }

    struct Dynamic: Codable, Equatable {
        var op: String
        var log: FileDescriptor
        var payload: XPCMessage
    }

    struct Maps: Codable, Equatable {
        var byName: [String: Int]
        var byNumber: [Int: String]
    }

    // MARK: Scalars

    @Test func boolMapsToBool() throws {
        try CodableTesting.expectMapping(true, .bool(true))
        try CodableTesting.expectMapping(false, .bool(false))
    }

    @Test func signedIntegersMapToInt64() throws {
        try CodableTesting.expectMapping(Int(-5), .int64(-5))
        try CodableTesting.expectMapping(Int8.min, .int64(-128))
        try CodableTesting.expectMapping(Int16.max, .int64(32_767))
        try CodableTesting.expectMapping(Int32.min, .int64(-2_147_483_648))
        try CodableTesting.expectMapping(Int64.min, .int64(.min))
        try CodableTesting.expectMapping(Int64.max, .int64(.max))
        try CodableTesting.expectMapping(Int.max, .int64(.max))
        try CodableTesting.expectMapping(Int8(0), .int64(0))
    }

    @Test func unsignedIntegersMapToUInt64() throws {
        try CodableTesting.expectMapping(UInt(5), .uint64(5))
        try CodableTesting.expectMapping(UInt8(0), .uint64(0))
        try CodableTesting.expectMapping(UInt8.max, .uint64(255))
        try CodableTesting.expectMapping(UInt16.max, .uint64(65_535))
        try CodableTesting.expectMapping(UInt32.max, .uint64(4_294_967_295))
        try CodableTesting.expectMapping(UInt64.max, .uint64(.max))
        try CodableTesting.expectMapping(UInt.max, .uint64(.max))
    }

    @Test func everyScalarTypeInAStruct() throws {
        let value = Scalars(
            bool: true, int: -1, int8: -8, int16: 16, int32: -32, int64: .min, uint: 1, uint8: 8, uint16: 16,
            uint32: 32, uint64: .max, float: 0.5, double: -2.25, string: "héllo")
        let expected: XPCMessage = [
            "bool": .bool(true),
            "int": .int64(-1),
            "int8": .int64(-8),
            "int16": .int64(16),
            "int32": .int64(-32),
            "int64": .int64(.min),
            "uint": .uint64(1),
            "uint8": .uint64(8),
            "uint16": .uint64(16),
            "uint32": .uint64(32),
            "uint64": .uint64(.max),
            "float": .double(0.5),
            "double": .double(-2.25),
            "string": .string("héllo"),
        ]
        try CodableTesting.expectMapping(value, expected)
    }

    @Test func floatWidensExactlyToDouble() throws {
        let tenth: Float = 0.1
        var attachments: [XPCAttachment] = []
        let message = try XPCEncoder().encodeMessage(tenth, attachments: &attachments)
        #expect(message.doubleValue?.bitPattern == 0x3fb9_9999_a000_0000)
        try CodableTesting.expectMapping(tenth, .double(0.100_000_001_490_116_12))
        try CodableTesting.expectMapping(Float.greatestFiniteMagnitude, .double(3.402_823_466_385_288_6e38))
        try CodableTesting.expectMapping(-Float.greatestFiniteMagnitude, .double(-3.402_823_466_385_288_6e38))
        try CodableTesting.expectMapping(Float.leastNonzeroMagnitude, .double(1.401_298_464_324_817e-45))
        try CodableTesting.expectMapping(Float.leastNormalMagnitude, .double(1.175_494_350_822_287_5e-38))
        try CodableTesting.expectMapping(Float.infinity, .double(.infinity))
        try CodableTesting.expectMapping(-Float.infinity, .double(-.infinity))
        try CodableTesting.expectMapping(Float(-0.0), .double(-0.0))
    }

    @Test func floatDecodesFromDoubleRoundingToNearest() throws {
        let decoder = XPCDecoder()
        #expect(try decoder.decode(Float.self, from: .double(0.1)) == Float(0.1))
        // Just above the midpoint between 1 and 1 + 2^-23 rounds up; the exact midpoint goes to the even 1.
        #expect(try decoder.decode(Float.self, from: .double(1 + 0x1p-24 + 0x1p-40)) == 1 + 0x1p-23)
        #expect(try decoder.decode(Float.self, from: .double(1 + 0x1p-24)) == 1)
        #expect(try decoder.decode(Float.self, from: .double(1 + 0x1p-23 + 0x1p-24)) == 1 + 0x1p-22)
        #expect(try decoder.decode(Float.self, from: .double(Double(Float.greatestFiniteMagnitude))) == .greatestFiniteMagnitude)
        #expect(try decoder.decode(Float.self, from: .double(-Double(Float.greatestFiniteMagnitude))) == -.greatestFiniteMagnitude)
        #expect(try decoder.decode(Float.self, from: .double(.infinity)) == .infinity)
        #expect(try decoder.decode(Float.self, from: .double(.nan)).isNaN)
        #expect(try decoder.decode(Float.self, from: .double(-0.0)).bitPattern == Float(-0.0).bitPattern)
        // Below half the least subnormal, the nearest Float is zero: rounding, not an error.
        #expect(try decoder.decode(Float.self, from: .double(1e-46)) == 0)
        // Within half an ulp above Float.greatestFiniteMagnitude the nearest Float is still finite.
        let justAbove = Double(Float.greatestFiniteMagnitude).nextUp
        #expect(try decoder.decode(Float.self, from: .double(justAbove)) == .greatestFiniteMagnitude)
    }

    @Test func doublesAreCarriedBitExactly() throws {
        for bits: UInt64 in [0x8000_0000_0000_0000, 0x7ff8_dead_beef_0001, 0x7ff0_0000_0000_0001, 0x0000_0000_0000_0001, 0x7fef_ffff_ffff_ffff] {
            let value = Double(bitPattern: bits)
            var attachments: [XPCAttachment] = []
            let message = try XPCEncoder().encodeMessage(value, attachments: &attachments)
            #expect(message.doubleValue?.bitPattern == bits)
            #expect(try XPCDecoder().decode(Double.self, from: message).bitPattern == bits)
            let encoded = try XPCEncoder().encode(value)
            #expect(try XPCDecoder().decode(Double.self, from: encoded.bytes).bitPattern == bits)
        }
    }

    @Test func stringsMapToStringsByteForByte() throws {
        try CodableTesting.expectMapping("", .string(""))
        try CodableTesting.expectMapping("héllo 😀", .string("héllo 😀"))
        let decomposed = "e\u{301}"
        var attachments: [XPCAttachment] = []
        let message = try XPCEncoder().encodeMessage(decomposed, attachments: &attachments)
        #expect(message.stringValue.map { Array($0.utf8) } == [0x65, 0xcc, 0x81])
        let decoded = try XPCDecoder().decode(String.self, from: try XPCEncoder().encode(decomposed).bytes)
        #expect(Array(decoded.utf8) == [0x65, 0xcc, 0x81])
    }

    // MARK: Foundation types

    @Test func dataUUIDDateAndURLMapToTheirVariants() throws {
        let uuid = try #require(UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F"))
        let url = try #require(URL(string: "https://example.com/a/b?c=d#e"))
        let value = Natives(
            data: Data([0x00, 0x01, 0xff]), uuid: uuid, date: Date(timeIntervalSinceReferenceDate: 786_000_000.25), url: url)
        let expected: XPCMessage = [
            "data": .data([0x00, 0x01, 0xff]),
            "uuid": .uuid(uuid),
            "date": .date(XPCDate(nanosecondsSinceReferenceDate: 786_000_000_250_000_000)),
            "url": .string("https://example.com/a/b?c=d#e"),
        ]
        try CodableTesting.expectMapping(value, expected)
        try CodableTesting.expectMapping(Data(), .data([]))
    }

    @Test func urlEncodesItsAbsoluteString() throws {
        let base = try #require(URL(string: "https://example.com/dir/"))
        let relative = try #require(URL(string: "file.txt", relativeTo: base))
        try CodableTesting.expectEncoding(relative, .string("https://example.com/dir/file.txt"))
        #expect(try XPCDecoder().decode(URL.self, from: .string("https://example.com/dir/file.txt")) == relative.absoluteURL)
    }

    @Test func datesAreWholeNanosecondsSinceTheReferenceDate() throws {
        try CodableTesting.expectMapping(Date(timeIntervalSinceReferenceDate: 0), .date(XPCDate(nanosecondsSinceReferenceDate: 0)))
        try CodableTesting.expectMapping(Date(timeIntervalSinceReferenceDate: -0.25), .date(XPCDate(nanosecondsSinceReferenceDate: -250_000_000)))
        try CodableTesting.expectMapping(Date(timeIntervalSinceReferenceDate: 12.5), .date(XPCDate(nanosecondsSinceReferenceDate: 12_500_000_000)))
        try CodableTesting.expectMapping(
            Date(timeIntervalSince1970: 0), .date(XPCDate(nanosecondsSinceReferenceDate: -978_307_200_000_000_000)))
        // Decoding gives seconds + nanoseconds / 10^9 as a Double.
        #expect(try XPCDecoder().decode(Date.self, from: .date(XPCDate(nanosecondsSinceReferenceDate: 1))) == Date(timeIntervalSinceReferenceDate: 1e-9))
    }

    @Test func dateRoundsToTheNearestNanosecondTiesToEven() throws {
        // 2^-10 s is exactly 976,562.5 ns: a tie, which goes to the even 976,562.
        try CodableTesting.expectEncoding(Date(timeIntervalSinceReferenceDate: 0x1p-10), .date(XPCDate(nanosecondsSinceReferenceDate: 976_562)))
        try CodableTesting.expectEncoding(Date(timeIntervalSinceReferenceDate: -0x1p-10), .date(XPCDate(nanosecondsSinceReferenceDate: -976_562)))
        // 3 × 2^-10 s is 2,929,687.5 ns: to the even 2,929,688.
        try CodableTesting.expectEncoding(Date(timeIntervalSinceReferenceDate: 3 * 0x1p-10), .date(XPCDate(nanosecondsSinceReferenceDate: 2_929_688)))
        // 1.4 ns rounds down, 1.6 ns up.
        try CodableTesting.expectEncoding(Date(timeIntervalSinceReferenceDate: 1.4e-9), .date(XPCDate(nanosecondsSinceReferenceDate: 1)))
        try CodableTesting.expectEncoding(Date(timeIntervalSinceReferenceDate: 1.6e-9), .date(XPCDate(nanosecondsSinceReferenceDate: 2)))
    }

    /// SPEC §9.1.1: a `Date` at least 2^23 s from 2001 decodes to exactly the `Date` encoded.
    @Test func farDatesComeBackExactly() throws {
        let seconds: [Double] = [
            0x1p23, -0x1p23, 786_000_000.1, -786_000_000.3, 786_000_000 + 0x1p-10, 9_000_000_000.123,
            -9_000_000_000.987, 0x1p23.nextUp, 1_234_567_890.000_000_1,
        ]
        for value in seconds {
            let date = Date(timeIntervalSinceReferenceDate: value)
            let encoded = try XPCEncoder().encode(date)
            #expect(try XPCDecoder().decode(Date.self, from: encoded.bytes) == date, "\(value)")
        }
        // Nearer 2001, digits below the nanosecond are rounded away.
        let near = Date(timeIntervalSinceReferenceDate: 1.000_000_000_4)
        let back = try XPCDecoder().decode(Date.self, from: try XPCEncoder().encode(near).bytes)
        #expect(back == Date(timeIntervalSinceReferenceDate: 1))
    }

    @Test func datesOutsideTheInt64NanosecondRangeDoNotEncode() throws {
        struct Stamp: Encodable { var when: Date }
        // The range is -2^63 … 2^63-1 ns: ±9,223,372,036.854… s.
        try CodableTesting.expectEncoding(
            Stamp(when: Date(timeIntervalSinceReferenceDate: 9_223_372_036)),
            ["when": .date(XPCDate(nanosecondsSinceReferenceDate: 9_223_372_036_000_000_000))])
        try CodableTesting.expectEncoding(
            Stamp(when: Date(timeIntervalSinceReferenceDate: -9_223_372_036)),
            ["when": .date(XPCDate(nanosecondsSinceReferenceDate: -9_223_372_036_000_000_000))])
        let outOfRange: [Double] = [
            9_223_372_037, -9_223_372_037, Date.distantFuture.timeIntervalSinceReferenceDate,
            Date.distantPast.timeIntervalSinceReferenceDate, .infinity, -.infinity, .nan,
        ]
        for seconds in outOfRange {
            let value = Stamp(when: Date(timeIntervalSinceReferenceDate: seconds))
            let tree = try #require(CodableTesting.encodingError(value), "\(seconds)")
            #expect(tree.pathStrings == ["when"], "\(seconds)")
            #expect(tree.context.underlyingError is XPCDate.OutOfRangeError, "\(seconds)")
            guard case .invalidValue(let invalid, _) = tree else { continue }
            #expect(invalid is Date)
            let bytes = try #require(CodableTesting.bytesEncodingError(value), "\(seconds)")
            #expect(bytes.pathStrings == ["when"], "\(seconds)")
        }
    }

    /// The rule rounds the `Double`'s exact value, not the product `fraction × 10^9` after it has
    /// already been rounded to a `Double` (SPEC §9.1.1).
    @Test func dateRoundingUsesTheExactValueOfTheDouble() throws {
        // 786,000,000 + 2^-10 s is exactly 786,000,000,000,976,562.5 ns: a tie, to the even …562.
        try CodableTesting.expectEncoding(
            Date(timeIntervalSinceReferenceDate: 786_000_000 + 0x1p-10),
            .date(XPCDate(nanosecondsSinceReferenceDate: 786_000_000_000_976_562)))
        // The Double nearest 5e-10 is 5.000000000000000104e-10 s: above half a nanosecond, so 1 ns.
        try CodableTesting.expectEncoding(Date(timeIntervalSinceReferenceDate: 5e-10), .date(XPCDate(nanosecondsSinceReferenceDate: 1)))
    }

    // MARK: Attachments

    @Test func fileDescriptorsAndEndpointsBecomeSlotsInEncounterOrder() throws {
        let value = Attachments(
            output: FileDescriptor(rawValue: 7), service: XPCEndpointHandle(fileDescriptor: FileDescriptor(rawValue: 9)),
            input: FileDescriptor(rawValue: 3), extra: [FileDescriptor(rawValue: 11), FileDescriptor(rawValue: 7)])
        // Slots follow the order the values were encoded in, not the key order.
        let expected: XPCMessage = [
            "output": .fd(slot: 0),
            "service": .endpoint(slot: 1),
            "input": .fd(slot: 2),
            "extra": [.fd(slot: 3), .fd(slot: 4)],
        ]
        let attachments: [XPCAttachment] = [
            .fd(FileDescriptor(rawValue: 7)), .endpoint(XPCEndpointHandle(fileDescriptor: FileDescriptor(rawValue: 9))),
            .fd(FileDescriptor(rawValue: 3)), .fd(FileDescriptor(rawValue: 11)), .fd(FileDescriptor(rawValue: 7)),
        ]
        try CodableTesting.expectMapping(value, expected, attachments: attachments)
        let encoded = try XPCEncoder().encode(value)
        #expect(try XPCWireDecoder().decodeEnvelope(encoded.bytes).slots == [.fd, .endpoint, .fd, .fd, .fd])
    }

    @Test func attachmentsAlreadyGivenKeepTheirSlots() throws {
        var attachments: [XPCAttachment] = [.fd(FileDescriptor(rawValue: 20))]
        let message = try XPCEncoder().encodeMessage(["late": FileDescriptor(rawValue: 21)], attachments: &attachments)
        #expect(message == ["late": .fd(slot: 1)])
        #expect(attachments == [.fd(FileDescriptor(rawValue: 20)), .fd(FileDescriptor(rawValue: 21))])
    }

    @Test func encodeMessageWithoutAttachmentsRefusesDescriptors() throws {
        let error = try #require(CodableTesting.encodingErrorWithoutAttachments(["f": FileDescriptor(rawValue: 4)]))
        #expect(error.pathStrings == [])
        // Without fds the convenience form works.
        #expect(try XPCEncoder().encodeMessage(["n": 1]) == ["n": .int64(1)])
    }

    // MARK: XPCMessage

    @Test func xpcMessageEncodesAsItself() throws {
        let message: XPCMessage = ["a": .uint64(1), "b": [.null, .double(0.5)], "c": .date(XPCDate(nanosecondsSinceReferenceDate: -1))]
        try CodableTesting.expectMapping(message, message)
        try CodableTesting.expectMapping(XPCMessage.null, .null)
        try CodableTesting.expectMapping(XPCMessage.int64(3), .int64(3))
    }

    @Test func xpcMessageFieldCarriesADynamicPayloadWithSlots() throws {
        // The payload refers to slot 0, which the `log` descriptor fills.
        let payload: XPCMessage = ["files": [.fd(slot: 0)], "mode": .uint64(0o644), "null": .null]
        let value = Dynamic(op: "open", log: FileDescriptor(rawValue: 5), payload: payload)
        let expected: XPCMessage = ["log": .fd(slot: 0), "op": "open", "payload": payload]
        try CodableTesting.expectMapping(value, expected, attachments: [.fd(FileDescriptor(rawValue: 5))])
    }

    @Test func xpcMessagePayloadCanReferToAttachmentsGivenUpFront() throws {
        let payload: XPCMessage = ["socket": .endpoint(slot: 0), "again": .endpoint(slot: 0)]
        let value = Dynamic(op: "connect", log: FileDescriptor(rawValue: 6), payload: payload)
        let endpoint = XPCAttachment.endpoint(XPCEndpointHandle(fileDescriptor: FileDescriptor(rawValue: 30)))
        var attachments: [XPCAttachment] = [endpoint]
        let message = try XPCEncoder().encodeMessage(value, attachments: &attachments)
        let expected: XPCMessage = ["log": .fd(slot: 1), "op": "connect", "payload": payload]
        #expect(message == expected)
        #expect(attachments == [endpoint, .fd(FileDescriptor(rawValue: 6))])
        let bytes = try XPCWireEncoder().encode(message, attachments: attachments)
        #expect(try XPCDecoder().decode(Dynamic.self, from: bytes, attachments: attachments) == value)
    }

    // MARK: Containers

    @Test func keyedContainersBecomeDictionariesInByteOrder() throws {
        struct Keys: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodableTestKey.self)
                for (key, value) in [("z", 1), ("é", 2), ("e\u{301}", 3), ("B", 4), ("", 5), ("aa", 6), ("a", 7)] {
                    try container.encode(value, forKey: CodableTestKey(key))
                }
            }
        }
        var attachments: [XPCAttachment] = []
        let message = try XPCEncoder().encodeMessage(Keys(), attachments: &attachments)
        let keys = try #require(message.dictionaryValue).keys
        let expectedKeys: [[UInt8]] = [[], [0x42], [0x61], [0x61, 0x61], [0x65, 0xcc, 0x81], [0x7a], [0xc3, 0xa9]]
        #expect(keys.map { Array($0.utf8) } == expectedKeys)
        #expect(message["é"] == .int64(2))
        #expect(message["e\u{301}"] == .int64(3))
        // Body: fixmap of 7, keys in that order.
        let bytes = try XPCEncoder().encode(Keys()).bytes
        #expect(Array(bytes[14...17]) == [0x87, 0xa0, 0x05, 0xa1])
    }

    @Test func aKeyWrittenTwiceKeepsTheLastValue() throws {
        struct Twice: Codable, Equatable {
            var value: Int
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodableTestKey.self)
                try container.encode("first", forKey: CodableTestKey("k"))
                var nested = container.nestedContainer(keyedBy: CodableTestKey.self, forKey: CodableTestKey("k"))
                try nested.encode(true, forKey: CodableTestKey("inner"))
                try container.encode(1, forKey: CodableTestKey("other"))
                try container.encode(value, forKey: CodableTestKey("k"))
            }
            init(value: Int) { self.value = value }
            init(from decoder: any Decoder) throws {
                value = try decoder.container(keyedBy: CodableTestKey.self).decode(Int.self, forKey: CodableTestKey("k"))
            }
        }
        try CodableTesting.expectMapping(Twice(value: 42), ["k": .int64(42), "other": .int64(1)])
    }

    @Test func nestedContainersNest() throws {
        let value = Nesting(x: 1, ys: [2, 3], last: true, tail: "z")
        let expected: XPCMessage = [
            "inner": ["x": .int64(1)],
            "list": [.int64(2), .int64(3), ["last": .bool(true)], [.string("z")]],
        ]
        try CodableTesting.expectMapping(value, expected)
    }

    @Test func unkeyedContainersBecomeArrays() throws {
        try CodableTesting.expectMapping([Int](), .array([]))
        try CodableTesting.expectMapping([1, 2, 3], [.int64(1), .int64(2), .int64(3)])
        try CodableTesting.expectMapping([[UInt8(1)], []], [[.uint64(1)], []])
        try CodableTesting.expectMapping([Int?.some(1), nil], [.int64(1), .null])
    }

    @Test func singleValueContainersBecomeTheValue() throws {
        try CodableTesting.expectMapping(Meters(12), .int64(12))
        try CodableTesting.expectMapping(["m": Meters(-1)], ["m": .int64(-1)])
    }

    @Test func aValueThatEncodesNothingIsAnEmptyDictionary() throws {
        try CodableTesting.expectMapping(Nothing(), .dictionary([:]))
        try CodableTesting.expectMapping(EmptyStruct(), .dictionary([:]))
        let expected: XPCMessage = ["n": .dictionary([:]), "list": [.dictionary([:]), .dictionary([:])]]
        try CodableTesting.expectMapping(HoldsNothing(n: Nothing(), list: [Nothing(), Nothing()]), expected)
    }

    // MARK: Optionals

    @Test func nilOptionalsOmitTheKeyByDefault() throws {
        try CodableTesting.expectMapping(Optionals(a: nil, b: "x", c: nil), ["b": "x"])
        try CodableTesting.expectMapping(Optionals(a: 0, b: nil, c: .low), ["a": .int64(0), "c": "low"])
        try CodableTesting.expectMapping(Optionals(a: nil, b: nil, c: nil), .dictionary([:]))
    }

    @Test func nullStrategyWritesNull() throws {
        var options = XPCEncoder.Options()
        options.nilEncodingStrategy = .null
        let encoder = XPCEncoder(options: options)
        try CodableTesting.expectMapping(Optionals(a: nil, b: "x", c: nil), ["a": .null, "b": "x", "c": .null], encoder: encoder)
        try CodableTesting.expectMapping(Optionals(a: 1, b: nil, c: .high), ["a": .int64(1), "b": .null, "c": "HIGH"], encoder: encoder)
    }

    @Test func explicitEncodeNilAlwaysWritesNull() throws {
        struct Explicit: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodableTestKey.self)
                try container.encodeNil(forKey: CodableTestKey("gone"))
                try container.encode(Int?.none, forKey: CodableTestKey("optional"))
            }
        }
        try CodableTesting.expectEncoding(Explicit(), ["gone": .null, "optional": .null])
    }

    @Test func missingKeysAndNullsDecodeAsNilOptionals() throws {
        let decoder = XPCDecoder()
        let nothing = Optionals(a: nil, b: nil, c: nil)
        #expect(try decoder.decode(Optionals.self, from: .dictionary([:])) == nothing)
        #expect(try decoder.decode(Optionals.self, from: ["a": .null, "b": .null, "c": .null]) == nothing)
        #expect(try decoder.decode(Optionals.self, from: ["a": .uint64(3), "c": .null]) == Optionals(a: 3, b: nil, c: nil))
    }

    @Test func topLevelNilIsNull() throws {
        try CodableTesting.expectMapping(Int?.none, .null)
        try CodableTesting.expectMapping(Int?.some(2), .int64(2))
    }

    // MARK: Inheritance and super encoders

    @Test func subclassPutsItsSuperclassUnderSuper() throws {
        let dog = Dog(name: "Rex", legs: 4, breed: "beagle")
        let expected: XPCMessage = ["breed": "beagle", "super": ["legs": .int64(4), "name": "Rex"]]
        var attachments: [XPCAttachment] = []
        #expect(try XPCEncoder().encodeMessage(dog, attachments: &attachments) == expected)
        let decoded = try XPCDecoder().decode(Dog.self, from: expected)
        #expect(decoded == dog)
        let bytes = try XPCEncoder().encode(dog).bytes
        #expect(bytes == (try XPCWireEncoder().encode(expected)))
        #expect(try XPCDecoder().decode(Dog.self, from: bytes) == dog)
    }

    @Test func aSubclassSharingItsEncoderWritesOneDictionary() throws {
        final class Puppy: Animal {
            let age: Int
            enum CodingKeys: String, CodingKey { case age }
            init(name: String, age: Int) {
                self.age = age
                super.init(name: name, legs: 4)
            }
            required init(from decoder: any Decoder) throws {
                age = try decoder.container(keyedBy: CodingKeys.self).decode(Int.self, forKey: .age)
                try super.init(from: decoder)
            }
            override func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(age, forKey: .age)
                try super.encode(to: encoder)
            }
            override func isEqual(to other: Animal) -> Bool { (other as? Puppy)?.age == age && super.isEqual(to: other) }
        }
        let expected: XPCMessage = ["age": .int64(1), "legs": .int64(4), "name": "Bo"]
        var attachments: [XPCAttachment] = []
        #expect(try XPCEncoder().encodeMessage(Puppy(name: "Bo", age: 1), attachments: &attachments) == expected)
        #expect(try XPCDecoder().decode(Puppy.self, from: expected) == Puppy(name: "Bo", age: 1))
    }

    /// Asking twice for a nested container at one key gives the same container, so both
    /// writers' entries survive (as with `JSONEncoder`, SPEC §9.1.2).
    @Test func aNestedContainerOpenedTwiceForOneKeyIsMerged() throws {
        struct TwoNested: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodableTestKey.self)
                var first = container.nestedContainer(keyedBy: CodableTestKey.self, forKey: CodableTestKey("meta"))
                try first.encode(1, forKey: CodableTestKey("fromBase"))
                var second = container.nestedContainer(keyedBy: CodableTestKey.self, forKey: CodableTestKey("meta"))
                try second.encode(2, forKey: CodableTestKey("fromSub"))
            }
        }
        try CodableTesting.expectEncoding(TwoNested(), ["meta": ["fromBase": .int64(1), "fromSub": .int64(2)]])
    }

    @Test func namedAndUnkeyedSuperEncoders() throws {
        let expected: XPCMessage = ["base": "HIGH", "list": [.int64(5)]]
        try CodableTesting.expectMapping(NamedSupers(base: .high, element: 5), expected)
    }

    @Test func aSuperEncoderThatWritesNothingIsAnEmptyDictionary() throws {
        struct Silent: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodableTestKey.self)
                _ = container.superEncoder()
                try container.encode(1, forKey: CodableTestKey("n"))
            }
        }
        try CodableTesting.expectEncoding(Silent(), ["n": .int64(1), "super": .dictionary([:])])
    }

    // MARK: Enums

    @Test func enumsWithAssociatedValuesUseSwiftsSynthesizedShape() throws {
        try CodableTesting.expectMapping(Shape.circle(radius: 1.5), ["circle": ["radius": .double(1.5)]])
        try CodableTesting.expectMapping(Shape.sized(width: 3, 4), ["sized": ["width": .int64(3), "_1": .int64(4)]])
        try CodableTesting.expectMapping(Shape.empty, ["empty": .dictionary([:])])
        try CodableTesting.expectMapping(Shape.pair(1, "a"), ["pair": ["_0": .int64(1), "_1": "a"]])
    }

    @Test func rawValueEnumsUseTheirRawValue() throws {
        try CodableTesting.expectMapping(Level.high, .string("HIGH"))
        try CodableTesting.expectMapping(Level.low, .string("low"))
        try CodableTesting.expectMapping(Code.failed, .int64(7))
        try CodableTesting.expectMapping(Tiny.one, .uint64(1))
    }

    // MARK: Dictionaries

    @Test func stringAndIntKeyedDictionariesBecomeDictionaries() throws {
        let value = Maps(byName: ["zeta": 1, "alpha": -2], byNumber: [1: "one", 20: "twenty", 2: "two", -3: "minus three"])
        // Int keys become their decimal strings, sorted as bytes: "-3" < "1" < "2" < "20".
        let expected: XPCMessage = [
            "byName": ["alpha": .int64(-2), "zeta": .int64(1)],
            "byNumber": ["-3": "minus three", "1": "one", "2": "two", "20": "twenty"],
        ]
        try CodableTesting.expectMapping(value, expected)
        let keys = try #require(expected["byNumber"]?.dictionaryValue).keys
        #expect(keys == ["-3", "1", "2", "20"])
    }

    @Test func otherKeyTypesBecomeAnArrayOfAlternatingKeysAndValues() throws {
        try CodableTesting.expectMapping([true: "yes"], [.bool(true), .string("yes")])
        try CodableTesting.expectMapping([Bool: String](), .array([]))
        // Two entries: the pairs come in the dictionary's iteration order.
        let both: [Bool: String] = [true: "yes", false: "no"]
        var attachments: [XPCAttachment] = []
        let message = try XPCEncoder().encodeMessage(both, attachments: &attachments)
        let trueFirst: XPCMessage = [.bool(true), "yes", .bool(false), "no"]
        let falseFirst: XPCMessage = [.bool(false), "no", .bool(true), "yes"]
        #expect(message == trueFirst || message == falseFirst)
        #expect(try XPCDecoder().decode([Bool: String].self, from: message) == both)
    }

    enum Color: String, Codable, CodingKeyRepresentable {
        case red, blue
    }

    /// Keys that are `CodingKeyRepresentable` are keyed by Swift's `Dictionary` conformance, like
    /// `String` and `Int` keys; only other key types give the alternating array.
    @Test func codingKeyRepresentableKeysBecomeDictionaries() throws {
        try CodableTesting.expectMapping([Color.red: 1, .blue: 2], ["blue": .int64(2), "red": .int64(1)])
    }

    // MARK: userInfo

    struct UserInfoProbe: Codable {
        static let key = CodingUserInfoKey(rawValue: "xpcwire.test.tag")!
        var seenWhenDecoding: String?
        var child: Child

        struct Child: Codable {
            var seenWhenDecoding: String?
            init() {}
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodableTestKey.self)
                try container.encode(encoder.userInfo[UserInfoProbe.key] as? String ?? "none", forKey: CodableTestKey("tag"))
            }
            init(from decoder: any Decoder) throws {
                seenWhenDecoding = decoder.userInfo[UserInfoProbe.key] as? String
            }
        }

        init() { child = Child() }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodableTestKey.self)
            try container.encode(encoder.userInfo[Self.key] as? String ?? "none", forKey: CodableTestKey("tag"))
            try container.encode(child, forKey: CodableTestKey("child"))
        }

        init(from decoder: any Decoder) throws {
            seenWhenDecoding = decoder.userInfo[Self.key] as? String
            child = try decoder.container(keyedBy: CodableTestKey.self).decode(Child.self, forKey: CodableTestKey("child"))
        }
    }

    @Test func userInfoReachesEncodeAndInitFromAtEveryLevel() throws {
        let encoder = XPCEncoder(userInfo: [UserInfoProbe.key: "from-encoder"])
        var attachments: [XPCAttachment] = []
        let message = try encoder.encodeMessage(UserInfoProbe(), attachments: &attachments)
        let expected: XPCMessage = ["tag": "from-encoder", "child": ["tag": "from-encoder"]]
        #expect(message == expected)
        #expect(try encoder.encode(UserInfoProbe()).bytes == (try XPCWireEncoder().encode(expected)))

        let decoder = XPCDecoder(userInfo: [UserInfoProbe.key: "from-decoder"])
        let fromTree = try decoder.decode(UserInfoProbe.self, from: message)
        #expect(fromTree.seenWhenDecoding == "from-decoder")
        #expect(fromTree.child.seenWhenDecoding == "from-decoder")
        let fromBytes = try decoder.decode(UserInfoProbe.self, from: try XPCWireEncoder().encode(expected))
        #expect(fromBytes.child.seenWhenDecoding == "from-decoder")
        #expect(try XPCDecoder().decode(UserInfoProbe.self, from: message).child.seenWhenDecoding == nil)
    }

    // MARK: Integer leniency across int64 and uint64

    @Test func integersDecodeAcrossSignednessWhenTheValueFits() throws {
        let decoder = XPCDecoder()
        #expect(try decoder.decode(Int8.self, from: .uint64(5)) == 5)
        #expect(try decoder.decode(UInt16.self, from: .int64(5)) == 5)
        #expect(try decoder.decode(UInt64.self, from: .int64(.max)) == UInt64(Int64.max))
        #expect(try decoder.decode(Int64.self, from: .uint64(UInt64(Int64.max))) == .max)
        #expect(try decoder.decode(Int.self, from: .uint64(0)) == 0)
        #expect(try decoder.decode(UInt8.self, from: .int64(255)) == 255)
        #expect(try decoder.decode(Int8.self, from: .int64(-128)) == -128)
        #expect(try decoder.decode([Int32].self, from: [.uint64(1), .int64(-1)]) == [1, -1])
    }

    @Test func integersThatDoNotFitAreDataCorrupted() throws {
        for (message, type): (XPCMessage, any Decodable.Type) in [
            (.int64(-1), UInt.self), (.int64(300), Int8.self), (.uint64(.max), Int64.self),
            (.int64(.min), UInt64.self), (.uint64(256), UInt8.self), (.int64(-129), Int8.self),
            (.uint64(UInt64(UInt32.max) + 1), UInt32.self), (.int64(Int64(Int32.min) - 1), Int32.self),
        ] {
            let error = try #require(CodableTesting.decodingErrorUnderKeyN(type, ["n": message]), "\(type) from \(message)")
            #expect(error.caseName == "dataCorrupted", "\(type) from \(message): \(error)")
            #expect(error.pathStrings == ["n"])
        }
    }
}

extension CodableTesting {
    /// The error of `encodeMessage(_:)`, the form that refuses attachments.
    static func encodingErrorWithoutAttachments<T: Encodable>(
        _ value: T, sourceLocation: SourceLocation = #_sourceLocation
    ) -> EncodingError? {
        do {
            let message = try XPCEncoder().encodeMessage(value)
            Issue.record("encoded \(message) instead of failing", sourceLocation: sourceLocation)
        } catch let error as EncodingError {
            return error
        } catch {
            Issue.record("threw \(error), not an EncodingError", sourceLocation: sourceLocation)
        }
        return nil
    }

    /// Decoding `message` as `[String: T]`, with `T` only known at run time.
    static func decodingErrorUnderKeyN(_ type: any Decodable.Type, _ message: XPCMessage) -> DecodingError? {
        func open<T: Decodable>(_ type: T.Type) -> DecodingError? {
            decodingError([String: T].self, from: message)
        }
        return open(type)
    }
}
