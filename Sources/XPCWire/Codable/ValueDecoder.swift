#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SystemPackage

// The `Decoder` behind `XPCDecoder` (SPEC §9.1).
//
// Built so that decoding a field or an element allocates nothing of its own: a decoder is two
// words (the shared state and the index of its node), so handing it to `init(from:)` as
// `any Decoder` needs no box; scalars and the native types are read straight from the message
// without a decoder at all; and coding paths are assembled from the node table only when someone
// asks for one (an error, a custom `init(from:)`).

/// Why a scalar could not be read; turned into a `DecodingError` with the path by the caller.
enum ScalarFailure: Error {
    /// The message holds another variant (or null).
    case mismatch(expected: String)
    /// The variant is right but the value does not fit the type.
    case corrupted(String)
}

/// What reading the native types needs from the decode it is part of.
protocol ScalarDecodingContext {
    /// The attachments that arrived with the bytes, which fd and endpoint slots index.
    var attachments: [XPCAttachment] { get }
    /// A whole subtree was taken as a dynamic `XPCMessage` at `path`: no key below is unknown.
    func takeWhole(at path: () -> [any CodingKey])
}

/// Reads scalars and the native types out of a message (SPEC §9.1).
enum ScalarDecoding {
    static func bool(_ message: XPCMessage) throws(ScalarFailure) -> Bool {
        guard case .bool(let value) = message else { throw .mismatch(expected: "bool") }
        return value
    }

    static func string(_ message: XPCMessage) throws(ScalarFailure) -> String {
        guard case .string(let value) = message else { throw .mismatch(expected: "string") }
        return value
    }

    static func double(_ message: XPCMessage) throws(ScalarFailure) -> Double {
        guard case .double(let value) = message else { throw .mismatch(expected: "double") }
        return value
    }

    static func float(_ message: XPCMessage) throws(ScalarFailure) -> Float {
        guard case .double(let value) = message else { throw .mismatch(expected: "double") }
        let narrowed = Float(value)
        guard narrowed.isFinite || !value.isFinite else { throw .corrupted("double \(value) does not fit in Float.") }
        return narrowed
    }

    /// ``integer(_:as:)`` with the type inferred, for passing as a concrete function: a closure
    /// that forwards a generic type would stay generic, and convert through witness tables.
    @inline(__always)
    static func integer<T: FixedWidthInteger>(_ message: XPCMessage) throws(ScalarFailure) -> T {
        try integer(message, as: T.self)
    }

    /// Integers accept int64 and uint64 alike when the value fits exactly; narrowing that does
    /// not fit is `dataCorrupted`.
    @inline(__always)
    static func integer<T: FixedWidthInteger>(_ message: XPCMessage, as type: T.Type) throws(ScalarFailure) -> T {
        // Range checks rather than `T(exactly:)`: its `T?` costs an unspecialized generic caller
        // a metadata lookup per value.
        switch message {
        case .int64(let value):
            guard value >= T.min, value <= T.max else { throw .corrupted("\(message) does not fit in \(type).") }
            return T(truncatingIfNeeded: value)
        case .uint64(let value):
            guard value <= T.max else { throw .corrupted("\(message) does not fit in \(type).") }
            return T(truncatingIfNeeded: value)
        default:
            throw .mismatch(expected: "int64 or uint64")
        }
    }

    /// `T` is a standard scalar or a natively mapped type, which ``value(_:from:state:path:)`` reads.
    /// Only metatypes are compared.
    @inline(__always)
    static func isDirect<T>(_: T.Type) -> Bool {
        T.self == Int.self || T.self == String.self || T.self == Bool.self || T.self == Double.self
            || T.self == Int64.self || T.self == UInt64.self || T.self == Int32.self || T.self == UInt32.self
            || T.self == UInt.self || T.self == Int16.self || T.self == UInt16.self || T.self == Int8.self
            || T.self == UInt8.self || T.self == Float.self || T.self == Date.self || T.self == UUID.self
            || T.self == Data.self || T.self == URL.self || T.self == FileDescriptor.self
            || T.self == XPCEndpointHandle.self || T.self == XPCMessage.self
    }

