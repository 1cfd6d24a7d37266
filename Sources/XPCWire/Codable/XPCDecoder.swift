#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Decodes `Decodable` values from ``XPCMessage`` trees or XPCWire bytes, the way `JSONDecoder`
/// decodes JSON, with XPC's native types (SPEC §9.1).
///
/// Decoding is strict about variants — a `String` field does not accept an `int64` — but lenient
/// between `int64` and `uint64` when the value fits, so bytes from other languages' MessagePack
/// writers decode. Errors are `DecodingError`s with the full coding path; malformed bytes give
/// `DecodingError.dataCorrupted` whose underlying error is the ``XPCWireDecodingError`` with its
/// byte offset.
///
/// ```swift
/// let upload = try XPCDecoder().decode(Upload.self, from: received.bytes, attachments: received.attachments)
/// ```
public struct XPCDecoder: Sendable {
    /// What to do with dictionary keys that the type being decoded never asks for.
    public enum UnknownKeyPolicy: Sendable, Hashable {
        /// Ignore them (the default): an older reader accepts a newer writer's extra fields.
        case ignore
        /// Fail with `DecodingError.dataCorrupted` naming the first unknown key and its path.
        case reject
    }

    /// How values are decoded.
    public struct Options: Sendable, Hashable {
        /// Unknown keys. Default ``UnknownKeyPolicy/ignore``.
        public var unknownKeyPolicy: UnknownKeyPolicy = .ignore
        /// Wire decoding options for the bytes path: limits and strictness. Default: their defaults.
        public var wireOptions = XPCWireDecodingOptions()

        /// The default options.
        public init() {}
    }

    /// How values are decoded.
    public var options: Options

    /// Contextual information for `init(from:)` implementations.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    /// Creates a decoder.
    public init(options: Options = Options(), userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.options = options
        self.userInfo = userInfo
    }

    /// Decodes a value from envelope bytes and the attachments that arrived with them.
    ///
    /// The attachments must match the envelope's slot table in count and kinds.
    ///
    /// The value is read straight from the bytes, without building an ``XPCMessage`` tree, with
    /// the same results and errors as decoding the tree ``XPCWireDecoder`` makes of them.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], attachments: [XPCAttachment] = []) throws -> T {
        if options.unknownKeyPolicy == .ignore {
            return try bytes.withUnsafeBytes { try decodeDirectly(type, from: $0, attachments: attachments) }
        }
        return try decodeThroughTree(type, from: bytes, attachments: attachments)
    }

    /// The bytes path through an ``XPCMessage`` tree: the definition the direct path matches,
    /// and the path that checks for unknown keys.
    func decodeThroughTree<T: Decodable>(_ type: T.Type, from bytes: [UInt8], attachments: [XPCAttachment]) throws -> T {
        let message: XPCMessage
        do throws(XPCWireDecodingError) {
            message = try XPCWireDecoder(options: options.wireOptions).decode(bytes, attachments: attachments)
        } catch {
            throw Self.corruptBytes(error)
        }
        return try decode(type, from: message, attachments: attachments)
    }

    /// Decodes a value from a message tree; fd and endpoint slots index `attachments`.
    public func decode<T: Decodable>(_ type: T.Type, from message: XPCMessage, attachments: [XPCAttachment] = []) throws -> T {
        let state = DecodingState(options: options, userInfo: userInfo, attachments: attachments)
        let root = state.addNode(message, parent: -1, .none)
        let value = try ValueDecoder(state: state, node: root).unbox(type)
        try state.checkUnknownKeys()
        return value
    }
}

/// What one decode call shares across all its nested decoders.
final class DecodingState: ScalarDecodingContext {
    let options: XPCDecoder.Options
    let userInfo: [CodingUserInfoKey: Any]
    let attachments: [XPCAttachment]
    /// The keyed containers opened so far, by coding path, for ``XPCDecoder/UnknownKeyPolicy/reject``.
    /// A container opened twice at the same path (with two key types) shares one record.
    var keyedContainers: [String: KeyUsage] = [:]
    /// Paths in the order first opened, so the first unknown key reported is deterministic.
    var keyedContainerOrder: [String] = []

