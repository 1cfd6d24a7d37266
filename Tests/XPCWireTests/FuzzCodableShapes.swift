// The typed shapes, seed values and oracle of the FuzzCodable target (SPEC §9.1).
//
// This file exists twice, byte for byte: Fuzz/Sources/FuzzCodable/FuzzCodableShapes.swift (the
// libFuzzer target, which traps on a violation) and Tests/XPCWireTests/FuzzCodableShapes.swift
// (`swift test`, which replays Fuzz/FailCases/ through it and records each violation). The two
// packages cannot compile one file: a SwiftPM target may not reach outside its package folder, and
// the fuzz package is built apart from the main one. FailCaseReplayTests fails when the copies
// differ: edit one, then copy it over the other.
//
// It uses only XPCWire's public API, so that it holds the bytes path of XPCEncoder/XPCDecoder to
// the tree path (XPCMessage + XPCWireEncoder/XPCWireDecoder) however either is implemented.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SystemPackage
import XPCWire

/// A type the oracle decodes fuzz input into.
protocol FuzzCodableShape: Codable, Equatable {
    /// Whether a dynamic `XPCMessage` inside the value holds fd or endpoint slot references.
    ///
    /// Such a value may fail to encode again, and is not required to: `XPCMessage` is carried as it
    /// is, so its slot numbers keep pointing into the *received* attachments, while the encoder
    /// numbers the typed `FileDescriptor`/`XPCEndpointHandle` fields afresh from slot 0.
    var holdsDynamicSlotReferences: Bool { get }
}

extension FuzzCodableShape {
    var holdsDynamicSlotReferences: Bool { false }
}

enum FuzzCodableShapes {
    // MARK: (1) Every scalar, flat

    /// Every scalar mapping of SPEC §9.1.1, narrowing integers included, with optionals.
    ///
    /// Equality is exact: doubles and floats by bit pattern (NaN payloads, -0.0), strings by their
    /// UTF-8 bytes (not by Unicode canonical equivalence, as `String.==` would).
    struct Scalars: FuzzCodableShape {
        var flag: Bool
        var count: Int
        var small: Int8
        var port: UInt16
        var big: UInt64
        var ratio: Double
        var level: Float
        var name: String
        var note: String?
        var offset: Int32?
        var weight: Double?
        var wide: UInt?

        static func == (lhs: Scalars, rhs: Scalars) -> Bool {
            lhs.flag == rhs.flag && lhs.count == rhs.count && lhs.small == rhs.small && lhs.port == rhs.port
                && lhs.big == rhs.big && lhs.ratio.bitPattern == rhs.ratio.bitPattern
                && lhs.level.bitPattern == rhs.level.bitPattern && sameBytes(lhs.name, rhs.name)
                && sameBytes(lhs.note, rhs.note) && lhs.offset == rhs.offset
                && lhs.weight?.bitPattern == rhs.weight?.bitPattern && lhs.wide == rhs.wide
        }
    }

    // MARK: (2) A request: native types, nested structs, a dictionary

    /// `Date`, `UUID`, `Data` and `URL`, a nested struct, an array of them, a `[String: Int]`.
    /// Its keys overlap those of Fixtures/codable/resize-request, so that seed gets far.
    struct Request: FuzzCodableShape {
        struct Region: Codable, Equatable {
            var origin: [Int32]
            var size: [UInt32]
            var label: String?
        }

        struct Options: Codable, Equatable {
            var keepAspectRatio: Bool
            var background: String?
            var priority: Int?
        }

        var id: UUID
        var sent: Date
        var deadline: Date?
        var source: URL
        var mirror: URL?
        var regions: [Region]
        var primary: Region?
        var options: Options
        var counters: [String: Int]?
        var retries: UInt8
        var checksum: Data
        var trace: UUID?
    }

    // MARK: (3) Enums with associated values, recursive, nested arrays

    /// A synthesized-`Codable` indirect enum (`{"case": {"label": v, "_0": v}}`), a raw-value
    /// enum, nested arrays, and a dictionary with `Int` keys (keyed by their decimal strings).
    struct Drawing: FuzzCodableShape {
        enum Color: String, Codable, Equatable {
            case red, green, blue
        }

        indirect enum Shape: Codable, Equatable {
            case empty
            case dot(x: Int16, y: Int16)
            case text(String, size: UInt8?)
            case fill(Color)
            case group([Shape])
            case pair(Shape, Shape)
            case transformed(Shape, matrix: [[Int8]])
        }

        var root: Shape
        var layers: [[Shape]]
        var palette: [Color]
        var lookup: [Int: String]?
        var grid: [[Int8]]?
    }

