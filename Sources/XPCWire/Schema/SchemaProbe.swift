#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SystemPackage

// The probing decoder behind `XPCSchema(for:)` (SPEC §9.4.4).
//
// A type's `init(from:)` runs against `ProbeDecoder`, which never fails on its own: every
// container it asks for exists, every key is present, every value is a placeholder. What the type
// asks for is recorded in a tree of `ProbeNode`s, one per place in the message, which is then
// turned into a schema. Each type is probed once per derivation: its schema and the value its
// initializer produced are cached by type identity and reused, so a type met again (the second
// element of an array, a type used in several fields) costs nothing, and a type met again while
// its own initializer is still running is a recursion, reported instead of followed.

/// The string of the key `allKeys` answers with: it stands for every key the type does not name.
///
/// A decimal integer, so that `[Int: T]` (whose keys must parse as integers) accepts it as well
/// as `[String: T]`; `CodingKeys` enums, which accept only their case names, refuse it.
private let wildcardKeyName = String(Int64.min)

/// How many elements an unkeyed container reports (`count`, `isAtEnd`).
private let reportedElementCount = 2

/// How many elements a type may read from one unkeyed container before it is told the container
/// is at its end: enough for fixed-size tuples that never look at `isAtEnd`, and a bound for
/// loops that read until an error.
private let elementLimit = 16

/// A coding key for the paths the probe hands out: array indices and the wildcard.
struct ProbeCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = "Index \(intValue)"
        self.intValue = intValue
    }
}

/// One place in the message and what the probed types asked of it.
final class ProbeNode {
    let codingPath: [any CodingKey]
    let path: XPCMessagePath
    /// `decodeNil` was asked here (and answered `false`): the place may also hold null.
    var isNullable = false
    /// What was asked, in order: schemas of whole types decoded here, and the records of the
    /// keyed and unkeyed containers opened here (each at most once: reopening reuses it).
    private(set) var parts: [Part] = []
    private var keyed: ProbeKeyedRecord?
    private var unkeyed: ProbeUnkeyedRecord?

    enum Part {
        case schema(XPCSchema)
        case keyed(ProbeKeyedRecord)
        case unkeyed(ProbeUnkeyedRecord)
    }

    init(codingPath: [any CodingKey], path: XPCMessagePath) {
        self.codingPath = codingPath
        self.path = path
    }

    func add(_ schema: XPCSchema) {
        parts.append(.schema(schema))
    }

    func keyedRecord() -> ProbeKeyedRecord {
        if let keyed { return keyed }
        let record = ProbeKeyedRecord()
        keyed = record
        parts.append(.keyed(record))
        return record
    }

    func unkeyedRecord() -> ProbeUnkeyedRecord {
        if let unkeyed { return unkeyed }
        let record = ProbeUnkeyedRecord()
        unkeyed = record
        parts.append(.unkeyed(record))
        return record
    }

    /// A node for the value at `key` below this one.
    func child(_ key: any CodingKey, _ component: XPCMessagePath.Component) -> ProbeNode {
        ProbeNode(codingPath: codingPath + [key], path: XPCMessagePath(path.components + [component]))
    }
}

/// The keys one dictionary was asked about.
final class ProbeKeyedRecord {
    /// Fields by the UTF-8 bytes of their names (SPEC §2.4), in the order first asked.
    private var fieldsByName: [[UInt8]: ProbeFieldRecord] = [:]
    private(set) var fields: [ProbeFieldRecord] = []
    /// The value of "every other key", when the type read keys through `allKeys`.
    private(set) var wildcard: ProbeNode?

    func field(for key: any CodingKey, in node: ProbeNode) -> ProbeFieldRecord {
        let name = key.stringValue
        let bytes = Array(name.utf8)
        if let existing = fieldsByName[bytes] { return existing }
        let record = ProbeFieldRecord(name: name, node: node.child(key, .key(name)))
        fieldsByName[bytes] = record
        fields.append(record)
        return record
    }