    /// Every value a decoder was made for (SPEC §9.1): decoders are indices into this table and
    /// ``paths``. One decode runs on one thread and its accesses never overlap, so the runtime's
    /// exclusivity checks are off.
    @exclusivity(unchecked) private(set) var messages: [XPCMessage] = []
    /// Where each of ``messages`` is, for coding paths read only when asked for.
    @exclusivity(unchecked) private var paths = CodingPathTable(capacity: 32)

    init(options: XPCDecoder.Options, userInfo: [CodingUserInfoKey: any Sendable], attachments: [XPCAttachment]) {
        self.options = options
        self.userInfo = userInfo
        self.attachments = attachments
        messages.reserveCapacity(32)
    }

    /// Records a value a decoder is made for and returns its node.
    func addNode(_ message: XPCMessage, parent: Int, _ component: CodingPathTable.Component) -> Int {
        messages.append(message)
        return paths.add(parent: parent, component)
    }

    /// The coding path of `node`: the keys and indices from the root to it.
    func codingPath(of node: Int) -> [any CodingKey] { paths.codingPath(of: node) }

    /// The keys one keyed container was asked about.
    final class KeyUsage {
        let dictionary: XPCDictionary
        let codingPath: [any CodingKey]
        var used = Set<[UInt8]>()

        init(dictionary: XPCDictionary, codingPath: [any CodingKey]) {
            self.dictionary = dictionary
            self.codingPath = codingPath
        }
    }

    /// The usage record for a keyed container at `codingPath`, when unknown keys are rejected.
    func keyUsage(for dictionary: XPCDictionary, at codingPath: [any CodingKey]) -> KeyUsage? {
        guard options.unknownKeyPolicy == .reject else { return nil }
        let path = Self.identity(of: codingPath)
        if let existing = keyedContainers[path] { return existing }
        let usage = KeyUsage(dictionary: dictionary, codingPath: codingPath)
        keyedContainers[path] = usage
        keyedContainerOrder.append(path)
        return usage
    }

    /// Paths whose whole subtree was taken as a dynamic `XPCMessage`: every key below is used.
    var consumedPaths: [String] = []

    /// A string naming a place in the message: array indices (the bridge's own index keys) and
    /// dictionary keys (by their string, never their `intValue`, which several keys can share)
    /// are told apart, and components are separated by U+0000, which no key contains.
    static func identity(of codingPath: [any CodingKey]) -> String {
        codingPath.map { key in
            if let index = key as? XPCCodingKey, let value = index.intValue { return "#\(value)" }
            return "$" + key.stringValue
        }.joined(separator: "\u{0}")
    }

    func takeWhole(at path: () -> [any CodingKey]) {
        if options.unknownKeyPolicy == .reject { consumeSubtree(at: path()) }
    }

    /// Marks everything at and below `codingPath` as read.
    func consumeSubtree(at codingPath: [any CodingKey]) {
        guard options.unknownKeyPolicy == .reject else { return }
        consumedPaths.append(Self.identity(of: codingPath))
    }

    private func isConsumed(_ path: String) -> Bool {
        consumedPaths.contains { consumed in
            consumed.isEmpty || path == consumed || path.hasPrefix(consumed + "\u{0}")
        }
    }

    func checkUnknownKeys() throws {
        guard options.unknownKeyPolicy == .reject else { return }
        for path in keyedContainerOrder where !isConsumed(path) {
            guard let usage = keyedContainers[path] else { continue }
            for entry in usage.dictionary where !usage.used.contains(Array(entry.key.utf8)) {
                throw DecodingError.dataCorrupted(DecodingError.Context(
                    codingPath: usage.codingPath + [XPCCodingKey(stringValue: entry.key)],
                    debugDescription: "Unknown key \(XPCMessage.quoted(entry.key)) (unknown keys are rejected by the options)."))
            }
        }
    }
}
