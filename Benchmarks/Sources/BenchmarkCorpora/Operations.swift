import Foundation
import XPCWire

/// Who is measured. The row label in BENCHMARKS.md is the raw value.
public enum Contestant: String, CaseIterable, Sendable {
    /// `XPCMessage` through `XPCWireEncoder` / `XPCWireDecoder` (envelope bytes).
    case xpcMessage = "XPCMessage"
    /// The typed value through `XPCEncoder` / `XPCDecoder` (envelope bytes).
    case xpcCodable = "XPCCodable"
    /// Foundation `JSONEncoder` / `JSONDecoder`, default strategies.
    case json = "JSON"
    /// Foundation `PropertyListEncoder` (binary format) / `PropertyListDecoder`.
    case plist = "PropertyList"
    /// msgpack-c: `msgpack_pack_object` into an sbuffer / `msgpack_unpack_next` into a zone (bare body).
    case msgpackC = "msgpack-c"

    /// The contestant whose time a row is compared with: the message codec for msgpack-c, the
    /// `Codable` codec for the Foundation coders, the message codec for the `Codable` codec.
    public var reference: Contestant {
        switch self {
        case .xpcMessage, .msgpackC, .xpcCodable: .xpcMessage
        case .json, .plist: .xpcCodable
        }
    }
}

public enum Direction: String, CaseIterable, Sendable {
    case encode, decode
}

/// One measured operation on one corpus. `run` performs it exactly once.
public struct CorpusOperation: @unchecked Sendable {
    public let corpus: String
    public let contestant: Contestant
    public let direction: Direction
    public let run: () throws -> Void

    /// `corpus/Contestant.direction`, e.g. `rpc/XPCMessage.decode`: the benchmark's name.
    public var name: String { "\(corpus)/\(contestant.rawValue).\(direction.rawValue)" }
}

/// A corpus in all the forms the contestants need, with its operations.
public struct Corpus: @unchecked Sendable {
    public let name: String
    public let summary: String
    /// Operations per benchmark sample. 1 for every corpus: a sample then runs between two
    /// preemptions even on a loaded machine, and the report subtracts the cost of an empty sample.
    /// (The benchmark package scales by powers of 1,000 only.)
    public let scalingFactor: Int
    /// The message (what `XPCEncoder` makes of the typed value).
    public let message: XPCMessage
    /// The canonical envelope: the input of both XPCWire decoders.
    public let envelope: [UInt8]
    /// The bare MessagePack body: the input of msgpack-c's unpacker.
    public let body: [UInt8]
    public let jsonBytes: Data
    public let plistBytes: Data
    /// msgpack-c's re-encoding of the body (its own integer forms), for the size table.
    public let msgpackCBytes: [UInt8]
    public let operations: [CorpusOperation]
    /// Checks that every contestant's output decodes to the input; throws a description if not.
    public let verify: () throws -> Void

    /// All corpora, in report order.
    public static func all() throws -> [Corpus] {
        [
            try make("rpc", "small RPC dictionary, 10 mixed keys", scalingFactor: 1, Corpora.makeRPC()),
            try make("ping", "transport-sized dictionary, 4 keys", scalingFactor: 1, Corpora.makePing()),
            try make("blob", "1 MiB data blob", scalingFactor: 1, Corpora.makeBlob()),
            try make("ints", "array of 10,000 int64 of all widths", scalingFactor: 1, Corpora.makeInts()),
            try make("deep", "30 nested dictionaries", scalingFactor: 1, Corpora.makeDeep()),
            try make("dict", "dictionary of 1,000 string keys to strings", scalingFactor: 1, Corpora.makeDict()),
            try make("typed", "OrderRecord: 20-field Codable struct", scalingFactor: 1, Corpora.makeTyped()),
        ]
    }