    func wildcard(for key: any CodingKey, in node: ProbeNode) -> ProbeNode {
        if let wildcard { return wildcard }
        let created = node.child(key, .key("*"))
        wildcard = created
        return created
    }
}

/// One key of a dictionary and how it was read.
final class ProbeFieldRecord {
    let name: String
    let node: ProbeNode
    /// Read without a `contains` check first: the decoder fails when the key is absent.
    var isRequired = false
    /// `contains` was asked before any read: the type copes with the key's absence.
    var presenceChecked = false
    /// Read through `superDecoder`: an absent key decodes from null.
    var absentMeansNull = false

    init(name: String, node: ProbeNode) {
        self.name = name
        self.node = node
    }

    /// Records a read that fails on an absent key.
    func markRead() {
        if !presenceChecked { isRequired = true }
    }
}

/// The elements one array was asked about, by index.
final class ProbeUnkeyedRecord {
    private(set) var elements: [ProbeNode] = []

    func element(at index: Int, in node: ProbeNode) -> ProbeNode {
        while elements.count <= index {
            let position = elements.count
            elements.append(node.child(ProbeCodingKey(intValue: position), .index(position)))
        }
        return elements[index]
    }
}

/// One derivation: the cache, the types being probed, and the first error met.
final class SchemaProbe {
    let options: XPCSchema.DerivationOptions
    /// The types whose `init(from:)` is running, innermost last.
    private var probing: [(id: ObjectIdentifier, name: String)] = []
    /// Types already derived: their schema and the value their initializer produced.
    private var derived: [ObjectIdentifier: (schema: XPCSchema, value: Any)] = [:]
    /// The first derivation error; kept so that an initializer that swallows it (`try?`) cannot
    /// hide it.
    private var failure: XPCSchemaDerivationError?

    init(options: XPCSchema.DerivationOptions) {
        self.options = options
    }

    /// The schema of `type`, probed at the root.
    func derive<T: Decodable>(_ type: T.Type) throws(XPCSchemaDerivationError) -> XPCSchema {
        let root = ProbeNode(codingPath: [], path: XPCMessagePath())
        do {
            _ = try decode(type, at: root)
        } catch {
            throw failure ?? .initializerFailed(type: Self.name(of: type), path: root.path, reason: Self.reason(error))
        }
        if let failure { throw failure }
        return try schema(of: root, in: Self.name(of: type))
    }

    /// Records `error` unless an earlier one is pending, and returns the one to throw.
    func fail(_ error: XPCSchemaDerivationError) -> XPCSchemaDerivationError {
        let first = failure ?? error
        failure = first
        return first
    }

    /// The name of the type whose initializer is running, for errors raised inside it.
    var currentTypeName: String { probing.last?.name ?? "the value" }

    // MARK: Decoding a value of a type at a place

    /// Records the schema of `type` at `node` and returns a value of it.
    func decode<T: Decodable>(_ type: T.Type, at node: ProbeNode) throws -> T {
        if let failure { throw failure }
        if let native = Self.native(type) {
            node.add(native.schema)
            return native.value
        }
        if let provider = type as? any XPCSchemaProviding.Type,
           let value = provider.xpcSchemaPlaceholder as? T {
            node.add(provider.xpcSchema)
            return value
        }
        let id = ObjectIdentifier(type)
        if let cached = derived[id], let value = cached.value as? T {
            node.add(cached.schema)
            return value
        }
        let name = Self.name(of: type)
        if probing.contains(where: { $0.id == id }) {
            throw fail(.recursiveType(type: name, path: node.path))
        }

        let own = ProbeNode(codingPath: node.codingPath, path: node.path)
        probing.append((id, name))
        let value: T
        do {
            value = try T(from: ProbeDecoder(probe: self, node: own))
            probing.removeLast()
        } catch {
            probing.removeLast()
            if let failure { throw failure }
            if let fallback = try rawValueFallback(type, at: node) { return fallback }
            throw fail(.initializerFailed(type: name, path: node.path, reason: Self.reason(error)))
        }
        if let failure { throw failure }
        let schema = try schema(of: own, in: name)
        derived[id] = (schema, value)
        node.add(schema)
        return value
    }

