#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SystemPackage

/// The `Encoder` behind ``XPCEncoder``: one per value being encoded (SPEC §9.1).
final class ValueEncoder: Encoder, SingleValueEncodingContainer {
    let state: EncodingState
    let codingPath: [any CodingKey]
    /// What this encoder has produced so far.
    var future: EncodingFuture?

    init(state: EncodingState, codingPath: [any CodingKey]) {
        self.state = state
        self.codingPath = codingPath
    }

    var userInfo: [CodingUserInfoKey: Any] { state.userInfo }

    /// Encodes the root value: a value that wrote nothing becomes an empty dictionary.
    func encodeTopLevel<T: Encodable>(_ value: T) throws -> EncodingFuture {
        try box(value, at: codingPath)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let storage: DictionaryStorage
        if case .dictionary(let existing)? = future {
            storage = existing
        } else {
            storage = DictionaryStorage()
            future = .dictionary(storage)
        }
        return KeyedEncodingContainer(KeyedContainer<Key>(encoder: self, storage: storage, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let storage: ArrayStorage
        if case .array(let existing)? = future {
            storage = existing
        } else {
            storage = ArrayStorage()
            future = .array(storage)
        }
        return UnkeyedContainer(encoder: self, storage: storage, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    // MARK: Boxing values (SPEC §9.1)

    /// Converts any encodable value to a future, mapping the native types first.
    ///
    /// `path` is built only when it is needed: for a nested encoder, or for an error.
    func box<T: Encodable>(_ value: T, at path: @autoclosure () -> [any CodingKey]) throws -> EncodingFuture {
        if let scalar = Self.boxScalar(value) { return .value(scalar) }
        if let special = try boxSpecial(value, at: path) { return .value(special) }
        let encoder = ValueEncoder(state: state, codingPath: path())
        try value.encode(to: encoder)
        return encoder.future ?? .dictionary(DictionaryStorage())
    }

    /// The standard scalars, which would otherwise each need a nested encoder: `Array<Int>` and
    /// other generic containers hand their elements to `encode<T>` rather than `encode(Int)`.
    /// Gated by comparing metatypes, which costs far less than a dynamic cast.
    @inline(__always)
    static func boxScalar<T>(_ value: T) -> XPCMessage? {
        if let value = exactly(value, as: Int.self) { return .int64(Int64(value)) }
        if let value = exactly(value, as: Bool.self) { return .bool(value) }
        if let value = exactly(value, as: Double.self) { return .double(value) }
        if let value = exactly(value, as: Int64.self) { return .int64(value) }
        if let value = exactly(value, as: UInt64.self) { return .uint64(value) }
        if let value = exactly(value, as: Int32.self) { return .int64(Int64(value)) }
        if let value = exactly(value, as: UInt32.self) { return .uint64(UInt64(value)) }
        if let value = exactly(value, as: UInt.self) { return .uint64(UInt64(value)) }
        if let value = exactly(value, as: Int16.self) { return .int64(Int64(value)) }
        if let value = exactly(value, as: UInt16.self) { return .uint64(UInt64(value)) }
        if let value = exactly(value, as: Int8.self) { return .int64(Int64(value)) }
        if let value = exactly(value, as: UInt8.self) { return .uint64(UInt64(value)) }
        if let value = exactly(value, as: Float.self) { return .double(Double(value)) }
        return nil
    }

    /// `T` may be one of the types ``boxSpecial(_:at:)`` maps: only then are its casts tried.
    @inline(__always)
    static func mayBeSpecial<T>(_: T.Type) -> Bool {
        T.self == String.self || T.self == Date.self || T.self == UUID.self || T.self == Data.self
            || T.self == URL.self || T.self == FileDescriptor.self || T.self == XPCEndpointHandle.self
            || T.self == XPCMessage.self
    }

    /// The native mappings: Foundation types, attachments, and `XPCMessage` itself.
    private func boxSpecial<T: Encodable>(_ value: T, at path: () -> [any CodingKey]) throws -> XPCMessage? {
        guard Self.mayBeSpecial(T.self) else { return nil }
        switch value {
        case let string as String: return try boxString(string, at: path())
        case let date as Date:
            do {
                return .date(try XPCDate(date))
            } catch {
                throw EncodingError.invalidValue(date, EncodingError.Context(
                    codingPath: path(), debugDescription: "\(error)", underlyingError: error))
            }
        case let uuid as UUID: return .uuid(uuid)
        case let data as Data: return .data([UInt8](data))
        case let url as URL: return try boxString(url.absoluteString, at: path())
        case let descriptor as FileDescriptor: return .fd(slot: try state.attach(.fd(descriptor), codingPath: path()))
        case let endpoint as XPCEndpointHandle:
            return .endpoint(slot: try state.attach(.endpoint(endpoint), codingPath: path()))
        case let message as XPCMessage: return message
        default: return nil
        }
    }

    func boxString(_ string: String, at path: @autoclosure () -> [any CodingKey]) throws -> XPCMessage {
        guard !UTF8Validation.containsNUL(string) else {
            throw EncodingError.invalidValue(string, EncodingError.Context(
                codingPath: path(), debugDescription: "Strings cannot contain U+0000 (SPEC §2.3); encode the bytes as Data."))
        }
        return .string(string)
    }

    // MARK: SingleValueEncodingContainer

    private func set(_ message: XPCMessage) { future = .value(message) }

    func encodeNil() throws { set(.null) }
    func encode(_ value: Bool) throws { set(.bool(value)) }
    func encode(_ value: String) throws { set(try boxString(value, at: codingPath)) }
    func encode(_ value: Double) throws { set(.double(value)) }
    func encode(_ value: Float) throws { set(.double(Double(value))) }
    func encode(_ value: Int) throws { set(.int64(Int64(value))) }
    func encode(_ value: Int8) throws { set(.int64(Int64(value))) }
    func encode(_ value: Int16) throws { set(.int64(Int64(value))) }
    func encode(_ value: Int32) throws { set(.int64(Int64(value))) }
    func encode(_ value: Int64) throws { set(.int64(value)) }
    func encode(_ value: UInt) throws { set(.uint64(UInt64(value))) }
    func encode(_ value: UInt8) throws { set(.uint64(UInt64(value))) }
    func encode(_ value: UInt16) throws { set(.uint64(UInt64(value))) }
    func encode(_ value: UInt32) throws { set(.uint64(UInt64(value))) }
    func encode(_ value: UInt64) throws { set(.uint64(value)) }
    func encode<T: Encodable>(_ value: T) throws { future = try box(value, at: codingPath) }
}

/// Writes a keyed container's entries into a ``DictionaryStorage``.
private struct KeyedContainer<Key: CodingKey>: NilStrategyKeyedContainer {
    let encoder: ValueEncoder
    let storage: DictionaryStorage
    let codingPath: [any CodingKey]

    var writesNullForNil: Bool { encoder.state.options.nilEncodingStrategy == .null }

    private func put(_ message: XPCMessage, _ key: Key) throws {
        storage.entries.append((try checkedKey(key), .value(message)))
    }

    private func checkedKey(_ key: Key) throws -> String {
        let name = key.stringValue
        guard !UTF8Validation.containsNUL(name) else {
            throw EncodingError.invalidValue(name, EncodingError.Context(
                codingPath: codingPath + [key], debugDescription: "Keys cannot contain U+0000 (SPEC §2.3)."))
        }
        return name
    }

    mutating func encodeNil(forKey key: Key) throws { try put(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try put(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws {
        try put(try encoder.boxString(value, at: codingPath + [key]), key)
    }
    mutating func encode(_ value: Double, forKey key: Key) throws { try put(.double(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try put(.double(Double(value)), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try put(.int64(Int64(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try put(.int64(Int64(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try put(.int64(Int64(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try put(.int64(Int64(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try put(.int64(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try put(.uint64(UInt64(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try put(.uint64(UInt64(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try put(.uint64(UInt64(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try put(.uint64(UInt64(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try put(.uint64(value), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let name = try checkedKey(key)
        storage.entries.append((name, try encoder.box(value, at: codingPath + [key])))
    }

    /// Records a key with U+0000 for the end of encoding, where containers cannot throw.
    private func deferCheck(of key: Key) {
        guard encoder.state.deferredError == nil, UTF8Validation.containsNUL(key.stringValue) else { return }
        encoder.state.deferredError = EncodingError.invalidValue(key.stringValue, EncodingError.Context(
            codingPath: codingPath + [key], debugDescription: "Keys cannot contain U+0000 (SPEC §2.3)."))
    }

    /// The entry already written for `key`, if any: asking twice for a nested container at one
    /// key gives the same container, as with `JSONEncoder`.
    private func existingEntry(for key: Key) -> EncodingFuture? {
        let name = key.stringValue
        return storage.entries.last(where: { UTF8Order.equal($0.key, name) })?.value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        deferCheck(of: key)
        let nested: DictionaryStorage
        if case .dictionary(let existing)? = existingEntry(for: key) {
            nested = existing
        } else {
            nested = DictionaryStorage()
            storage.entries.append((key.stringValue, .dictionary(nested)))
        }
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(encoder: encoder, storage: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        deferCheck(of: key)
        let nested: ArrayStorage
        if case .array(let existing)? = existingEntry(for: key) {
            nested = existing
        } else {
            nested = ArrayStorage()
            storage.entries.append((key.stringValue, .array(nested)))
        }
        return UnkeyedContainer(encoder: encoder, storage: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        superEncoder(named: XPCCodingKey.super, codingKey: XPCCodingKey.super)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        deferCheck(of: key)
        return superEncoder(named: XPCCodingKey(stringValue: key.stringValue), codingKey: key)
    }

    private mutating func superEncoder(named name: XPCCodingKey, codingKey: any CodingKey) -> any Encoder {
        let nested = ValueEncoder(state: encoder.state, codingPath: codingPath + [codingKey])
        storage.entries.append((name.stringValue, .encoder(nested)))
        return nested
    }
}

/// Writes an unkeyed container's elements into an ``ArrayStorage``.
private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let encoder: ValueEncoder
    let storage: ArrayStorage
    let codingPath: [any CodingKey]

    var count: Int { storage.elements.count }

    private var nextPath: [any CodingKey] { codingPath + [XPCCodingKey(index: count)] }
    private func put(_ message: XPCMessage) { storage.elements.append(.value(message)) }

    mutating func encodeNil() throws { put(.null) }
    mutating func encode(_ value: Bool) throws { put(.bool(value)) }
    mutating func encode(_ value: String) throws { put(try encoder.boxString(value, at: nextPath)) }
    mutating func encode(_ value: Double) throws { put(.double(value)) }
    mutating func encode(_ value: Float) throws { put(.double(Double(value))) }
    mutating func encode(_ value: Int) throws { put(.int64(Int64(value))) }
    mutating func encode(_ value: Int8) throws { put(.int64(Int64(value))) }
    mutating func encode(_ value: Int16) throws { put(.int64(Int64(value))) }
    mutating func encode(_ value: Int32) throws { put(.int64(Int64(value))) }
    mutating func encode(_ value: Int64) throws { put(.int64(value)) }
    mutating func encode(_ value: UInt) throws { put(.uint64(UInt64(value))) }
    mutating func encode(_ value: UInt8) throws { put(.uint64(UInt64(value))) }
    mutating func encode(_ value: UInt16) throws { put(.uint64(UInt64(value))) }
    mutating func encode(_ value: UInt32) throws { put(.uint64(UInt64(value))) }
    mutating func encode(_ value: UInt64) throws { put(.uint64(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        storage.elements.append(try encoder.box(value, at: nextPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = nextPath
        let nested = DictionaryStorage()
        storage.elements.append(.dictionary(nested))
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(encoder: encoder, storage: nested, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = nextPath
        let nested = ArrayStorage()
        storage.elements.append(.array(nested))
        return UnkeyedContainer(encoder: encoder, storage: nested, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let nested = ValueEncoder(state: encoder.state, codingPath: nextPath)
        storage.elements.append(.encoder(nested))
        return nested
    }
}

/// `value` as a `U` when `T` is exactly `U`; `nil` otherwise. Compares metatypes, never casts.
@inline(__always)
func exactly<T, U>(_ value: T, as _: U.Type) -> U? {
    guard T.self == U.self else { return nil }
    return reinterpret(value, as: U.self)
}

/// `value`, whose type `T` the caller has checked is `U` (`T.self == U.self`), as a `U`.
///
/// The Codable bridge's only unsafe operation: a no-op between identical types, which lets an
/// unspecialized generic hand a scalar over without a dynamic cast. Called only behind that check.
@inline(__always)
func reinterpret<T, U>(_ value: T, as _: U.Type) -> U {
    unsafeBitCast(value, to: U.self)
}

/// The coding keys the bridge makes itself: array indices and `super`.
///
/// One enum payload (17 bytes), so it fits an existential's inline buffer: putting an index key
/// in an `any CodingKey` allocates nothing.
struct XPCCodingKey: CodingKey, Sendable {
    private enum Storage: Sendable {
        case name(String)
        case index(Int)
    }

    private let storage: Storage

    /// `Index 3` for index 3: formatted only when a path is printed, not for every element.
    var stringValue: String {
        switch storage {
        case .name(let name): name
        case .index(let index): "Index \(index)"
        }
    }

    var intValue: Int? {
        switch storage {
        case .name: nil
        case .index(let index): index
        }
    }

    init(stringValue: String) { storage = .name(stringValue) }

    init(intValue: Int) { storage = .index(intValue) }

    init(index: Int) { self.init(intValue: index) }

    /// The coding path of a place in a message: keys as string keys, indices as index keys.
    static func codingPath(of path: XPCMessagePath) -> [any CodingKey] {
        path.components.map { component -> any CodingKey in
            switch component {
            case .key(let key): XPCCodingKey(stringValue: key)
            case .index(let index): XPCCodingKey(index: index)
            }
        }
    }

    static let `super` = XPCCodingKey(stringValue: "super")
}
