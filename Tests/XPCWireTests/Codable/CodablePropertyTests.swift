// Property-based tests of the Codable bridge (SPEC §9.1) with x-sheep/swift-property-based:
// random typed values round-trip on both paths, the bytes path is the tree path's canonical
// encoding, and damaged bytes give a value or a DecodingError, never a crash.

import Foundation
import PropertyBased
import SystemPackage
import Testing
@testable import XPCWire

// MARK: - A type that uses every part of the mapping

/// A `Double` compared by bit pattern, so NaN payloads and -0.0 count.
struct BitExactDouble: Codable, Equatable, CustomStringConvertible {
    var value: Double
    init(_ value: Double) { self.value = value }
    init(from decoder: any Decoder) throws { value = try decoder.singleValueContainer().decode(Double.self) }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
    static func == (lhs: Self, rhs: Self) -> Bool { lhs.value.bitPattern == rhs.value.bitPattern }
    var description: String { "\(value) (0x\(String(value.bitPattern, radix: 16)))" }
}

struct RandomRecord: Codable, Equatable {
    enum Level: String, Codable, Equatable, CaseIterable { case low, mid, high }

    enum Shape: Codable, Equatable {
        case circle(radius: Int)
        case sized(width: UInt16, Int8)
        case named(String)
        case empty
    }

    struct Part: Codable, Equatable {
        var name: String
        var weight: Double?
        var tags: [String]
        var level: Level
    }

    var flag: Bool
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
    var double: BitExactDouble
    var text: String
    var optionalInt: Int?
    var optionalText: String?
    var optionalPart: Part?
    var parts: [Part]
    var counts: [String: Int]
    var names: [Int: String]
    var shape: Shape
    var shapes: [Shape]
    /// A multiple of a quarter second, so every encoding is exact.
    var date: Date
    /// At least 2^23 s from 2001, where SPEC §9.1.1 promises an exact round trip.
    var farDate: Date
    var id: UUID
    var blob: Data
    var files: [FileDescriptor]
    var service: XPCEndpointHandle?
    var extra: XPCMessage
}