    /// For a `RawRepresentable & CaseIterable` type whose initializer rejected the placeholder:
    /// the schema of its raw value, and its first case.
    private func rawValueFallback<T: Decodable>(_ type: T.Type, at node: ProbeNode) throws -> T? {
        guard let enumType = type as? any (RawRepresentable & CaseIterable & Decodable).Type else { return nil }
        guard let fallback = try rawValueSchema(enumType, at: node), let typed = fallback.value as? T else { return nil }
        derived[ObjectIdentifier(type)] = (fallback.schema, typed)
        node.add(fallback.schema)
        return typed
    }

    private func rawValueSchema<E: RawRepresentable & CaseIterable & Decodable>(
        _ type: E.Type, at node: ProbeNode
    ) throws -> (schema: XPCSchema, value: E)? {
        guard let first = E.allCases.first, let rawType = E.RawValue.self as? any Decodable.Type else { return nil }
        let own = ProbeNode(codingPath: node.codingPath, path: node.path)
        try decodeOpened(rawType, at: own)
        return (try schema(of: own, in: Self.name(of: type)), first)
    }

    private func decodeOpened<R: Decodable>(_ type: R.Type, at node: ProbeNode) throws {
        _ = try decode(type, at: node)
    }

    /// The schema and placeholder of the types SPEC §9.1.1 maps natively.
    private static func native<T>(_ type: T.Type) -> (schema: XPCSchema, value: T)? {
        let entry: (schema: XPCSchema, value: Any)
        switch type {
        case is Bool.Type: entry = (.bool, false)
        case is String.Type: entry = (.string(), "x")
        case is Double.Type: entry = (.double, 1 as Double)
        case is Float.Type: entry = (.double, 1 as Float)
        case is Int.Type: entry = integer(Int.self)
        case is Int8.Type: entry = integer(Int8.self)
        case is Int16.Type: entry = integer(Int16.self)
        case is Int32.Type: entry = integer(Int32.self)
        case is Int64.Type: entry = integer(Int64.self)
        case is UInt.Type: entry = integer(UInt.self)
        case is UInt8.Type: entry = integer(UInt8.self)
        case is UInt16.Type: entry = integer(UInt16.self)
        case is UInt32.Type: entry = integer(UInt32.self)
        case is UInt64.Type: entry = integer(UInt64.self)
        case is Data.Type: entry = (.data(), Data())
        case is UUID.Type: entry = (.uuid, UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
        case is Date.Type: entry = (.date, Date(timeIntervalSinceReferenceDate: 0))
        case is URL.Type: entry = (.string(), URL(fileURLWithPath: "/", isDirectory: true))
        case is FileDescriptor.Type: entry = (.fd, FileDescriptor(rawValue: -1))
        case is XPCEndpointHandle.Type: entry = (.endpoint, XPCEndpointHandle(fileDescriptor: FileDescriptor(rawValue: -1)))
        case is XPCMessage.Type: entry = (.any, XPCMessage.null)
        default: return nil
        }
        guard let value = entry.value as? T else { return nil }
        return (entry.schema, value)
    }

    private static func integer<I: FixedWidthInteger>(_ type: I.Type) -> (XPCSchema, Any) {
        (.integer(type), I(1))
    }

    static func name(of type: Any.Type) -> String {
        String(describing: type)
    }

    /// The debug description of a `DecodingError`, or the error's description.
    static func reason(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .typeMismatch(_, let context), .valueNotFound(_, let context),
             .keyNotFound(_, let context), .dataCorrupted(let context):
            return context.debugDescription
        default:
            return String(describing: error)
        }
    }

    // MARK: From records to schemas