    static func make<T: Codable & Equatable>(
        _ name: String, _ summary: String, scalingFactor: Int, _ value: T
    ) throws -> Corpus {
        let xpcEncoder = XPCEncoder()
        let xpcDecoder = XPCDecoder()
        let wireEncoder = XPCWireEncoder()
        let wireDecoder = XPCWireDecoder()
        let jsonEncoder = JSONEncoder()
        let jsonDecoder = JSONDecoder()
        let plistEncoder = PropertyListEncoder()
        plistEncoder.outputFormat = .binary
        let plistDecoder = PropertyListDecoder()

        let message = try xpcEncoder.encodeMessage(value)
        let envelope = try wireEncoder.encode(message)
        let body = try wireEncoder.encodeBody(message)
        let jsonBytes = try jsonEncoder.encode(value)
        let plistBytes = try plistEncoder.encode(value)
        guard let tree = MsgPackCTree(body: body) else { throw CorpusError("\(name): msgpack-c cannot unpack the body") }
        let pinnedBody = PinnedBytes(body)
        let msgpackCBytes = tree.packedBytes()

        let operations = [
            CorpusOperation(corpus: name, contestant: .xpcMessage, direction: .encode) {
                sink(try wireEncoder.encode(message))
            },
            CorpusOperation(corpus: name, contestant: .xpcMessage, direction: .decode) {
                sink(try wireDecoder.decode(envelope))
            },
            CorpusOperation(corpus: name, contestant: .xpcCodable, direction: .encode) {
                sink(try xpcEncoder.encode(value))
            },
            CorpusOperation(corpus: name, contestant: .xpcCodable, direction: .decode) {
                sink(try xpcDecoder.decode(T.self, from: envelope))
            },
            CorpusOperation(corpus: name, contestant: .json, direction: .encode) {
                sink(try jsonEncoder.encode(value))
            },
            CorpusOperation(corpus: name, contestant: .json, direction: .decode) {
                sink(try jsonDecoder.decode(T.self, from: jsonBytes))
            },
            CorpusOperation(corpus: name, contestant: .plist, direction: .encode) {
                sink(try plistEncoder.encode(value))
            },
            CorpusOperation(corpus: name, contestant: .plist, direction: .decode) {
                sink(try plistDecoder.decode(T.self, from: plistBytes))
            },
            CorpusOperation(corpus: name, contestant: .msgpackC, direction: .encode) {
                sink(MsgPackC.pack(tree.object) { _, count in count })
            },
            CorpusOperation(corpus: name, contestant: .msgpackC, direction: .decode) {
                sink(MsgPackC.unpack(pinnedBody))
            },
        ]

        let verify = { () throws in
            func check(_ condition: Bool, _ what: String) throws {
                if !condition { throw CorpusError("\(name): \(what)") }
            }
            try check(try wireDecoder.decode(envelope) == message, "XPCWireDecoder does not return the message")
            try check(try wireEncoder.encode(message) == envelope, "XPCWireEncoder is not deterministic")
            try check(try xpcEncoder.encode(value).bytes == envelope, "XPCEncoder bytes differ from XPCWireEncoder's")
            try check(try xpcDecoder.decode(T.self, from: envelope) == value, "XPCDecoder does not return the value")
            try check(try jsonDecoder.decode(T.self, from: jsonBytes) == value, "JSON does not round-trip")
            try check(try plistDecoder.decode(T.self, from: plistBytes) == value, "property list does not round-trip")
            try check(MsgPackC.unpack(pinnedBody) == body.count, "msgpack-c does not consume the whole body")
            var repackedEqual = false
            let repacked = PinnedBytes(msgpackCBytes)
            _ = MsgPackC.unpack(repacked) { repackedEqual = MsgPackC.equal($0, tree.object) }
            try check(repackedEqual, "msgpack-c's repacked body does not unpack to the same objects")
        }

        return Corpus(
            name: name, summary: summary, scalingFactor: scalingFactor, message: message,
            envelope: envelope, body: body, jsonBytes: jsonBytes, plistBytes: plistBytes,
            msgpackCBytes: msgpackCBytes, operations: operations, verify: verify)
    }
}

public struct CorpusError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Keeps a result alive so the optimiser cannot drop the work that made it.
@inline(never) @_optimize(none)
public func sink<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
