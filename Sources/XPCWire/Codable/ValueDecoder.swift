#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SystemPackage

/// The `Decoder` behind ``XPCDecoder``: one per value being decoded (SPEC §9.1).
struct ValueDecoder: Decoder, SingleValueDecodingContainer {
    let state: DecodingState
    let message: XPCMessage
    /// The path of the container this value is in, and the value's key there (`nil` at the root):
    /// ``codingPath`` is assembled from them only when asked for (errors, nested containers), so
    /// decoding a field or an element allocates no path.
    private let parentPath: [any CodingKey]
    private let key: (any CodingKey)?

    init(state: DecodingState, message: XPCMessage, codingPath: [any CodingKey]) {
        self.state = state
        self.message = message
        self.parentPath = codingPath
        self.key = nil
    }

    private init(state: DecodingState, message: XPCMessage, parentPath: [any CodingKey], key: any CodingKey) {
        self.state = state
        self.message = message
        self.parentPath = parentPath
        self.key = key
    }

    var codingPath: [any CodingKey] {
        guard let key else { return parentPath }
        return parentPath + [key]
    }

    var userInfo: [CodingUserInfoKey: Any] { state.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .dictionary(let dictionary) = message else {
            throw mismatch([String: Any].self, expected: "dictionary")
        }
        let usage = state.keyUsage(for: dictionary, at: codingPath)
        return KeyedDecodingContainer(KeyedContainer<Key>(
            decoder: self, dictionary: dictionary, codingPath: codingPath, usage: usage))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = message else {
            throw mismatch([Any].self, expected: "array")
        }
        return UnkeyedContainer(decoder: self, elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    /// A decoder for a value nested at `key`.
    func nested(_ message: XPCMessage, at key: any CodingKey) -> ValueDecoder {
        ValueDecoder(state: state, message: message, parentPath: codingPath, key: key)
    }

    /// A decoder for a value nested at `key` of a container whose path is `containerPath`.
    func nested(_ message: XPCMessage, in containerPath: [any CodingKey], at key: any CodingKey) -> ValueDecoder {
        ValueDecoder(state: state, message: message, parentPath: containerPath, key: key)
    }

    // MARK: Errors that name the expected and the found variant

    /// `typeMismatch` (or `valueNotFound` for null) naming what was expected and what was found.
    func mismatch(_ type: Any.Type, expected: String) -> DecodingError {
        if message.isNull {
            return DecodingError.valueNotFound(type, DecodingError.Context(
                codingPath: codingPath, debugDescription: "Expected \(expected) for \(type) but found null."))
        }
        return DecodingError.typeMismatch(type, DecodingError.Context(
            codingPath: codingPath, debugDescription: "Expected \(expected) for \(type) but found \(Self.summary(message))."))
    }

    func corrupted(_ description: String) -> DecodingError {
        DecodingError.dataCorrupted(DecodingError.Context(codingPath: codingPath, debugDescription: description))
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

    // MARK: Scalars (SPEC §9.1)

    func decodeNil() -> Bool { message.isNull }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let value) = message else { throw mismatch(type, expected: "bool") }
        return value
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let value) = message else { throw mismatch(type, expected: "string") }
        return value
    }

    func decode(_ type: Double.Type) throws -> Double {
        guard case .double(let value) = message else { throw mismatch(type, expected: "double") }
        return value
    }

    func decode(_ type: Float.Type) throws -> Float {
        guard case .double(let value) = message else { throw mismatch(type, expected: "double") }
        let narrowed = Float(value)
        guard narrowed.isFinite || !value.isFinite else {
            throw corrupted("double \(value) does not fit in Float.")
        }
        return narrowed
    }