    /// Reads a `T` for which ``isDirect(_:)`` holds. Errors carry `path()`.
    ///
    /// Generic containers such as `Array<Int>` hand their elements to `decode<T>`, so scalars
    /// arrive here too; they are read directly (same results and errors as through `T(from:)`,
    /// which would call the same functions).
    static func value<T>(
        _ type: T.Type, from message: XPCMessage, context: some ScalarDecodingContext, path: () -> [any CodingKey]
    ) throws -> T {
        do {
            if T.self == Int.self { return reinterpret(try integer(message, as: Int.self), as: T.self) }
            if T.self == String.self { return reinterpret(try string(message), as: T.self) }
            if T.self == Bool.self { return reinterpret(try bool(message), as: T.self) }
            if T.self == Double.self { return reinterpret(try double(message), as: T.self) }
            if T.self == Int64.self { return reinterpret(try integer(message, as: Int64.self), as: T.self) }
            if T.self == UInt64.self { return reinterpret(try integer(message, as: UInt64.self), as: T.self) }
            if T.self == Int32.self { return reinterpret(try integer(message, as: Int32.self), as: T.self) }
            if T.self == UInt32.self { return reinterpret(try integer(message, as: UInt32.self), as: T.self) }
            if T.self == UInt.self { return reinterpret(try integer(message, as: UInt.self), as: T.self) }
            if T.self == Int16.self { return reinterpret(try integer(message, as: Int16.self), as: T.self) }
            if T.self == UInt16.self { return reinterpret(try integer(message, as: UInt16.self), as: T.self) }
            if T.self == Int8.self { return reinterpret(try integer(message, as: Int8.self), as: T.self) }
            if T.self == UInt8.self { return reinterpret(try integer(message, as: UInt8.self), as: T.self) }
            if T.self == Float.self { return reinterpret(try float(message), as: T.self) }
            return try native(type, from: message, context: context, path: path)
        } catch let failure as ScalarFailure {
            throw failure.decodingError(type, message: message, codingPath: path())
        }
    }

    /// The native mappings: Foundation types, attachments, and `XPCMessage` itself. Kept out of
    /// line: the scalars above are the common case.
    @inline(never)
    private static func native<T>(
        _ type: T.Type, from message: XPCMessage, context: some ScalarDecodingContext, path: () -> [any CodingKey]
    ) throws -> T {
        if T.self == Date.self {
            guard case .date(let date) = message else { throw ScalarFailure.mismatch(expected: "date") }
            return reinterpret(date.date, as: T.self)
        }
        if T.self == UUID.self {
            guard case .uuid(let uuid) = message else { throw ScalarFailure.mismatch(expected: "uuid") }
            return reinterpret(uuid, as: T.self)
        }
        if T.self == Data.self {
            guard case .data(let bytes) = message else { throw ScalarFailure.mismatch(expected: "data") }
            return reinterpret(Data(bytes), as: T.self)
        }
        if T.self == URL.self {
            guard case .string(let text) = message else { throw ScalarFailure.mismatch(expected: "string") }
            guard let url = URL(string: text) else { throw ScalarFailure.corrupted("Invalid URL string \(XPCMessage.quoted(text)).") }
            return reinterpret(url, as: T.self)
        }
        if T.self == FileDescriptor.self {
            guard case .fd(let slot) = message else { throw ScalarFailure.mismatch(expected: "fd") }
            guard case .fd(let descriptor) = try attachment(slot, in: context.attachments) else {
                throw ScalarFailure.corrupted("Slot \(slot) holds an endpoint, not a file descriptor.")
            }
            return reinterpret(descriptor, as: T.self)
        }
        if T.self == XPCEndpointHandle.self {
            guard case .endpoint(let slot) = message else { throw ScalarFailure.mismatch(expected: "endpoint") }
            guard case .endpoint(let endpoint) = try attachment(slot, in: context.attachments) else {
                throw ScalarFailure.corrupted("Slot \(slot) holds a file descriptor, not an endpoint.")
            }
            return reinterpret(endpoint, as: T.self)
        }
        if T.self == XPCMessage.self {
            context.takeWhole(at: path)
            return reinterpret(message, as: T.self)
        }
        // Unreachable behind `isDirect`; a type error rather than a trap if that ever changes.
        throw ScalarFailure.mismatch(expected: "a natively mapped type")
    }

    private static func attachment(_ slot: UInt16, in attachments: [XPCAttachment]) throws(ScalarFailure) -> XPCAttachment {
        guard Int(slot) < attachments.count else {
            throw .corrupted("Slot \(slot) is out of range: \(attachments.count) attachments were received.")
        }
        return attachments[Int(slot)]
    }