    // MARK: (4) Attachments and dynamic fields

    /// File descriptors and endpoints (attachments, SPEC §9.1.1) beside dynamic `XPCMessage` fields.
    struct Channel: FuzzCodableShape {
        var log: FileDescriptor
        var extras: [FileDescriptor]
        var reply: XPCEndpointHandle?
        var payload: XPCMessage
        var note: XPCMessage?
        var headers: [String: XPCMessage]?

        var holdsDynamicSlotReferences: Bool {
            FuzzCodableShapes.refersToSlots(payload) || note.map(FuzzCodableShapes.refersToSlots) == true
                || headers?.values.contains(where: FuzzCodableShapes.refersToSlots) == true
        }
    }

    // MARK: Attachments for fuzz input

    /// Attachments that fill the slot table of the envelope in `bytes`, as far as it can be read:
    /// slot *i* gets `FileDescriptor(rawValue: i)` for an fd and an endpoint on descriptor
    /// 1000 + *i* for anything else, so that equal descriptors mean equal slots. The descriptors
    /// are only compared, never opened, read, written or closed.
    static func attachments(forSlotTableOf bytes: [UInt8]) -> [XPCAttachment] {
        // SPEC §3.1: magic "XPCW" at 0, slot count (big-endian) at 8, slot kinds from 14.
        guard bytes.count >= 14, bytes[0] == 0x58, bytes[1] == 0x50, bytes[2] == 0x43, bytes[3] == 0x57 else {
            return []
        }
        let declared = Int(bytes[8]) << 8 | Int(bytes[9])
        let count = min(declared, bytes.count - 14)
        return (0..<count).map { slot in
            if bytes[14 + slot] == XPCSlotKind.fd.rawValue {
                return .fd(FileDescriptor(rawValue: Int32(slot)))
            }
            return .endpoint(XPCEndpointHandle(fileDescriptor: FileDescriptor(rawValue: Int32(1000 + slot))))
        }
    }

    // MARK: The oracle

    /// Every broken property for one input; empty when all hold.
    ///
    /// The input is an envelope, decoded with the attachments its slot table asks for
    /// (``attachments(forSlotTableOf:)``). For each shape T, and for `XPCMessage` itself:
    ///
    /// 1. `XPCDecoder().decode(T.self, from: bytes, attachments:)` (the bytes path) either returns
    ///    a value or throws a `DecodingError`, never another error; a `dataCorrupted` whose
    ///    underlying error is an `XPCWireDecodingError` only when `XPCWireDecoder` rejects the bytes.
    /// 2. The tree path, `XPCWireDecoder().decode(bytes, attachments:)` then
    ///    `XPCDecoder().decode(T.self, from: message, attachments:)`, agrees: both fail, or both
    ///    give equal values. Both again with unknown keys rejected; what that mode accepts, the
    ///    default mode decodes to the same value.
    /// 3. A decoded value encodes (`XPCEncoder().encode`) to exactly the bytes and attachments of
    ///    the tree path (`encodeMessage`, then `XPCWireEncoder().encode(_:attachments:)`), and the
    ///    value the tree path decoded encodes to the same bytes; the encoding decodes again, on both
    ///    paths, to an equal value, which encodes to identical bytes (idempotence). Only a value
    ///    whose dynamic `XPCMessage` holds slot references may fail to encode, with an
    ///    `EncodingError`, and then on both paths.
    ///
    /// Then, when the bytes are a valid envelope, attachments that do not match its slot table
    /// make the bytes path throw `DecodingError.dataCorrupted` (SPEC §9.1.3).
    static func check(_ bytes: [UInt8]) -> [String] {
        let attachments = attachments(forSlotTableOf: bytes)
        let tree = Result { () throws(XPCWireDecodingError) in
            try XPCWireDecoder().decode(bytes, attachments: attachments)
        }
        var violations: [String] = []
        check(Scalars.self, bytes, attachments, tree, &violations)
        check(Request.self, bytes, attachments, tree, &violations)
        check(Drawing.self, bytes, attachments, tree, &violations)
        check(Channel.self, bytes, attachments, tree, &violations)
        check(XPCMessage.self, bytes, attachments, tree, &violations)
        if case .success = tree {
            let wrong = attachments.isEmpty ? [XPCAttachment.fd(FileDescriptor(rawValue: 0))] : Array(attachments.dropLast())
            do {
                let message = try XPCDecoder().decode(XPCMessage.self, from: bytes, attachments: wrong)
                violations.append("XPCMessage: the bytes path accepts \(wrong.count) attachments for \(attachments.count) slots: \(describe(message))")
            } catch DecodingError.dataCorrupted {
            } catch {
                violations.append("XPCMessage: mismatched attachments give \(error), not DecodingError.dataCorrupted")
            }
        }
        return violations
    }

