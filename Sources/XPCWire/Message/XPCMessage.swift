#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A value in the XPC message model.
///
/// `XPCMessage` mirrors the object types of Apple's XPC: thirteen variants, with arrays and
/// string-keyed dictionaries nesting any of them. It is a plain value: equal messages encode to
/// identical bytes, and bytes that decode to equal messages were equally canonical.
///
/// ```swift
/// let request: XPCMessage = [
///     "op": "resize",
///     "width": 640,
///     "scale": 2.0,
///     "id": .uuid(UUID()),
/// ]
/// let bytes = try XPCWireEncoder().encode(request)
/// let decoded = try XPCWireDecoder().decode(bytes)
/// assert(decoded == request)
/// ```
///
/// File descriptors and endpoints are not bytes: the message holds only their *slot index* in the
/// envelope's slot table (SPEC §3.4), and the descriptors travel out of band.
///
/// Equality is wire equality: doubles compare by bit pattern (so `NaN == NaN` when the payloads
/// match, and `0.0 != -0.0`), and strings compare by their UTF-8 bytes, never by Unicode canonical
/// equivalence (SPEC §2.4).
public enum XPCMessage: Sendable {
    /// The null value.
    case null
    /// A Boolean.
    case bool(Bool)
    /// A signed 64-bit integer.
    case int64(Int64)
    /// An unsigned 64-bit integer; a distinct variant from ``int64(_:)`` on the wire (SPEC §4.2).
    case uint64(UInt64)
    /// An IEEE 754 double, carried bit-exactly.
    case double(Double)
    /// A UTF-8 string without U+0000 (SPEC §2.3).
    case string(String)
    /// Raw bytes.
    case data([UInt8])
    /// A file descriptor, by its slot index in the envelope (SPEC §3.4).
    case fd(slot: UInt16)
    /// A 16-byte UUID.
    case uuid(UUID)
    /// A point in time with nanosecond resolution.
    case date(XPCDate)
    /// An endpoint, by its slot index in the envelope (SPEC §3.4).
    case endpoint(slot: UInt16)
    /// An ordered list of values.
    case array(XPCArray)
    /// String-keyed values, kept sorted by the UTF-8 bytes of the keys.
    case dictionary(XPCDictionary)
}

extension XPCMessage {
    /// The variant of a message, without its payload.
    public enum Kind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case null, bool, int64, uint64, double, string, data, fd, uuid, date, endpoint, array, dictionary

        /// The variant's name as SPEC.md and the JSON description spell it.
        public var description: String { rawValue }
    }

    /// The variant of this message.
    @inlinable
    public var kind: Kind {
        switch self {
        case .null: .null
        case .bool: .bool
        case .int64: .int64
        case .uint64: .uint64
        case .double: .double
        case .string: .string
        case .data: .data
        case .fd: .fd
        case .uuid: .uuid
        case .date: .date
        case .endpoint: .endpoint
        case .array: .array
        case .dictionary: .dictionary
        }
    }
}

// MARK: - Typed accessors

extension XPCMessage {
    /// `true` if this is ``null``.
    @inlinable
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The Boolean, if this is a ``bool(_:)``.
    @inlinable
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The integer, if this is an ``int64(_:)``.
    @inlinable
    public var int64Value: Int64? {
        if case .int64(let value) = self { return value }
        return nil
    }

    /// The integer, if this is a ``uint64(_:)``.
    @inlinable
    public var uint64Value: UInt64? {
        if case .uint64(let value) = self { return value }
        return nil
    }

    /// The double, if this is a ``double(_:)``.
    @inlinable
    public var doubleValue: Double? {
        if case .double(let value) = self { return value }
        return nil
    }

    /// The string, if this is a ``string(_:)``.
    @inlinable
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The bytes, if this is a ``data(_:)``.
    @inlinable
    public var dataValue: [UInt8]? {
        if case .data(let value) = self { return value }
        return nil
    }

    /// The UUID, if this is a ``uuid(_:)``.
    @inlinable
    public var uuidValue: UUID? {
        if case .uuid(let value) = self { return value }
        return nil
    }

    /// The date, if this is a ``date(_:)``.
    @inlinable
    public var dateValue: XPCDate? {
        if case .date(let value) = self { return value }
        return nil
    }

    /// The slot index, if this is an ``fd(slot:)``.
    @inlinable
    public var fdSlot: UInt16? {
        if case .fd(let slot) = self { return slot }
        return nil
    }

    /// The slot index, if this is an ``endpoint(slot:)``.
    @inlinable
    public var endpointSlot: UInt16? {
        if case .endpoint(let slot) = self { return slot }
        return nil
    }

    /// The elements, if this is an ``array(_:)``.
    @inlinable
    public var arrayValue: XPCArray? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The dictionary, if this is a ``dictionary(_:)``.
    @inlinable
    public var dictionaryValue: XPCDictionary? {
        if case .dictionary(let value) = self { return value }
        return nil
    }

    /// The value for `key` if this is a dictionary holding it; otherwise `nil`.
    ///
    /// Keys match by UTF-8 bytes (SPEC §2.4).
    @inlinable
    public subscript(key: String) -> XPCMessage? {
        guard case .dictionary(let dictionary) = self else { return nil }
        return dictionary[key]
    }

    /// The element at `index` if this is an array and `index` is in range; otherwise `nil`.
    @inlinable
    public subscript(index: Int) -> XPCMessage? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }
}