    /// The variant and, for scalars, the value: `int64 300`, `string "abc"`, `array of 3`.
    static func summary(_ message: XPCMessage) -> String {
        switch message {
        case .string(let value): return "string \(XPCMessage.quoted(value.count > 40 ? String(value.prefix(40)) + "…" : value))"
        case .array(let elements): return "array of \(elements.count)"
        case .dictionary(let dictionary): return "dictionary of \(dictionary.count)"
        case .data(let bytes): return "data of \(bytes.count) bytes"
        default: return message.description
        }
    }

    /// `typeMismatch` (or `valueNotFound` for null) naming what was expected and what was found.
    static func mismatch(_ type: Any.Type, expected: String, message: XPCMessage, codingPath: [any CodingKey]) -> DecodingError {
        if message.isNull {
            return DecodingError.valueNotFound(type, DecodingError.Context(
                codingPath: codingPath, debugDescription: "Expected \(expected) for \(type) but found null."))
        }
        return DecodingError.typeMismatch(type, DecodingError.Context(
            codingPath: codingPath, debugDescription: "Expected \(expected) for \(type) but found \(summary(message))."))
    }
}

extension ScalarFailure {
    func decodingError(_ type: Any.Type, message: XPCMessage, codingPath: [any CodingKey]) -> DecodingError {
        switch self {
        case .mismatch(let expected):
            ScalarDecoding.mismatch(type, expected: expected, message: message, codingPath: codingPath)
        case .corrupted(let description):
            DecodingError.dataCorrupted(DecodingError.Context(codingPath: codingPath, debugDescription: description))
        }
    }
}

/// The `Decoder` behind ``XPCDecoder``: one node of a ``DecodingState`` (SPEC §9.1).
struct ValueDecoder: Decoder, ScalarReadingSingleValueContainer {
    let state: DecodingState
    let node: Int

    init(state: DecodingState, node: Int) {
        self.state = state
        self.node = node
    }

    var message: XPCMessage { state.messages[node] }

    /// A decoder of `message` at `codingPath`, in a decode of its own (default options).
    static func detached(
        _ message: XPCMessage, at codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: any Sendable],
        attachments: [XPCAttachment]
    ) -> ValueDecoder {
        let state = DecodingState(options: XPCDecoder.Options(), userInfo: userInfo, attachments: attachments)
        var node = state.addNode(.null, parent: -1, .none)
        for key in codingPath { node = state.addNode(.null, parent: node, .key(key)) }
        return ValueDecoder(state: state, node: state.addNode(message, parent: node, .none))
    }

    var codingPath: [any CodingKey] { state.codingPath(of: node) }

    var userInfo: [CodingUserInfoKey: Any] { state.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let message = self.message
        guard case .dictionary(let dictionary) = message else {
            throw ScalarDecoding.mismatch([String: Any].self, expected: "dictionary", message: message, codingPath: codingPath)
        }
        let usage = state.options.unknownKeyPolicy == .reject ? state.keyUsage(for: dictionary, at: codingPath) : nil
        return KeyedDecodingContainer(KeyedContainer<Key>(decoder: self, dictionary: dictionary, usage: usage))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let message = self.message
        guard case .array = message else {
            throw ScalarDecoding.mismatch([Any].self, expected: "array", message: message, codingPath: codingPath)
        }
        return UnkeyedContainer(decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    /// A decoder for `message`, nested in this decoder's container at `component`.
    func nested(_ message: XPCMessage, at component: CodingPathTable.Component) -> ValueDecoder {
        ValueDecoder(state: state, node: state.addNode(message, parent: node, component))
    }

    /// Decodes a value of any type from `message`, which sits at `component` in this container.
    @inline(__always)
    func decodeValue<T: Decodable>(_ type: T.Type, from message: XPCMessage, at component: @autoclosure () -> CodingPathTable.Component) throws -> T {
        if ScalarDecoding.isDirect(T.self) {
            return try ScalarDecoding.value(type, from: message, context: state, path: {
                var path = codingPath
                path.append(component().key)
                return path
            })
        }
        return try T(from: nested(message, at: component()))
    }

    // MARK: SingleValueDecodingContainer

    func readScalar<T>(_ type: T.Type, _ body: (XPCMessage) throws(ScalarFailure) -> T) throws -> T {
        let message = self.message
        do {
            return try body(message)
        } catch {
            throw error.decodingError(type, message: message, codingPath: codingPath)
        }
    }

    func decodeNil() -> Bool { message.isNull }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try unbox(type) }

    /// Decodes this decoder's own value as any type, the native mappings first.
    func unbox<T: Decodable>(_ type: T.Type) throws -> T {
        if ScalarDecoding.isDirect(T.self) {
            return try ScalarDecoding.value(type, from: message, context: state, path: { codingPath })
        }
        return try T(from: self)
    }
}

