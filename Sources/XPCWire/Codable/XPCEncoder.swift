#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SystemPackage

/// Bytes ready to send, with the attachments that travel beside them in slot order.
public struct XPCEncodedMessage: Sendable {
    /// The canonical envelope (SPEC §3).
    public var bytes: [UInt8]
    /// The out-of-band attachments, one per slot (SPEC §3.4).
    public var attachments: [XPCAttachment]

    /// Pairs bytes with their attachments.
    public init(bytes: [UInt8], attachments: [XPCAttachment]) {
        self.bytes = bytes
        self.attachments = attachments
    }
}

/// Encodes `Encodable` values as ``XPCMessage`` trees or XPCWire bytes, the way `JSONEncoder`
/// encodes JSON, with XPC's native types (SPEC §9.1).
///
/// `Date`, `UUID` and `Data` become `date`, `uuid` and `data`; a `FileDescriptor` becomes an fd
/// slot and an ``XPCEndpointHandle`` an endpoint slot, whose attachments are collected in order.
///
/// ```swift
/// struct Upload: Codable {
///     var id: UUID
///     var sent: Date
///     var file: FileDescriptor
/// }
/// let encoded = try XPCEncoder().encode(Upload(id: UUID(), sent: Date(), file: descriptor))
/// // encoded.bytes: the envelope; encoded.attachments == [.fd(descriptor)]
/// ```
public struct XPCEncoder: Sendable {
    /// How `nil` optionals are written.
    public enum NilEncodingStrategy: Sendable, Hashable {
        /// Leave the key out of the dictionary (the default, and what `encodeIfPresent` means).
        case omitKey
        /// Write the key with a `null` value.
        case null
    }

    /// How values are encoded.
    public struct Options: Sendable, Hashable {
        /// How `nil` optionals in keyed containers are written. Default ``NilEncodingStrategy/omitKey``.
        public var nilEncodingStrategy: NilEncodingStrategy = .omitKey
        /// Wire encoding options for the bytes path. Default: ``XPCWireEncodingOptions``'s defaults.
        public var wireOptions = XPCWireEncodingOptions()

        /// The default options.
        public init() {}
    }

    /// How values are encoded.
    public var options: Options

    /// Contextual information for `encode(to:)` implementations.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    /// Creates an encoder.
    public init(options: Options = Options(), userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.options = options
        self.userInfo = userInfo
    }

    /// Encodes a value into canonical envelope bytes and the attachments its fds and endpoints need.
    ///
    /// The bytes are identical to encoding ``encodeMessage(_:attachments:)``'s result with
    /// ``XPCWireEncoder``, but are written directly, without building that message.
    public func encode<T: Encodable>(_ value: T) throws -> XPCEncodedMessage {
        // Straight to bytes when the value's encoding allows it; otherwise (and for every error)
        // through the tree, which defines the result (see DirectEncoder.swift).
        if let encoded = try? DirectEncodingState.encode(value, options: options, userInfo: userInfo) {
            return encoded
        }
        return try encodeThroughTree(value)
    }

    /// The bytes path through an ``XPCMessage`` tree: the definition the direct path matches.
    func encodeThroughTree<T: Encodable>(_ value: T) throws -> XPCEncodedMessage {
        var attachments: [XPCAttachment] = []
        let message = try encodeMessage(value, attachments: &attachments)
        do {
            let bytes = try XPCWireEncoder(options: options.wireOptions).encode(message, attachments: attachments)
            return XPCEncodedMessage(bytes: bytes, attachments: attachments)
        } catch {
            throw EncodingError.invalidValue(value, EncodingError.Context(
                codingPath: error.path.map(XPCCodingKey.codingPath(of:)) ?? [], debugDescription: "\(error)",
                underlyingError: error))
        }
    }