    /// The schema of everything asked at `node`; `typeName` names the type being derived, for
    /// conflict errors.
    func schema(of node: ProbeNode, in typeName: String) throws(XPCSchemaDerivationError) -> XPCSchema {
        var result: XPCSchema?
        for part in node.parts {
            let schema: XPCSchema
            switch part {
            case .schema(let whole): schema = whole
            case .keyed(let record): schema = try self.schema(of: record, in: typeName)
            case .unkeyed(let record): schema = try self.schema(of: record, in: typeName)
            }
            guard let current = result else {
                result = schema
                continue
            }
            guard let both = Self.intersection(current, schema) else {
                throw fail(.conflictingShapes(type: typeName, path: node.path, first: current, second: schema))
            }
            result = both
        }
        let schema = result ?? .any
        if node.isNullable && !schema.acceptedKinds.contains(.null) {
            return .optional(schema)
        }
        return schema
    }

    private func schema(of record: ProbeKeyedRecord, in typeName: String) throws(XPCSchemaDerivationError) -> XPCSchema {
        var fields: [XPCSchema.Field] = []
        for field in record.fields {
            let schema = try schema(of: field.node, in: typeName)
            let isRequired: Bool
            if field.absentMeansNull {
                isRequired = !field.presenceChecked && !schema.acceptedKinds.contains(.null)
            } else {
                isRequired = field.isRequired
            }
            fields.append(XPCSchema.Field(name: field.name, isRequired: isRequired, schema: schema))
        }
        let extraKeys: XPCSchema.ExtraKeys
        if let wildcard = record.wildcard {
            extraKeys = .matching(try schema(of: wildcard, in: typeName))
        } else {
            extraKeys = options.unknownKeyPolicy == .reject ? .reject : .allow
        }
        return .dictionary(fields, extraKeys: extraKeys)
    }

    private func schema(of record: ProbeUnkeyedRecord, in typeName: String) throws(XPCSchemaDerivationError) -> XPCSchema {
        var alternatives: [XPCSchema] = []
        for element in record.elements {
            let schema = try schema(of: element, in: typeName)
            if schema == .any { return .array(.any) }
            if !alternatives.contains(schema) { alternatives.append(schema) }
        }
        switch alternatives.count {
        case 0: return .array(.any)
        case 1: return .array(alternatives[0])
        default: return .array(.oneOf(alternatives))
        }
    }

    /// The schema of the values both `a` and `b` match, for two requests at one place; `nil` when
    /// it cannot be written (or is empty).
    static func intersection(_ a: XPCSchema, _ b: XPCSchema) -> XPCSchema? {
        if a == b { return a }
        switch (a, b) {
        case (.any, _): return b
        case (_, .any): return a
        case (.optional(let x), .optional(let y)): return intersection(x, y).map { .optional($0) }
        case (.optional(let x), _): return intersection(x, b)
        case (_, .optional(let y)): return intersection(a, y)
        case (.array(let x, let m), .array(let y, let n)):
            guard let element = intersection(x, y) else { return nil }
            let maximum: Int? = switch (m, n) {
            case (let m?, let n?): min(m, n)
            case (let m?, nil): m
            case (nil, let n): n
            }
            return .array(element, maximumCount: maximum)
        case (.dictionary(let x), .dictionary(let y)):
            return intersection(x, y).map { .dictionary($0) }
        default:
            return nil
        }
    }