/// Reads a dictionary through `KeyedDecodingContainer`.
private struct KeyedContainer<Key: CodingKey>: ScalarReadingKeyedContainer {
    let decoder: ValueDecoder
    let dictionary: XPCDictionary
    let usage: DecodingState.KeyUsage?

    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] {
        dictionary.compactMap { Key(stringValue: $0.key) }
    }

    func contains(_ key: Key) -> Bool {
        lookup(key) != nil
    }

    private func lookup(_ key: Key) -> XPCMessage? {
        let name = key.stringValue
        usage?.used.insert(Array(name.utf8))
        return dictionary[name]
    }

    private func message(for key: Key) throws -> XPCMessage {
        guard let message = lookup(key) else {
            throw DecodingError.keyNotFound(key, DecodingError.Context(
                codingPath: codingPath,
                debugDescription: "No value for key \(XPCMessage.quoted(key.stringValue)) in a dictionary of \(dictionary.count)."))
        }
        return message
    }

    func readScalar<T>(_ type: T.Type, forKey key: Key, _ body: (XPCMessage) throws(ScalarFailure) -> T) throws -> T {
        let message = try message(for: key)
        do {
            return try body(message)
        } catch {
            throw error.decodingError(type, message: message, codingPath: codingPath + [key])
        }
    }

    func decodeNil(forKey key: Key) throws -> Bool { try message(for: key).isNull }


    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.decodeValue(type, from: try message(for: key), at: .key(key))
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder.nested(try message(for: key), at: .key(key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.nested(try message(for: key), at: .key(key)).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        try superDecoder(named: XPCCodingKey.super)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try superDecoder(named: key)
    }

    /// A missing `super` entry decodes as null, as `JSONDecoder` does.
    private func superDecoder(named key: any CodingKey) throws -> any Decoder {
        let name = key.stringValue
        usage?.used.insert(Array(name.utf8))
        return decoder.nested(dictionary[name] ?? .null, at: .key(key))
    }
}

/// Reads an array through `UnkeyedDecodingContainer`.
///
/// Three words, so returning it as `any UnkeyedDecodingContainer` allocates nothing; its
/// elements are read from its decoder's node.
private struct UnkeyedContainer: ScalarReadingUnkeyedContainer {
    let decoder: ValueDecoder
    private(set) var currentIndex = 0

    init(decoder: ValueDecoder) {
        self.decoder = decoder
    }

    private var elements: XPCArray {
        guard case .array(let elements) = decoder.message else { return XPCArray() }
        return elements
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    /// The next element, or `valueNotFound` naming `type` at the end.
    private func next(_ type: Any.Type) throws -> XPCMessage {
        let elements = self.elements
        guard currentIndex < elements.count else {
            throw DecodingError.valueNotFound(type, DecodingError.Context(
                codingPath: codingPath + [XPCCodingKey(index: currentIndex)],
                debugDescription: "Unkeyed container is at its end: it has \(elements.count) elements."))
        }
        return elements[currentIndex]
    }

    /// Reads the next element with `body`, advancing past it only when that succeeds.
    mutating func readScalar<T>(_ type: T.Type, _ body: (XPCMessage) throws(ScalarFailure) -> T) throws -> T {
        let message = try next(type)
        do {
            let value = try body(message)
            currentIndex += 1
            return value
        } catch {
            throw error.decodingError(type, message: message, codingPath: codingPath + [XPCCodingKey(index: currentIndex)])
        }
    }

    mutating func decodeNil() throws -> Bool {
        if try next(Any?.self).isNull {
            currentIndex += 1
            return true
        }
        return false
    }



    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let value = try decoder.decodeValue(type, from: try next(type), at: .index(currentIndex))
        currentIndex += 1
        return value
    }

    /// A decoder for the next element, advancing past it only when `body` succeeds.
    private mutating func nextDecoder<T>(_ type: T.Type, _ body: (ValueDecoder) throws -> T) throws -> T {
        let value = try body(decoder.nested(try next(type), at: .index(currentIndex)))
        currentIndex += 1
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try nextDecoder(KeyedDecodingContainer<NestedKey>.self) { try $0.container(keyedBy: type) }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try nextDecoder((any UnkeyedDecodingContainer).self) { try $0.unkeyedContainer() }
    }

    mutating func superDecoder() throws -> any Decoder {
        try nextDecoder((any Decoder).self) { $0 }
    }
}