    /// What the two decoding paths made of one input.
    private enum Agreement<T> {
        /// Both decoded, to values that compare equal.
        case decoded(fromBytes: T, fromTree: T)
        /// Both failed, with a `DecodingError` (or, on the tree path, the wire error before it).
        case failed
        /// A violation was recorded.
        case broken
    }

    private static func check<T: FuzzCodableShape>(
        _ type: T.Type, _ bytes: [UInt8], _ attachments: [XPCAttachment],
        _ tree: Result<XPCMessage, XPCWireDecodingError>, _ violations: inout [String]
    ) {
        let name = String(describing: T.self)
        var rejecting = XPCDecoder.Options()
        rejecting.unknownKeyPolicy = .reject
        let lenient = decodeOnBothPaths(T.self, XPCDecoder(), bytes, attachments, tree, name, &violations)
        let strict = decodeOnBothPaths(T.self, XPCDecoder(options: rejecting), bytes, attachments, tree,
                                       name + " (unknown keys rejected)", &violations)
        switch (lenient, strict) {
        case (.decoded(let value, _), .decoded(let rejectingValue, _)) where !(value == rejectingValue):
            violations.append("\(name): rejecting unknown keys decodes \(describe(rejectingValue)), the default options \(describe(value))")
        case (.failed, .decoded(let rejectingValue, _)):
            violations.append("\(name): decodes \(describe(rejectingValue)) with unknown keys rejected, but fails with the default options")
        default:
            break
        }
        if case .decoded(let value, let fromTree) = lenient {
            checkRoundTrip(value, treeValue: fromTree, name, &violations)
        }
    }

    /// Properties 1 and 2 for one set of options.
    private static func decodeOnBothPaths<T: FuzzCodableShape>(
        _ type: T.Type, _ decoder: XPCDecoder, _ bytes: [UInt8], _ attachments: [XPCAttachment],
        _ tree: Result<XPCMessage, XPCWireDecodingError>, _ name: String, _ violations: inout [String]
    ) -> Agreement<T> {
        var fromBytes: T?
        var bytesError = ""
        do {
            fromBytes = try decoder.decode(T.self, from: bytes, attachments: attachments)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, let wireError = context.underlyingError as? XPCWireDecodingError,
               case .success = tree {
                violations.append("\(name): the bytes path reports the wire error \(wireError), but XPCWireDecoder accepts the envelope")
                return .broken
            }
            bytesError = "\(error)"
        } catch {
            violations.append("\(name): the bytes path threw \(Swift.type(of: error)), not DecodingError: \(error)")
            return .broken
        }
        var fromTree: T?
        var treeError = ""
        switch tree {
        case .failure(let error):
            treeError = "XPCWireDecoder: \(error)"
        case .success(let message):
            do {
                fromTree = try decoder.decode(T.self, from: message, attachments: attachments)
            } catch let error as DecodingError {
                treeError = "\(error)"
            } catch {
                violations.append("\(name): the tree path threw \(Swift.type(of: error)), not DecodingError: \(error)")
                return .broken
            }
        }
        switch (fromBytes, fromTree) {
        case (let fromBytes?, let fromTree?):
            guard fromBytes == fromTree else {
                violations.append("\(name): the paths decode different values: bytes \(describe(fromBytes)), tree \(describe(fromTree))")
                return .broken
            }
            return .decoded(fromBytes: fromBytes, fromTree: fromTree)
        case (nil, nil):
            return .failed
        case (let fromBytes?, nil):
            violations.append("\(name): the bytes path decodes \(describe(fromBytes)), the tree path fails: \(treeError)")
            return .broken
        case (nil, let fromTree?):
            violations.append("\(name): the tree path decodes \(describe(fromTree)), the bytes path fails: \(bytesError)")
            return .broken
        }
    }

