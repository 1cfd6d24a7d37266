import Foundation
import SystemPackage
import Testing
@testable import XPCWire

/// The golden fixtures of typed messages under `Fixtures/codable/` (SPEC §9.1): `NAME.bin` is the
/// envelope `XPCEncoder` writes for the value, `NAME.json` its JSON description (SPEC §8).
///
/// Like ``FixtureCatalog`` the catalog is the generator: `XPCWIRE_WRITE_FIXTURES=1 swift test
/// --filter CodableFixtureTests` writes missing files, and never overwrites one. Every value is
/// fixed: UUIDs, dates and descriptors are literals (descriptors are never opened, only mapped to
/// slots).
enum CodableFixtureCatalog {
    /// One typed fixture, with its value's type erased.
    struct Fixture: Sendable, CustomTestStringConvertible {
        let name: String
        /// The attachments the value's fds and endpoints give, in slot order.
        let attachments: [XPCAttachment]
        /// `XPCEncoder().encode(value)`.
        let encode: @Sendable () throws -> XPCEncodedMessage
        /// `XPCEncoder().encodeMessage(value, attachments:)`: the tree and its attachments.
        let encodeMessage: @Sendable () throws -> (XPCMessage, [XPCAttachment])
        /// Decodes bytes as the value's type: whether that gives the value, and its re-encoding.
        let decodeAndReencode: @Sendable (_ bytes: [UInt8], _ attachments: [XPCAttachment]) throws -> (isValue: Bool, bytes: [UInt8])

        var testDescription: String { name }

        init<T: Codable & Equatable & SendableMetatype>(_ name: String, attachments: [XPCAttachment] = [], _ make: @escaping @Sendable () -> T) {
            self.name = name
            self.attachments = attachments
            encode = { try XPCEncoder().encode(make()) }
            encodeMessage = {
                var attachments: [XPCAttachment] = []
                let message = try XPCEncoder().encodeMessage(make(), attachments: &attachments)
                return (message, attachments)
            }
            decodeAndReencode = { bytes, attachments in
                let decoded = try XPCDecoder().decode(T.self, from: bytes, attachments: attachments)
                return (decoded == make(), try XPCEncoder().encode(decoded).bytes)
            }
        }
    }

    static let all: [Fixture] = [
        Fixture("resize-request") { ResizeRequest.example },
        Fixture("enum-payloads") { Script.example },
        Fixture(
            "fds-and-endpoint",
            attachments: [
                .fd(FileDescriptor(rawValue: 3)), .fd(FileDescriptor(rawValue: 4)), .fd(FileDescriptor(rawValue: 5)),
                .fd(FileDescriptor(rawValue: 6)), .fd(FileDescriptor(rawValue: 4)),
                .endpoint(XPCEndpointHandle(fileDescriptor: FileDescriptor(rawValue: 9))),
            ]
        ) { SpawnRequest.example },
        Fixture("class-hierarchy") { Spreadsheet.example },
        Fixture("keyed-maps") { Inventory.example },
    ]

    // MARK: A request with dates, a UUID, nested arrays and optionals

    struct ResizeRequest: Codable, Equatable {
        struct Region: Codable, Equatable {
            var origin: [Int32]
            var size: [UInt32]
        }

        struct Options: Codable, Equatable {
            var quality: Float
            var keepAspectRatio: Bool
            var background: String?
        }

        var id: UUID
        var sent: Date
        var deadline: Date?
        var source: URL
        var regions: [Region]
        var tiles: [[UInt16]]
        var options: Options
        var note: String?
        var retries: UInt8
        var checksum: Data

        static var example: ResizeRequest {
            ResizeRequest(
                id: UUID(uuidString: "3F2504E0-4F89-41D3-9A0C-0305E82C3301")!,
                sent: Date(timeIntervalSinceReferenceDate: 786_000_000.25),
                deadline: Date(timeIntervalSinceReferenceDate: 786_000_060.5),
                source: URL(string: "file:///var/tmp/input.png")!,
                regions: [Region(origin: [0, -16], size: [640, 480]), Region(origin: [10, 10], size: [1, 1])],
                tiles: [[1, 2, 3], [], [65_535]],
                options: Options(quality: 0.75, keepAspectRatio: true, background: nil),
                note: nil,
                retries: 3,
                checksum: Data([0xde, 0xad, 0xbe, 0xef]))
        }
    }

    // MARK: Enums with associated values

