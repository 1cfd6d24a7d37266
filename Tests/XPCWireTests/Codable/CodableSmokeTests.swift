import Foundation
import SystemPackage
import Testing
@testable import XPCWire

@Suite struct CodableSmokeTests {
    struct Request: Codable, Equatable {
        var id: UUID
        var sent: Date
        var name: String
        var count: Int8
        var ratio: Float
        var tags: [String]
        var extra: [String: Int]
        var numbers: [Int: String]
        var note: String?
        var blob: Data
        var dynamic: XPCMessage
        var file: FileDescriptor
        var kind: Kind
        enum Kind: Codable, Equatable { case plain, sized(width: Int, Int) }
    }

    @Test func roundTrip() throws {
        let value = Request(
            id: UUID(), sent: Date(timeIntervalSinceReferenceDate: 12.5), name: "x", count: -3, ratio: 0.5,
            tags: ["a", "b"], extra: ["z": 1, "a": 2], numbers: [1: "one", 20: "twenty"], note: nil,
            blob: Data([1, 2]), dynamic: ["k": .uint64(3)], file: FileDescriptor(rawValue: 7), kind: .sized(width: 3, 4))
        let encoded = try XPCEncoder().encode(value)
        #expect(encoded.attachments == [.fd(FileDescriptor(rawValue: 7))])
        let message = try XPCWireDecoder().decode(encoded.bytes)
        print(message.treeDescription())
        let back = try XPCDecoder().decode(Request.self, from: encoded.bytes, attachments: encoded.attachments)
        #expect(back == value)
    }
}