enum CodableRandom {
    static func int<T: FixedWidthInteger, R: RandomNumberGenerator>(_ type: T.Type, using rng: inout R) -> T {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return [T.min, T.max, 0, 1].randomElement(using: &rng)!
        case 1: return T(truncatingIfNeeded: Int8.random(in: -40...100, using: &rng))
        default: return T.random(in: T.min...T.max, using: &rng)
        }
    }

    static func float<R: RandomNumberGenerator>(using rng: inout R) -> Float {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0:
            return [Float.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, .leastNormalMagnitude,
                    .infinity, -.infinity, 0, -0.0, 0.1].randomElement(using: &rng)!
        case 1: return Float.random(in: -1000...1000, using: &rng)
        default:
            // Any bit pattern but NaN (`Float` NaN is not equal to itself).
            let value = Float(bitPattern: UInt32.random(in: 0 ... .max, using: &rng))
            return value.isNaN ? 1.5 : value
        }
    }

    static func double<R: RandomNumberGenerator>(using rng: inout R) -> Double {
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: return Double.random(in: -1e9...1e9, using: &rng)
        default: return Double(bitPattern: UInt64.random(in: 0 ... .max, using: &rng))  // NaN payloads included
        }
    }

    static func string<R: RandomNumberGenerator>(maximumLength: Int = 12, using rng: inout R) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...maximumLength, using: &rng) {
            let value: UInt32
            switch Int.random(in: 0..<6, using: &rng) {
            case 0, 1: value = UInt32.random(in: 0x61...0x7a, using: &rng)
            case 2: value = UInt32.random(in: 0x01...0x7f, using: &rng)
            case 3: value = UInt32.random(in: 0x300...0x36f, using: &rng)  // combining marks
            case 4: value = [0xe9, 0x212b, 0xfeff, 0xffff, 0x7ff, 0x800].randomElement(using: &rng)!
            default: value = UInt32.random(in: 0x1_0000...0x10_ffff, using: &rng)
            }
            scalars.append(Unicode.Scalar(value)!)
        }
        return String(scalars)
    }

    static func optional<T, R: RandomNumberGenerator>(_ make: (inout R) -> T, using rng: inout R) -> T? {
        Bool.random(using: &rng) ? make(&rng) : nil
    }

    static func array<T, R: RandomNumberGenerator>(upTo count: Int, _ make: (inout R) -> T, using rng: inout R) -> [T] {
        (0..<Int.random(in: 0...count, using: &rng)).map { _ in make(&rng) }
    }

    static func bytes<R: RandomNumberGenerator>(upTo count: Int, using rng: inout R) -> [UInt8] {
        array(upTo: count, { UInt8.random(in: 0...255, using: &$0) }, using: &rng)
    }

    static func part<R: RandomNumberGenerator>(using rng: inout R) -> RandomRecord.Part {
        RandomRecord.Part(
            name: string(using: &rng), weight: optional({ double(using: &$0) }, using: &rng).map { $0.isNaN ? 0 : $0 },
            tags: array(upTo: 3, { string(maximumLength: 4, using: &$0) }, using: &rng),
            level: RandomRecord.Level.allCases.randomElement(using: &rng)!)
    }

    static func shape<R: RandomNumberGenerator>(using rng: inout R) -> RandomRecord.Shape {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return .circle(radius: int(Int.self, using: &rng))
        case 1: return .sized(width: int(UInt16.self, using: &rng), int(Int8.self, using: &rng))
        case 2: return .named(string(using: &rng))
        default: return .empty
        }
    }

    /// A small message of every variant but fd and endpoint.
    static func message<R: RandomNumberGenerator>(depth: Int = 0, using rng: inout R) -> XPCMessage {
        switch Int.random(in: 0..<(depth < 2 ? 12 : 10), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int64(int(Int64.self, using: &rng))
        case 3: return .uint64(int(UInt64.self, using: &rng))
        case 4: return .double(Double(bitPattern: UInt64.random(in: 0 ... .max, using: &rng)))
        case 5: return .string(string(using: &rng))
        case 6: return .data(bytes(upTo: 8, using: &rng))
        case 7: return .uuid(uuid(using: &rng))
        case 8: return .date(XPCDate(nanosecondsSinceReferenceDate: int(Int64.self, using: &rng)))
        case 9: return .string("")
        case 10: return .array(XPCArray(array(upTo: 3, { message(depth: depth + 1, using: &$0) }, using: &rng)))
        default:
            var dictionary = XPCDictionary()
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                dictionary[string(maximumLength: 3, using: &rng)] = message(depth: depth + 1, using: &rng)
            }
            return .dictionary(dictionary)
        }
    }

    static func uuid<R: RandomNumberGenerator>(using rng: inout R) -> UUID {
        let b = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }

    static func record<R: RandomNumberGenerator>(using rng: inout R) -> RandomRecord {
        var counts: [String: Int] = [:]
        for _ in 0..<Int.random(in: 0...4, using: &rng) { counts[string(maximumLength: 5, using: &rng)] = int(Int.self, using: &rng) }
        var names: [Int: String] = [:]
        for _ in 0..<Int.random(in: 0...4, using: &rng) { names[int(Int.self, using: &rng)] = string(using: &rng) }
        let farSeconds = Double.random(in: 0x1p23...9.2e9, using: &rng) * (Bool.random(using: &rng) ? 1 : -1)
        return RandomRecord(
            flag: Bool.random(using: &rng),
            int: int(Int.self, using: &rng), int8: int(Int8.self, using: &rng), int16: int(Int16.self, using: &rng),
            int32: int(Int32.self, using: &rng), int64: int(Int64.self, using: &rng),
            uint: int(UInt.self, using: &rng), uint8: int(UInt8.self, using: &rng), uint16: int(UInt16.self, using: &rng),
            uint32: int(UInt32.self, using: &rng), uint64: int(UInt64.self, using: &rng),
            float: float(using: &rng), double: BitExactDouble(double(using: &rng)),
            text: string(maximumLength: 40, using: &rng),
            optionalInt: optional({ int(Int.self, using: &$0) }, using: &rng),
            optionalText: optional({ string(using: &$0) }, using: &rng),
            optionalPart: optional({ part(using: &$0) }, using: &rng),
            parts: array(upTo: 3, { part(using: &$0) }, using: &rng),
            counts: counts, names: names,
            shape: shape(using: &rng), shapes: array(upTo: 4, { shape(using: &$0) }, using: &rng),
            date: Date(timeIntervalSinceReferenceDate: Double(Int64.random(in: -(1 << 36)...(1 << 36), using: &rng)) / 4),
            farDate: Date(timeIntervalSinceReferenceDate: farSeconds),
            id: uuid(using: &rng), blob: Data(bytes(upTo: 300, using: &rng)),
            files: array(upTo: 3, { FileDescriptor(rawValue: Int32.random(in: 0...1024, using: &$0)) }, using: &rng),
            service: optional({ XPCEndpointHandle(fileDescriptor: FileDescriptor(rawValue: Int32.random(in: 0...1024, using: &$0))) }, using: &rng),
            extra: message(using: &rng))
    }

    /// The attachments a record's fds and endpoint give, in encoding (declaration) order.
    static func attachments(of record: RandomRecord) -> [XPCAttachment] {
        record.files.map { .fd($0) } + (record.service.map { [.endpoint($0)] } ?? [])
    }
}

struct RandomRecordCase: Sendable {
    /// Made again from the seed (with the test target's `SplitMix64`) in each use, since
    /// `RandomRecord` is not `Sendable`.
    var seed: UInt64
    var writesNull: Bool