    struct Script: Codable, Equatable {
        enum Step: Codable, Equatable {
            case launch(path: String, arguments: [String])
            case wait(seconds: Double)
            case signal(Int32, force: Bool)
            case checkpoint
        }

        enum Mode: String, Codable, Equatable {
            case dryRun = "dry-run"
            case live
        }

        var mode: Mode
        var steps: [Step]
        var onFailure: Step?

        static var example: Script {
            Script(
                mode: .live,
                steps: [.launch(path: "/usr/bin/env", arguments: ["true", "--"]), .wait(seconds: 0.5), .signal(15, force: false), .checkpoint],
                onFailure: .signal(9, force: true))
        }
    }

    // MARK: File descriptors and an endpoint

    struct SpawnRequest: Codable, Equatable {
        var executable: String
        var standardInput: FileDescriptor
        var standardOutput: FileDescriptor
        var standardError: FileDescriptor?
        var extraFiles: [FileDescriptor]
        var supervisor: XPCEndpointHandle
        var environment: [String: String]

        static var example: SpawnRequest {
            SpawnRequest(
                executable: "/usr/bin/worker",
                standardInput: FileDescriptor(rawValue: 3),
                standardOutput: FileDescriptor(rawValue: 4),
                standardError: FileDescriptor(rawValue: 5),
                extraFiles: [FileDescriptor(rawValue: 6), FileDescriptor(rawValue: 4)],
                supervisor: XPCEndpointHandle(fileDescriptor: FileDescriptor(rawValue: 9)),
                environment: ["LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"])
        }
    }

    // MARK: A class hierarchy through superEncoder

    class Item: Codable, Equatable {
        let id: UUID
        let created: Date

        init(id: UUID, created: Date) {
            self.id = id
            self.created = created
        }

        func isEqual(to other: Item) -> Bool { id == other.id && created == other.created }

        static func == (lhs: Item, rhs: Item) -> Bool { type(of: lhs) == type(of: rhs) && lhs.isEqual(to: rhs) }
    }

    class Document: Item {
        let title: String

        enum CodingKeys: String, CodingKey { case title }

        init(id: UUID, created: Date, title: String) {
            self.title = title
            super.init(id: id, created: created)
        }

        required init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            title = try container.decode(String.self, forKey: .title)
            try super.init(from: container.superDecoder())
        }

        override func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(title, forKey: .title)
            try super.encode(to: container.superEncoder())
        }

        override func isEqual(to other: Item) -> Bool {
            guard let other = other as? Document else { return false }
            return title == other.title && super.isEqual(to: other)
        }
    }

    final class Spreadsheet: Document {
        let sheets: [String]
        let frozenRows: UInt16

        enum CodingKeys: String, CodingKey { case sheets, frozenRows }

        init(id: UUID, created: Date, title: String, sheets: [String], frozenRows: UInt16) {
            self.sheets = sheets
            self.frozenRows = frozenRows
            super.init(id: id, created: created, title: title)
        }

        required init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            sheets = try container.decode([String].self, forKey: .sheets)
            frozenRows = try container.decode(UInt16.self, forKey: .frozenRows)
            try super.init(from: container.superDecoder())
        }

        override func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(sheets, forKey: .sheets)
            try container.encode(frozenRows, forKey: .frozenRows)
            try super.encode(to: container.superEncoder())
        }

        override func isEqual(to other: Item) -> Bool {
            guard let other = other as? Spreadsheet else { return false }
            return sheets == other.sheets && frozenRows == other.frozenRows && super.isEqual(to: other)
        }

        static var example: Spreadsheet {
            Spreadsheet(
                id: UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F")!,
                created: Date(timeIntervalSinceReferenceDate: -31_536_000.125),
                title: "Q3 budget", sheets: ["Summary", "Détail", "😀"], frozenRows: 2)
        }
    }

    // MARK: [String: T] and [Int: T]

    struct Inventory: Codable, Equatable {
        var stock: [String: Int]
        var bins: [Int: [String]]
        var prices: [String: Double]
        var openByFloor: [String: [Int: Bool]]

        static var example: Inventory {
            Inventory(
                stock: ["bolts": 120, "nuts": 300, "washers": 0, "écrous": -1],
                bins: [1: ["bolts"], 20: ["nuts", "washers"], 3: [], -4: ["écrous"]],
                prices: ["bolts": 0.05, "nuts": 0.02],
                openByFloor: ["north": [0: true, 10: false], "south": [:]])
        }
    }
}