    func decode(_ type: Int.Type) throws -> Int { try decodeInteger(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decodeInteger(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decodeInteger(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decodeInteger(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decodeInteger(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try decodeInteger(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decodeInteger(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decodeInteger(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decodeInteger(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decodeInteger(type) }

    /// Integers accept int64 and uint64 alike when the value fits exactly; narrowing that does
    /// not fit is `dataCorrupted`.
    private func decodeInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let converted: T?
        switch message {
        case .int64(let value): converted = T(exactly: value)
        case .uint64(let value): converted = T(exactly: value)
        default: throw mismatch(type, expected: "int64 or uint64")
        }
        guard let converted else {
            throw corrupted("\(message) does not fit in \(type).")
        }
        return converted
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try unbox(type) }

    /// Decodes any value, mapping the standard scalars and the native types first.
    ///
    /// Generic containers such as `Array<Int>` hand their elements to `decode<T>`, so scalars
    /// arrive here too; they are decoded directly (same results and errors as through `T(from:)`,
    /// which would call the same `decode(_:)`). Only metatypes are compared, and nothing here
    /// returns a `T?`, whose metadata an unspecialized generic would look up on every call.
    func unbox<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == Int.self { return reinterpret(try decode(Int.self), as: T.self) }
        if T.self == String.self { return reinterpret(try decode(String.self), as: T.self) }
        if T.self == Bool.self { return reinterpret(try decode(Bool.self), as: T.self) }
        if T.self == Double.self { return reinterpret(try decode(Double.self), as: T.self) }
        if T.self == Int64.self { return reinterpret(try decode(Int64.self), as: T.self) }
        if T.self == UInt64.self { return reinterpret(try decode(UInt64.self), as: T.self) }
        if T.self == Int32.self { return reinterpret(try decode(Int32.self), as: T.self) }
        if T.self == UInt32.self { return reinterpret(try decode(UInt32.self), as: T.self) }
        if T.self == UInt.self { return reinterpret(try decode(UInt.self), as: T.self) }
        if T.self == Int16.self { return reinterpret(try decode(Int16.self), as: T.self) }
        if T.self == UInt16.self { return reinterpret(try decode(UInt16.self), as: T.self) }
        if T.self == Int8.self { return reinterpret(try decode(Int8.self), as: T.self) }
        if T.self == UInt8.self { return reinterpret(try decode(UInt8.self), as: T.self) }
        if T.self == Float.self { return reinterpret(try decode(Float.self), as: T.self) }
        if Self.mayBeSpecial(T.self) { return try unboxSpecial(type) }
        return try T(from: self)
    }

    /// `T` may be one of the types ``unboxSpecial(_:)`` maps: only then are its checks made.
    @inline(__always)
    private static func mayBeSpecial<T>(_: T.Type) -> Bool {
        T.self == Date.self || T.self == UUID.self || T.self == Data.self || T.self == URL.self
            || T.self == FileDescriptor.self || T.self == XPCEndpointHandle.self || T.self == XPCMessage.self
    }

    /// The native mappings, or `T(from:)` for a type that only looked special. Kept out of line:
    /// its `T?` casts would otherwise make every `unbox` call look up `Optional<T>`'s metadata.
    @inline(never)
    private func unboxSpecial<T: Decodable>(_ type: T.Type) throws -> T {
        if let special = try unboxNative(type) { return special }
        return try T(from: self)
    }

    private func unboxNative<T: Decodable>(_ type: T.Type) throws -> T? {
        switch type {
        case is Date.Type:
            guard case .date(let date) = message else { throw mismatch(type, expected: "date") }
            return date.date as? T
        case is UUID.Type:
            guard case .uuid(let uuid) = message else { throw mismatch(type, expected: "uuid") }
            return uuid as? T
        case is Data.Type:
            guard case .data(let bytes) = message else { throw mismatch(type, expected: "data") }
            return Data(bytes) as? T
        case is URL.Type:
            guard case .string(let text) = message else { throw mismatch(type, expected: "string") }
            guard let url = URL(string: text) else { throw corrupted("Invalid URL string \(XPCMessage.quoted(text)).") }
            return url as? T
        case is FileDescriptor.Type:
            guard case .fd(let slot) = message else { throw mismatch(type, expected: "fd") }
            guard case .fd(let descriptor) = try attachment(slot) else {
                throw corrupted("Slot \(slot) holds an endpoint, not a file descriptor.")
            }
            return descriptor as? T
        case is XPCEndpointHandle.Type:
            guard case .endpoint(let slot) = message else { throw mismatch(type, expected: "endpoint") }
            guard case .endpoint(let endpoint) = try attachment(slot) else {
                throw corrupted("Slot \(slot) holds a file descriptor, not an endpoint.")
            }
            return endpoint as? T
        case is XPCMessage.Type:
            state.consumeSubtree(at: codingPath)
            return message as? T
        default:
            return nil
        }
    }

    private func attachment(_ slot: UInt16) throws -> XPCAttachment {
        let attachments = state.attachments
        guard Int(slot) < attachments.count else {
            throw corrupted("Slot \(slot) is out of range: \(attachments.count) attachments were received.")
        }
        return attachments[Int(slot)]
    }
}

/// Reads a dictionary through `KeyedDecodingContainer`.
private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: ValueDecoder
    let dictionary: XPCDictionary
    let codingPath: [any CodingKey]
    let usage: DecodingState.KeyUsage?

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

    private func value(for key: Key) throws -> ValueDecoder {
        guard let message = lookup(key) else {
            throw DecodingError.keyNotFound(key, DecodingError.Context(
                codingPath: codingPath,
                debugDescription: "No value for key \(XPCMessage.quoted(key.stringValue)) in a dictionary of \(dictionary.count)."))
        }
        return decoder.nested(message, in: codingPath, at: key)
    }

    func decodeNil(forKey key: Key) throws -> Bool { try value(for: key).decodeNil() }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try value(for: key).decode(type) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try value(for: key).decode(type) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try value(for: key).decode(type) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try value(for: key).decode(type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try value(for: key).decode(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try value(for: key).decode(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try value(for: key).decode(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try value(for: key).decode(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try value(for: key).decode(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try value(for: key).decode(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try value(for: key).decode(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try value(for: key).decode(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try value(for: key).decode(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try value(for: key).decode(type) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try value(for: key).unbox(type) }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try value(for: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try value(for: key).unkeyedContainer()
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
        return decoder.nested(dictionary[name] ?? .null, in: codingPath, at: key)
    }
}

/// Reads an array through `UnkeyedDecodingContainer`.
private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: ValueDecoder
    let elements: [XPCMessage]
    let codingPath: [any CodingKey]
    private(set) var currentIndex = 0

    init(decoder: ValueDecoder, elements: [XPCMessage], codingPath: [any CodingKey]) {
        self.decoder = decoder
        self.elements = elements
        self.codingPath = codingPath
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    /// Decodes the next element with `body`, advancing past it only when that succeeds.
    private mutating func decodeNext<T>(_ type: T.Type, _ body: (ValueDecoder) throws -> T) throws -> T {
        let key = XPCCodingKey(index: currentIndex)
        guard currentIndex < elements.count else {
            throw DecodingError.valueNotFound(type, DecodingError.Context(
                codingPath: codingPath + [key],
                debugDescription: "Unkeyed container is at its end: it has \(elements.count) elements."))
        }
        let value = try body(decoder.nested(elements[currentIndex], in: codingPath, at: key))
        currentIndex += 1
        return value
    }

    mutating func decodeNil() throws -> Bool {
        guard currentIndex < elements.count else {
            throw DecodingError.valueNotFound(Any?.self, DecodingError.Context(
                codingPath: codingPath + [XPCCodingKey(index: currentIndex)],
                debugDescription: "Unkeyed container is at its end: it has \(elements.count) elements."))
        }
        if elements[currentIndex].isNull {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try decodeNext(type) { try $0.decode(type) } }
    mutating func decode(_ type: String.Type) throws -> String { try decodeNext(type) { try $0.decode(type) } }
    mutating func decode(_ type: Double.Type) throws -> Double { try decodeNext(type) { try $0.decode(type) } }
    mutating func decode(_ type: Float.Type) throws -> Float { try decodeNext(type) { try $0.decode(type) } }
    mutating func decode(_ type: Int.Type) throws -> Int { try decodeNext(type) { try $0.decode(type) } }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try decodeNext(type) { try $0.decode(type) } }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try decodeNext(type) { try $0.decode(type) } }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try decodeNext(type) { try $0.decode(type) } }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try decodeNext(type) { try $0.decode(type) } }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try decodeNext(type) { try $0.decode(type) } }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try decodeNext(type) { try $0.decode(type) } }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try decodeNext(type) { try $0.decode(type) } }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try decodeNext(type) { try $0.decode(type) } }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try decodeNext(type) { try $0.decode(type) } }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeNext(type) { try $0.unbox(type) } }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try decodeNext(KeyedDecodingContainer<NestedKey>.self) { try $0.container(keyedBy: type) }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try decodeNext((any UnkeyedDecodingContainer).self) { try $0.unkeyedContainer() }
    }

    mutating func superDecoder() throws -> any Decoder {
        try decodeNext((any Decoder).self) { $0 }
    }
}