    var record: RandomRecord {
        var rng = SplitMix64(seed: seed)
        return CodableRandom.record(using: &rng)
    }

    var encoder: XPCEncoder {
        var options = XPCEncoder.Options()
        options.nilEncodingStrategy = writesNull ? .null : .omitKey
        return XPCEncoder(options: options)
    }
}

let randomRecordCaseGenerator = Generator<RandomRecordCase, Shrink.None<RandomRecordCase>> { rng in
    RandomRecordCase(seed: UInt64.random(in: 0 ... .max, using: &rng), writesNull: Bool.random(using: &rng))
}

/// One way to damage encoded bytes.
enum CodableByteDamage: Sendable {
    case replace(position: UInt64, byte: UInt8)
    case truncate(position: UInt64)
    case insert(position: UInt64, bytes: [UInt8])

    func apply(to bytes: [UInt8]) -> [UInt8] {
        var result = bytes
        guard !result.isEmpty else { return result }
        switch self {
        case .replace(let position, let byte):
            let index = Int(position % UInt64(result.count))
            result[index] = result[index] == byte ? byte &+ 1 : byte
        case .truncate(let position):
            result.removeLast(Int(position % UInt64(result.count)) + 1)
        case .insert(let position, let inserted):
            result.insert(contentsOf: inserted, at: Int(position % UInt64(result.count + 1)))
        }
        return result
    }
}

struct DamagedRecordCase: Sendable {
    var record: RandomRecordCase
    var damage: [CodableByteDamage]
}

let damagedRecordCaseGenerator = Generator<DamagedRecordCase, Shrink.None<DamagedRecordCase>> { rng in
    let record = RandomRecordCase(seed: UInt64.random(in: 0 ... .max, using: &rng), writesNull: Bool.random(using: &rng))
    var damage: [CodableByteDamage] = []
    for _ in 0..<8 {
        let position = UInt64.random(in: 0 ... .max, using: &rng)
        switch Int.random(in: 0..<4, using: &rng) {
        case 0, 1: damage.append(.replace(position: position, byte: UInt8.random(in: 0...255, using: &rng)))
        case 2: damage.append(.truncate(position: position))
        default: damage.append(.insert(position: position, bytes: (0..<Int.random(in: 1...4, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }))
        }
    }
    return DamagedRecordCase(record: record, damage: damage)
}

// MARK: - Properties

@Suite struct CodablePropertyTests {
    @Test func decodingInvertsEncodingOnBothPaths() async {
        await propertyCheck(count: 150, input: randomRecordCaseGenerator) { testCase in
            let record = testCase.record
            let encoder = testCase.encoder
            let encoded = try encoder.encode(record)
            #expect(encoded.attachments == CodableRandom.attachments(of: record))
            #expect(try XPCDecoder().decode(RandomRecord.self, from: encoded.bytes, attachments: encoded.attachments) == record)
            var attachments: [XPCAttachment] = []
            let tree = try encoder.encodeMessage(record, attachments: &attachments)
            #expect(try XPCDecoder().decode(RandomRecord.self, from: tree, attachments: attachments) == record)
        }
    }

    @Test func theBytesPathIsTheCanonicalEncodingOfTheTree() async {
        let strict = XPCWireDecoder(options: XPCWireDecodingOptions(requiresCanonicalEncoding: true))
        await propertyCheck(count: 150, input: randomRecordCaseGenerator) { testCase in
            let record = testCase.record
            let encoder = testCase.encoder
            var attachments: [XPCAttachment] = []
            let tree = try encoder.encodeMessage(record, attachments: &attachments)
            let encoded = try encoder.encode(record)
            #expect(encoded.bytes == (try XPCWireEncoder().encode(tree, attachments: attachments)))
            #expect(encoded.attachments == attachments)
            #expect(try strict.decode(encoded.bytes, attachments: attachments) == tree)
            // Equal values give equal bytes: the decoded value encodes to the same bytes.
            let decoded = try XPCDecoder().decode(RandomRecord.self, from: encoded.bytes, attachments: attachments)
            #expect(try encoder.encode(decoded).bytes == encoded.bytes)
        }
    }

    @Test func damagedBytesGiveAValueOrADecodingError() async {
        await propertyCheck(count: 150, input: damagedRecordCaseGenerator) { testCase in
            let encoded = try testCase.record.encoder.encode(testCase.record.record)
            var bytes = encoded.bytes
            for damage in testCase.damage {
                bytes = damage.apply(to: bytes)
                do {
                    _ = try XPCDecoder().decode(RandomRecord.self, from: bytes, attachments: encoded.attachments)
                } catch is DecodingError {
                    // Expected for most damage.
                } catch {
                    Issue.record("not a DecodingError: \(error)")
                }
            }
        }
    }
}