    /// Two requests for one dictionary: every field of either (a key known to one container is
    /// known at that place, as ``XPCDecoder`` counts it), required if either requires it.
    private static func intersection(_ a: XPCSchema.Fields, _ b: XPCSchema.Fields) -> XPCSchema.Fields? {
        func extraSchema(_ rule: XPCSchema.ExtraKeys) -> XPCSchema {
            if case .matching(let schema) = rule { return schema }
            return .any
        }
        var fields: [XPCSchema.Field] = []
        for field in a.fields {
            if let other = b[field.name] {
                guard let schema = intersection(field.schema, other.schema) else { return nil }
                fields.append(.init(name: field.name, isRequired: field.isRequired || other.isRequired, schema: schema))
            } else {
                guard let schema = intersection(field.schema, extraSchema(b.extraKeys)) else { return nil }
                fields.append(.init(name: field.name, isRequired: field.isRequired, schema: schema))
            }
        }
        for field in b.fields where a[field.name] == nil {
            guard let schema = intersection(field.schema, extraSchema(a.extraKeys)) else { return nil }
            fields.append(.init(name: field.name, isRequired: field.isRequired, schema: schema))
        }
        let extraKeys: XPCSchema.ExtraKeys
        switch (a.extraKeys, b.extraKeys) {
        case (.matching(let x), .matching(let y)):
            guard let both = intersection(x, y) else { return nil }
            extraKeys = .matching(both)
        case (.matching(let x), _), (_, .matching(let x)): extraKeys = .matching(x)
        case (.allow, .allow): extraKeys = .allow
        default: extraKeys = .reject
        }
        return XPCSchema.Fields(fields, extraKeys: extraKeys)
    }
}

// MARK: - The decoder and its containers

/// The `Decoder` handed to probed initializers; also its own single-value container.
struct ProbeDecoder: Decoder, SingleValueDecodingContainer {
    let probe: SchemaProbe
    let node: ProbeNode

    var codingPath: [any CodingKey] { node.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(ProbeKeyedContainer<Key>(probe: probe, node: node, record: node.keyedRecord()))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        ProbeUnkeyedContainer(probe: probe, node: node, record: node.unkeyedRecord())
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool {
        node.isNullable = true
        return false
    }

    func decode(_ type: Bool.Type) throws -> Bool { try probe.decode(type, at: node) }
    func decode(_ type: String.Type) throws -> String { try probe.decode(type, at: node) }
    func decode(_ type: Double.Type) throws -> Double { try probe.decode(type, at: node) }
    func decode(_ type: Float.Type) throws -> Float { try probe.decode(type, at: node) }
    func decode(_ type: Int.Type) throws -> Int { try probe.decode(type, at: node) }
    func decode(_ type: Int8.Type) throws -> Int8 { try probe.decode(type, at: node) }
    func decode(_ type: Int16.Type) throws -> Int16 { try probe.decode(type, at: node) }
    func decode(_ type: Int32.Type) throws -> Int32 { try probe.decode(type, at: node) }
    func decode(_ type: Int64.Type) throws -> Int64 { try probe.decode(type, at: node) }
    func decode(_ type: UInt.Type) throws -> UInt { try probe.decode(type, at: node) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try probe.decode(type, at: node) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try probe.decode(type, at: node) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try probe.decode(type, at: node) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try probe.decode(type, at: node) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try probe.decode(type, at: node) }
}

/// A keyed container in which every key is present.
private struct ProbeKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let probe: SchemaProbe
    let node: ProbeNode
    let record: ProbeKeyedRecord

    var codingPath: [any CodingKey] { node.codingPath }

    /// One key standing for all the keys the type does not name; none when the key type accepts
    /// only fixed names, which is an error: the type would branch on keys the probe cannot name.
    var allKeys: [Key] {
        guard let key = Key(stringValue: wildcardKeyName) else {
            _ = probe.fail(.keysNotEnumerable(type: probe.currentTypeName, path: node.path))
            return []
        }
        return [key]
    }

    func contains(_ key: Key) -> Bool {
        if key.stringValue != wildcardKeyName {
            record.field(for: key, in: node).presenceChecked = true
        }
        return true
    }