    /// Encodes a value into a message tree, appending the attachments of its fds and endpoints.
    public func encodeMessage<T: Encodable>(_ value: T, attachments: inout [XPCAttachment]) throws -> XPCMessage {
        let state = EncodingState(options: options, userInfo: userInfo, attachments: attachments)
        let future = try ValueEncoder(state: state, codingPath: []).encodeTopLevel(value)
        // Containers cannot throw when they are created; a bad key they were given is reported here.
        if let error = state.deferredError { throw error }
        attachments = state.attachments
        return future.resolved()
    }

    /// Encodes a value that holds no file descriptors or endpoints into a message tree.
    ///
    /// - Throws: `EncodingError.invalidValue` if the value holds an fd or endpoint; use
    ///   ``encodeMessage(_:attachments:)`` for those.
    public func encodeMessage<T: Encodable>(_ value: T) throws -> XPCMessage {
        var attachments: [XPCAttachment] = []
        let message = try encodeMessage(value, attachments: &attachments)
        guard attachments.isEmpty else {
            throw EncodingError.invalidValue(value, EncodingError.Context(
                codingPath: [],
                debugDescription: "The value holds \(attachments.count) attachments; use encodeMessage(_:attachments:)."))
        }
        return message
    }
}

/// What one encode call shares across all its nested encoders.
final class EncodingState {
    let options: XPCEncoder.Options
    let userInfo: [CodingUserInfoKey: Any]
    var attachments: [XPCAttachment]
    /// The first error found where throwing was not possible (a bad key for a nested container).
    var deferredError: EncodingError?

    init(options: XPCEncoder.Options, userInfo: [CodingUserInfoKey: any Sendable], attachments: [XPCAttachment]) {
        self.options = options
        self.userInfo = userInfo
        self.attachments = attachments
    }

    /// Adds an attachment and returns its slot.
    func attach(_ attachment: XPCAttachment, codingPath: @autoclosure () -> [any CodingKey]) throws -> UInt16 {
        // Slot indices are 16-bit: 65,535 attachments at most (SPEC §3.1).
        guard attachments.count < Int(UInt16.max) else {
            throw EncodingError.invalidValue(attachment, EncodingError.Context(
                codingPath: codingPath(), debugDescription: "More than 65,535 attachments in one message."))
        }
        attachments.append(attachment)
        return UInt16(attachments.count - 1)
    }
}

/// A value under construction: a finished message, or a container that nested encoders still fill.
enum EncodingFuture {
    case value(XPCMessage)
    case array(ArrayStorage)
    case dictionary(DictionaryStorage)
    /// A nested encoder (`superEncoder`) whose value is read when the tree is resolved.
    case encoder(ValueEncoder)

    /// The finished message; empty containers and encoders that wrote nothing become `{}`.
    func resolved() -> XPCMessage {
        switch self {
        case .value(let message): return message
        case .array(let storage): return .array(XPCArray(storage.elements.map { $0.resolved() }))
        case .dictionary(let storage): return .dictionary(storage.resolved())
        case .encoder(let encoder): return encoder.future?.resolved() ?? .dictionary(XPCDictionary())
        }
    }
}

/// The elements of an unkeyed container.
final class ArrayStorage {
    var elements: [EncodingFuture] = []
}

/// The entries of a keyed container, in the order written; a repeated key's last value wins.
final class DictionaryStorage {
    var entries: [(key: String, value: EncodingFuture)] = []

    /// Sorts by key bytes (SPEC §5.2), keeping the last value written for a repeated key.
    func resolved() -> XPCDictionary {
        var order = Array(entries.indices)
        order.sort { lhs, rhs in
            let comparison = UTF8Order.compare(entries[lhs].key, entries[rhs].key)
            return comparison != 0 ? comparison < 0 : lhs < rhs
        }
        var elements: [XPCDictionary.Element] = []
        elements.reserveCapacity(order.count)
        for (position, index) in order.enumerated() {
            let next = position + 1
            if next < order.count, UTF8Order.equal(entries[order[next]].key, entries[index].key) { continue }
            elements.append(XPCDictionary.Element(key: entries[index].key, value: entries[index].value.resolved()))
        }
        return XPCDictionary(sortedUniqueEntries: elements)
    }
}