    /// Property 3 for a decoded value.
    private static func checkRoundTrip<T: FuzzCodableShape>(
        _ value: T, treeValue: T, _ name: String, _ violations: inout [String]
    ) {
        let encoded: XPCEncodedMessage
        do {
            encoded = try XPCEncoder().encode(value)
        } catch let error as EncodingError {
            if !value.holdsDynamicSlotReferences {
                violations.append("\(name): a decoded value fails to encode: \(error); value \(describe(value))")
            }
            var attachments: [XPCAttachment] = []
            if let message = try? XPCEncoder().encodeMessage(value, attachments: &attachments),
               let bytes = try? XPCWireEncoder().encode(message, attachments: attachments) {
                violations.append("\(name): XPCEncoder.encode fails (\(error)) where the tree path gives \(bytes.count) bytes")
            }
            return
        } catch {
            violations.append("\(name): XPCEncoder.encode threw \(type(of: error)), not EncodingError: \(error)")
            return
        }
        // The tree path writes the same bytes and attachments, and reads them back.
        do {
            var attachments: [XPCAttachment] = []
            let message = try XPCEncoder().encodeMessage(value, attachments: &attachments)
            let bytes = try XPCWireEncoder().encode(message, attachments: attachments)
            if bytes != encoded.bytes {
                violations.append("\(name): encode gives \(bytes.count) bytes on the tree path, \(encoded.bytes.count) on the bytes path; first difference at byte \(firstDifference(bytes, encoded.bytes))")
            }
            if attachments != encoded.attachments {
                violations.append("\(name): encode gives attachments \(attachments) on the tree path, \(encoded.attachments) on the bytes path")
            }
            let again = try XPCDecoder().decode(T.self, from: message, attachments: attachments)
            if !(again == value) {
                violations.append("\(name): the encoded tree decodes to \(describe(again)), not \(describe(value))")
            }
        } catch {
            violations.append("\(name): the tree path fails to encode or decode what the bytes path encodes: \(error)")
        }
        // The bytes decode again to an equal value, which encodes to identical bytes.
        do {
            let again = try XPCDecoder().decode(T.self, from: encoded.bytes, attachments: encoded.attachments)
            if !(again == value) {
                violations.append("\(name): the encoding decodes to \(describe(again)), not \(describe(value))")
            }
            let twice = try XPCEncoder().encode(again)
            if twice.bytes != encoded.bytes || twice.attachments != encoded.attachments {
                violations.append("\(name): the second encoding differs at byte \(firstDifference(twice.bytes, encoded.bytes))")
            }
        } catch {
            violations.append("\(name): the encoding of a decoded value fails to round-trip: \(error); value \(describe(value))")
        }
        // The value the tree path decoded is equal, and so are its bytes (strings by bytes, NaNs by bits).
        do {
            let treeEncoded = try XPCEncoder().encode(treeValue)
            if treeEncoded.bytes != encoded.bytes || treeEncoded.attachments != encoded.attachments {
                violations.append("\(name): the values the two paths decoded encode differently, from byte \(firstDifference(treeEncoded.bytes, encoded.bytes))")
            }
        } catch {
            violations.append("\(name): the value the tree path decoded fails to encode: \(error)")
        }
    }

    // MARK: Seeds