    /// The node of `key`'s value, recording a read that fails when the key is absent.
    private func read(_ key: Key) -> ProbeNode {
        if key.stringValue == wildcardKeyName {
            return record.wildcard(for: key, in: node)
        }
        let field = record.field(for: key, in: node)
        field.markRead()
        return field.node
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        read(key).isNullable = true
        return false
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try probe.decode(type, at: read(key)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try probe.decode(type, at: read(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try probe.decode(type, at: read(key)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try probe.decode(type, at: read(key)) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try probe.decode(type, at: read(key)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try probe.decode(type, at: read(key)) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try probe.decode(type, at: read(key)) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try probe.decode(type, at: read(key)) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try probe.decode(type, at: read(key)) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try probe.decode(type, at: read(key)) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try probe.decode(type, at: read(key)) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try probe.decode(type, at: read(key)) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try probe.decode(type, at: read(key)) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try probe.decode(type, at: read(key)) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try probe.decode(type, at: read(key)) }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try ProbeDecoder(probe: probe, node: read(key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try ProbeDecoder(probe: probe, node: read(key)).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        superDecoder(named: ProbeCodingKey(stringValue: "super"))
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        superDecoder(named: key)
    }

    /// As ``XPCDecoder`` does, an absent key decodes from null: the field is required only when
    /// its schema refuses null.
    private func superDecoder(named key: any CodingKey) -> any Decoder {
        if key.stringValue == wildcardKeyName {
            return ProbeDecoder(probe: probe, node: record.wildcard(for: key, in: node))
        }
        let field = record.field(for: key, in: node)
        field.absentMeansNull = true
        return ProbeDecoder(probe: probe, node: field.node)
    }
}

/// An unkeyed container of ``reportedElementCount`` elements that lets a type read up to
/// ``elementLimit``.
private struct ProbeUnkeyedContainer: UnkeyedDecodingContainer {
    let probe: SchemaProbe
    let node: ProbeNode
    let record: ProbeUnkeyedRecord
    private(set) var currentIndex = 0

    init(probe: SchemaProbe, node: ProbeNode, record: ProbeUnkeyedRecord) {
        self.probe = probe
        self.node = node
        self.record = record
    }

    var codingPath: [any CodingKey] { node.codingPath }
    var count: Int? { reportedElementCount }
    var isAtEnd: Bool { currentIndex >= reportedElementCount }

    /// The node of the current element, without moving past it.
    private func current(_ type: Any.Type) throws -> ProbeNode {
        guard currentIndex < elementLimit else {
            throw DecodingError.valueNotFound(type, DecodingError.Context(
                codingPath: codingPath + [ProbeCodingKey(intValue: currentIndex)],
                debugDescription: "Unkeyed container is at its end: the probe reads at most \(elementLimit) elements."))
        }
        return record.element(at: currentIndex, in: node)
    }

    /// The node of the next element; moves past it even if decoding it then fails, so that a
    /// loop that ignores errors still reaches the end.
    private mutating func next(_ type: Any.Type) throws -> ProbeNode {
        let element = try current(type)
        currentIndex += 1
        return element
    }

    mutating func decodeNil() throws -> Bool {
        try current(Any?.self).isNullable = true
        return false
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try probe.decode(type, at: next(type)) }
    mutating func decode(_ type: String.Type) throws -> String { try probe.decode(type, at: next(type)) }
    mutating func decode(_ type: Double.Type) throws -> Double { try probe.decode(type, at: next(type)) }
    mutating func decode(_ type: Float.Type) throws -> Float { try probe.decode(type, at: next(type)) }
    mutating func decode(_ type: Int.Type) throws -> Int { try probe.decode(type, at: next(type)) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try probe.decode(type, at: next(type)) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try probe.decode(type, at: next(type)) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try probe.decode(type, at: next(type)) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try probe.decode(type, at: next(type)) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try probe.decode(type, at: next(type)) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try probe.decode(type, at: next(type)) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try probe.decode(type, at: next(type)) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try probe.decode(type, at: next(type)) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try probe.decode(type, at: next(type)) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try probe.decode(type, at: next(type)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try ProbeDecoder(probe: probe, node: next(type)).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try ProbeDecoder(probe: probe, node: next((any UnkeyedDecodingContainer).self)).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        ProbeDecoder(probe: probe, node: try next((any Decoder).self))
    }
}