    /// Deterministic valid encodings of each shape, the fuzzer's typed seeds: `(name, envelope)`,
    /// the name starting with the shape (`scalars-`, `request-`, `drawing-`, `channel-`). All but
    /// the last are `XPCEncoder` encodings of values.
    /// Committed as Fuzz/Seeds/FuzzCodable/NAME.bin; the test suite checks they are these bytes.
    static func seeds() throws -> [(name: String, bytes: [UInt8])] {
        var seeds: [(name: String, bytes: [UInt8])] = []
        func add(_ name: String, _ value: some Encodable) throws {
            seeds.append((name, try XPCEncoder().encode(value).bytes))
        }
        try add("scalars-typical", Scalars(
            flag: true, count: 42, small: -7, port: 8080, big: 1 << 40, ratio: 0.5, level: 1.25,
            name: "resize", note: "first", offset: -1, weight: nil, wide: 7))
        try add("scalars-edges", Scalars(
            flag: false, count: .min, small: .min, port: .max, big: .max, ratio: -0.0, level: .infinity,
            name: "", note: "e\u{301} \u{e9} \u{1F600}", offset: .max, weight: Double(bitPattern: 0x7ff0_0000_0000_0001),
            wide: .max))
        try add("scalars-nan", Scalars(
            flag: true, count: -1, small: 127, port: 0, big: 0, ratio: .nan, level: -.nan,
            name: "n", note: nil, offset: nil, weight: -.greatestFiniteMagnitude, wide: nil))
        let id = UUID(uuid: (0x3f, 0x25, 0x04, 0xe0, 0x4f, 0x89, 0x41, 0xd3, 0x9a, 0x0c, 0x03, 0x05, 0xe8, 0x2c, 0x33, 0x01))
        try add("request-typical", Request(
            id: id, sent: Date(timeIntervalSinceReferenceDate: 786_000_000.25),
            deadline: Date(timeIntervalSinceReferenceDate: 786_000_060.5),
            source: URL(string: "file:///var/tmp/input.png")!, mirror: URL(string: "https://example.com/a?b=c#d"),
            regions: [Request.Region(origin: [0, -16], size: [640, 480], label: "full"),
                      Request.Region(origin: [10, 10], size: [1, 1], label: nil)],
            primary: Request.Region(origin: [], size: [.max], label: ""),
            options: Request.Options(keepAspectRatio: true, background: "#fff", priority: -3),
            counters: ["a": 1, "b": -2, "\u{e9}": .max, "e\u{301}x": .min], retries: 3,
            checksum: Data([0xde, 0xad, 0xbe, 0xef]),
            trace: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))))
        try add("request-minimal", Request(
            id: UUID(uuid: (0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)),
            sent: Date(timeIntervalSinceReferenceDate: -978_307_200), deadline: nil, source: URL(string: "x")!,
            mirror: nil, regions: [], primary: nil,
            options: Request.Options(keepAspectRatio: false, background: nil, priority: nil),
            counters: nil, retries: 0, checksum: Data(), trace: nil))
        try add("drawing-mixed", Drawing(
            root: .group([
                .empty, .dot(x: -1, y: .max), .text("hi", size: 12), .text("", size: nil),
                .pair(.fill(.red), .empty), .transformed(.dot(x: 0, y: 0), matrix: [[1, 0], [0, -1]]),
            ]),
            layers: [[.empty], [], [.fill(.blue), .fill(.green)]],
            palette: [.red, .green, .blue],
            lookup: [1: "one", -5: "minus five", 0: ""],
            grid: [[1, 2], [], [-128]]))
        var deep = Drawing.Shape.empty
        for level in 0..<24 {
            deep = level.isMultiple(of: 2) ? .group([deep, .dot(x: Int16(level), y: 0)]) : .pair(.fill(.green), deep)
        }
        try add("drawing-deep", Drawing(root: deep, layers: [], palette: [], lookup: nil, grid: nil))
        try add("channel-descriptors", Channel(
            log: FileDescriptor(rawValue: 2),
            extras: [FileDescriptor(rawValue: 0), FileDescriptor(rawValue: 1), FileDescriptor(rawValue: 2)],
            reply: XPCEndpointHandle(fileDescriptor: FileDescriptor(rawValue: 1000)),
            payload: ["op": "ping", "n": 1, "id": .uuid(id)],
            note: nil,
            headers: ["trace": .uint64(7), "when": .date(XPCDate(nanosecondsSinceReferenceDate: 1))]))
        try add("channel-dynamic", Channel(
            log: FileDescriptor(rawValue: 0), extras: [], reply: nil,
            payload: .array([.null, .bool(true), .int64(-1), .uint64(.max), .double(-0.0), .string("x"),
                             .data([1, 2, 3]), .date(XPCDate(nanosecondsSinceReferenceDate: .min)), .array([]), [:]]),
            note: .null,
            headers: [:]))
        // Written as a message: slot references inside the dynamic payload, which the typed value
        // decodes but cannot encode again (see FuzzCodableShape.holdsDynamicSlotReferences).
        seeds.append(("channel-slots-in-payload", try XPCWireEncoder().encode([
            "log": .fd(slot: 0), "extras": [.fd(slot: 1)],
            "payload": ["callback": .endpoint(slot: 2), "file": .fd(slot: 1)],
        ])))
        return seeds
    }

    // MARK: Helpers

    static func refersToSlots(_ message: XPCMessage) -> Bool {
        switch message {
        case .fd, .endpoint: return true
        case .array(let elements): return elements.contains(where: refersToSlots)
        case .dictionary(let dictionary): return dictionary.contains { refersToSlots($0.value) }
        default: return false
        }
    }

    static func sameBytes(_ lhs: String?, _ rhs: String?) -> Bool {
        switch (lhs, rhs) {
        case (nil, nil): return true
        case (let lhs?, let rhs?): return lhs.utf8.elementsEqual(rhs.utf8)
        default: return false
        }
    }

    /// A value for a message, cut at 600 characters.
    static func describe(_ value: some Any) -> String {
        let text = String(describing: value)
        return text.count > 600 ? String(text.prefix(600)) + "… (\(text.count) characters)" : text
    }

    static func firstDifference(_ lhs: [UInt8], _ rhs: [UInt8]) -> Int {
        zip(lhs, rhs).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(lhs.count, rhs.count)
    }
}

extension XPCMessage: FuzzCodableShape {
    var holdsDynamicSlotReferences: Bool { FuzzCodableShapes.refersToSlots(self) }
}
