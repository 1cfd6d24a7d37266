#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// The bytes path of `XPCDecoder`: envelope bytes → `Decodable` value without an `XPCMessage`
// tree (SPEC §9.1).
//
// The body is checked whole first, by the same parser as `XPCWireDecoder` (so every malformed
// input fails exactly as on the tree path, before any value is made), into a tape: one flat node
// per value, strings and data left in the input. Decoders then walk the tape: keys are compared
// in place, and only the strings and data a type asks for are copied out. Values, errors and
// coding paths are those of the tree path; the unknown-key check (`.reject`) goes through the tree.

/// What one direct decode shares across its decoders.
final class TapeDecodingState: ScalarDecodingContext {
    let tape: BodyTape
    let attachments: [XPCAttachment]
    let sendableUserInfo: [CodingUserInfoKey: any Sendable]
    let userInfo: [CodingUserInfoKey: Any]

    /// A dictionary entry: its key's bytes and its value's node.
    struct Entry {
        let keyStart: Int
        let keyLength: Int
        let value: Int
    }

    // One decode runs on one thread and no two accesses to one property overlap.
    /// Where each decoder is, for `codingPath` (built only when asked for).
    @exclusivity(unchecked) private var paths = CodingPathTable(capacity: 16)
    /// The entries of every keyed container opened so far, each container a run of them.
    @exclusivity(unchecked) private(set) var entries: [Entry] = []

    init(tape: BodyTape, attachments: [XPCAttachment], userInfo: [CodingUserInfoKey: any Sendable]) {
        self.tape = tape
        self.attachments = attachments
        self.sendableUserInfo = userInfo
        self.userInfo = userInfo
        entries.reserveCapacity(32)
    }

    func takeWhole(at path: () -> [any CodingKey]) {}

    /// `type` as an array or dictionary ``TapeDecodableContainer`` decodes itself, or `nil`. A
    /// conformance lookup costs more than most values, so only types of an array's size are
    /// looked up, and the answers for the last few types are kept.
    @inline(__always)
    func directContainerType<T>(_ type: T.Type) -> (any TapeDecodableContainer.Type)? {
        guard MemoryLayout<T>.size == MemoryLayout<[Int]>.size else { return nil }
        return containerKinds.answer(for: type) { type in
            guard let containerType = type as? any TapeDecodableContainer.Type, containerType.isDecodedDirectly else { return nil }
            return containerType
        }
    }
    /// Types asked about by ``directContainerType(_:)``, with the answer.
    @exclusivity(unchecked) private var containerKinds = RecentTypeAnswers<any TapeDecodableContainer.Type>()

    func addPathNode(parent: Int, _ component: CodingPathTable.Component) -> Int {
        paths.add(parent: parent, component)
    }

    func codingPath(of node: Int) -> [any CodingKey] { paths.codingPath(of: node) }

    /// Records the entries of the map at `index`; returns where they start in ``entries``.
    func recordEntries(ofMapAt index: Int) -> Int {
        let base = entries.count
        let nodes = tape.nodes
        var position = index + 1
        let end = nodes[index].end
        while position < end {
            entries.append(Entry(keyStart: nodes[position].offset, keyLength: Int(nodes[position].bits), value: position + 1))
            position = nodes[position + 1].end
        }
        return base
    }

    /// The value node of the entry whose key is `name`, among `count` entries from `base`.
    ///
    /// Not generic, and given the key's string rather than the key: a keyed container's
    /// lookup then copies nothing of the container (generic over its key type) into a closure.
    func lookup(_ name: String, base: Int, count: Int, sorted: Bool) -> Int? {
        var name = name
        return name.withUTF8 { lookup(UnsafeRawBufferPointer($0), base: base, count: count, sorted: sorted) }
    }

    /// ``lookup(_:base:count:sorted:)`` by the key's UTF-8 bytes.
    func lookup(_ name: UnsafeRawBufferPointer, base: Int, count: Int, sorted: Bool) -> Int? {
        let input = tape.input
        func key(_ entry: Entry) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(rebasing: input[entry.keyStart..<(entry.keyStart + entry.keyLength)])
        }
        if sorted {
            var low = base, high = base + count
            while low < high {
                let middle = low + (high - low) / 2
                let order = UTF8Order.compare(key(entries[middle]), name)
                if order == 0 { return entries[middle].value }
                if order < 0 { low = middle + 1 } else { high = middle }
            }
            return nil
        }
        for entry in entries[base..<(base + count)] where UTF8Order.compare(key(entry), name) == 0 {
            return entry.value
        }
        return nil
    }

    /// The key of entry `index` as a string.
    func keyString(_ index: Int) -> String {
        let entry = entries[index]
        return UTF8Validation.string(fromValidated: UnsafeRawBufferPointer(
            rebasing: tape.input[entry.keyStart..<(entry.keyStart + entry.keyLength)]))
    }

    /// A `DecodingError` for a value that is not what `type` needs: the tree path's words.
    func failure(_ failure: ScalarFailure, _ type: Any.Type, at node: Int, codingPath: [any CodingKey]) -> DecodingError {
        switch failure {
        case .mismatch(let expected):
            if tape.nodes[node].kind == .null {
                return DecodingError.valueNotFound(type, DecodingError.Context(
                    codingPath: codingPath, debugDescription: "Expected \(expected) for \(type) but found null."))
            }
            return DecodingError.typeMismatch(type, DecodingError.Context(
                codingPath: codingPath, debugDescription: "Expected \(expected) for \(type) but found \(tape.summary(at: node))."))
        case .corrupted(let description):
            return DecodingError.dataCorrupted(DecodingError.Context(codingPath: codingPath, debugDescription: description))
        }
    }

    /// The value at `node` as a message, for the scalar readers: free for scalars, a copy for
    /// strings and data, a whole subtree only when a type asks for a dynamic `XPCMessage` (or
    /// an error must describe a container).
    @inline(__always)
    func message(at node: Int) -> XPCMessage {
        tape.scalarMessage(at: node) ?? tape.message(at: node)
    }
}

extension XPCDecoder {
    /// Decodes `type` straight from checked envelope bytes (see the file comment).
    func decodeDirectly<T: Decodable>(_ type: T.Type, from input: UnsafeRawBufferPointer, attachments: [XPCAttachment]) throws -> T {
        let parsed: XPCWireDecoder.ParsedEnvelope<TapeAssembler>
        do throws(XPCWireDecodingError) {
            let decoder = XPCWireDecoder(options: options.wireOptions)
            let bodyLength = max(0, input.count - WireFormat.headerSize)
            parsed = try decoder.parseEnvelope(input, into: TapeAssembler(input: input, bodyLength: bodyLength))
            let received = attachments.map(\.kind)
            guard received == parsed.slots else {
                throw XPCWireDecodingError.attachmentsMismatch(expected: parsed.slots, received: received, offset: 8)
            }
        } catch {
            throw Self.corruptBytes(error)
        }
        let state = TapeDecodingState(
            tape: BodyTape(nodes: parsed.assembler.nodes, input: input), attachments: attachments, userInfo: userInfo)
        let root = state.addPathNode(parent: -1, .none)
        return try TapeDecoder(state: state, node: 0, path: root).unbox(type)
    }

    /// Malformed bytes, as both paths report them.
    static func corruptBytes(_ error: XPCWireDecodingError) -> DecodingError {
        DecodingError.dataCorrupted(DecodingError.Context(
            codingPath: [], debugDescription: "The bytes are not a valid XPCWire message: \(error)",
            underlyingError: error))
    }
}

/// The `Decoder` of the direct path: one value of the tape. Three words, so handing it to
/// `init(from:)` as `any Decoder` allocates nothing.
struct TapeDecoder: Decoder, ScalarReadingSingleValueContainer {
    let state: TapeDecodingState
    /// The value's node in the tape.
    let node: Int
    /// Where it is, in the state's path nodes.
    let path: Int

    var codingPath: [any CodingKey] { state.codingPath(of: path) }
    var userInfo: [CodingUserInfoKey: Any] { state.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let tapeNode = state.tape.nodes[node]
        guard tapeNode.kind == .map else {
            throw state.failure(.mismatch(expected: "dictionary"), [String: Any].self, at: node, codingPath: codingPath)
        }
        let base = state.recordEntries(ofMapAt: node)
        return KeyedDecodingContainer(TapeKeyedContainer<Key>(
            decoder: self, base: base, count: Int(tapeNode.bits), sorted: tapeNode.isSorted))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try tapeUnkeyedContainer()
    }

    /// ``unkeyedContainer()`` as its concrete type.
    fileprivate func tapeUnkeyedContainer() throws -> TapeUnkeyedContainer {
        guard state.tape.nodes[node].kind == .array else {
            throw state.failure(.mismatch(expected: "array"), [Any].self, at: node, codingPath: codingPath)
        }
        return TapeUnkeyedContainer(decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    /// A decoder for the value at `valueNode`, which sits at `component` in this one's container.
    func nested(_ valueNode: Int, at component: CodingPathTable.Component) -> TapeDecoder {
        TapeDecoder(state: state, node: valueNode, path: state.addPathNode(parent: path, component))
    }

    /// Decodes any type from the value at `valueNode`, which sits at `component` here.
    @inline(__always)
    func decodeValue<T: Decodable>(_ type: T.Type, at valueNode: Int, _ component: @autoclosure () -> CodingPathTable.Component) throws -> T {
        if ScalarDecoding.isDirect(T.self) {
            return try read(type, at: valueNode, path: {
                var path = codingPath
                path.append(component().key)
                return path
            })
        }
        return try Self.decode(type, from: nested(valueNode, at: component()))
    }

    /// `T(from: decoder)`, with arrays, and dictionaries of scalars, decoded by
    /// ``TapeDecodableContainer`` instead of the standard library's unspecialized `init(from:)`.
    @inline(__always)
    static func decode<T: Decodable>(_ type: T.Type, from decoder: TapeDecoder) throws -> T {
        if let containerType = decoder.state.directContainerType(T.self) { return try containerType.decode(fromTape: decoder, as: T.self) }
        return try T(from: decoder)
    }

    /// Reads a scalar or natively mapped `T` from the value at `valueNode`.
    func read<T>(_ type: T.Type, at valueNode: Int, path: () -> [any CodingKey]) throws -> T {
        // Data straight from the input: one copy, not two.
        if T.self == Data.self, state.tape.nodes[valueNode].kind == .data {
            return reinterpret(Data(state.tape.bytes(of: valueNode)), as: T.self)
        }
        return try ScalarDecoding.value(type, from: state.message(at: valueNode), context: state, path: path)
    }

    /// Reads one scalar with `body`, mapping its failure to the tree path's error.
    func scalar<T>(_ type: T.Type, at valueNode: Int, path: () -> [any CodingKey], _ body: (XPCMessage) throws(ScalarFailure) -> T) throws -> T {
        // A string, the commonest field, straight from the input rather than through a message.
        if T.self == String.self, state.tape.nodes[valueNode].kind == .string {
            return reinterpret(UTF8Validation.string(fromValidated: state.tape.bytes(of: valueNode)), as: T.self)
        }
        do {
            return try body(state.message(at: valueNode))
        } catch {
            throw state.failure(error, type, at: valueNode, codingPath: path())
        }
    }

    // MARK: SingleValueDecodingContainer

    func readScalar<T>(_ type: T.Type, _ body: (XPCMessage) throws(ScalarFailure) -> T) throws -> T {
        try scalar(type, at: node, path: { codingPath }, body)
    }

    func decodeNil() -> Bool { state.tape.nodes[node].kind == .null }


    func decode<T: Decodable>(_ type: T.Type) throws -> T { try unbox(type) }

    /// Decodes this decoder's own value as any type, the native mappings first.
    func unbox<T: Decodable>(_ type: T.Type) throws -> T {
        if ScalarDecoding.isDirect(T.self) { return try read(type, at: node, path: { codingPath }) }
        return try Self.decode(type, from: self)
    }
}

/// An array, or a dictionary with `String` keys and standard-scalar values, that the tape decoder
/// builds itself, with the values and errors of the standard library's `init(from:)`: storage
/// reserved once for every element, and scalars read by code specialized for their type.
/// Dictionaries of other keys or values go through `Dictionary.init(from:)`.
protocol TapeDecodableContainer: Decodable {
    /// Whether ``decodeDirectly(fromTape:)`` reads the elements itself (rather than handing the
    /// container to `init(from:)`).
    static var isDecodedDirectly: Bool { get }

    /// The container at `decoder`, built here or through `init(from:)`.
    ///
    /// Nothing here returns an optional container: in code not specialized for the element type,
    /// every `Optional<Array<Element>>` costs a run-time metadata lookup.
    static func decodeDirectly(fromTape decoder: TapeDecoder) throws -> Self
}

extension TapeDecodableContainer {
    /// ``decodeDirectly(fromTape:)`` as a `T`, which is `Self` (`T(from:)` if it is not): no
    /// dynamic cast, which for a container would look at every element.
    static func decode<T: Decodable>(fromTape decoder: TapeDecoder, as type: T.Type) throws -> T {
        guard Self.self == T.self else { return try T(from: decoder) }
        return reinterpret(try decodeDirectly(fromTape: decoder), as: T.self)
    }
}

/// `Array.init(from:)`: elements in order from the unkeyed container until it is at its end, so
/// every value and error is the same, through the tape's own container, into storage reserved for
/// the declared count (the standard library's grows one step at a time, each step a run-time
/// metadata lookup when it is not specialized for the element). Any element type: scalars by code
/// specialized for them, the others through `decode(_:)`, as `Array.init(from:)` would.
extension Array: TapeDecodableContainer where Element: Decodable {
    static var isDecodedDirectly: Bool { true }

    static func decodeDirectly(fromTape decoder: TapeDecoder) throws -> [Element] {
        var container = try decoder.tapeUnkeyedContainer()
        let count = container.count ?? 0
        // Elements take at least a byte each on the wire but may be larger here: storage for all
        // of them at once only while that is at most eight times the input's size.
        guard count <= 8 * Swift.max(decoder.state.tape.input.count, 64) / Swift.max(MemoryLayout<Element>.stride, 1) else {
            return try Self(from: decoder)
        }
        if Element.self == Bool.self { return try elements(Bool.self, from: &container, count: count) }
        if Element.self == String.self { return try elements(String.self, from: &container, count: count) }
        if Element.self == Double.self { return try elements(Double.self, from: &container, count: count) }
        if Element.self == Float.self { return try elements(Float.self, from: &container, count: count) }
        if Element.self == Int.self { return try elements(Int.self, from: &container, count: count) }
        if Element.self == Int8.self { return try elements(Int8.self, from: &container, count: count) }
        if Element.self == Int16.self { return try elements(Int16.self, from: &container, count: count) }
        if Element.self == Int32.self { return try elements(Int32.self, from: &container, count: count) }
        if Element.self == Int64.self { return try elements(Int64.self, from: &container, count: count) }
        if Element.self == UInt.self { return try elements(UInt.self, from: &container, count: count) }
        if Element.self == UInt8.self { return try elements(UInt8.self, from: &container, count: count) }
        if Element.self == UInt16.self { return try elements(UInt16.self, from: &container, count: count) }
        if Element.self == UInt32.self { return try elements(UInt32.self, from: &container, count: count) }
        if Element.self == UInt64.self { return try elements(UInt64.self, from: &container, count: count) }
        return try elements(Element.self, from: &container, count: count)
    }

    /// The elements of `container` decoded as `S`, which is `Element`.
    ///
    /// The storage is reserved rather than made by `Array(unsafeUninitializedCapacity:)`, whose
    /// allocation goes through a standard-library entry point that looks the storage class up at
    /// run time; reserving goes through code specialized here for `S`.
    @inline(__always)
    private static func elements<S: Decodable>(_ type: S.Type, from container: inout TapeUnkeyedContainer, count: Int) throws -> [Element] {
        var elements: [S] = []
        elements.reserveCapacity(count)
        while !container.isAtEnd, elements.count < count {
            elements.append(try container.decode(S.self))
        }
        return reinterpret(elements, as: [Element].self)
    }
}

/// `Dictionary.init(from:)` for `String` keys: one entry per key of the map, each value decoded as
/// `Value`, built here with room for every entry and each key made once (the standard library's
/// path makes `allKeys`, then looks every key up again). Any value that fails sends the whole
/// dictionary through `init(from:)`, which fails the same way and reports the standard library's
/// error and coding path.
extension Dictionary: TapeDecodableContainer where Key: Decodable, Value: Decodable {
    static var isDecodedDirectly: Bool { Key.self == String.self && StandardScalar.contains(Value.self) }

    static func decodeDirectly(fromTape decoder: TapeDecoder) throws -> Self {
        guard Key.self == String.self, decoder.state.tape.nodes[decoder.node].kind == .map else { return try Self(from: decoder) }
        // `Value` is one of `StandardScalar`'s types.
        if Value.self == String.self { return try entries(String.self, from: decoder) }
        if Value.self == Bool.self { return try entries(Bool.self, from: decoder) }
        if Value.self == Double.self { return try entries(Double.self, from: decoder) }
        if Value.self == Float.self { return try entries(Float.self, from: decoder) }
        if Value.self == Int.self { return try entries(Int.self, from: decoder) }
        if Value.self == Int8.self { return try entries(Int8.self, from: decoder) }
        if Value.self == Int16.self { return try entries(Int16.self, from: decoder) }
        if Value.self == Int32.self { return try entries(Int32.self, from: decoder) }
        if Value.self == Int64.self { return try entries(Int64.self, from: decoder) }
        if Value.self == UInt.self { return try entries(UInt.self, from: decoder) }
        if Value.self == UInt8.self { return try entries(UInt8.self, from: decoder) }
        if Value.self == UInt16.self { return try entries(UInt16.self, from: decoder) }
        if Value.self == UInt32.self { return try entries(UInt32.self, from: decoder) }
        if Value.self == UInt64.self { return try entries(UInt64.self, from: decoder) }
        return try Self(from: decoder)
    }

    /// The map at `decoder` as `[String: S]`, where `S` is `Value` and `Key` is `String`.
    @inline(__always)
    private static func entries<S: Decodable>(_ type: S.Type, from decoder: TapeDecoder) throws -> Self {
        let state = decoder.state
        let count = Int(state.tape.nodes[decoder.node].bits)
        let base = state.recordEntries(ofMapAt: decoder.node)
        var result = [String: S](minimumCapacity: count)
        for index in base..<(base + count) {
            guard let value = try? decoder.read(S.self, at: state.entries[index].value, path: { [] }) else {
                return try Self(from: decoder)
            }
            result[state.keyString(index)] = value
        }
        return reinterpret(result, as: Self.self)
    }
}

/// Reads a map of the tape through `KeyedDecodingContainer`.
private struct TapeKeyedContainer<Key: CodingKey>: ScalarReadingKeyedContainer {
    let decoder: TapeDecoder
    /// Its entries: `count` of the state's entries from `base`.
    let base: Int
    let count: Int
    /// Keys in canonical order: found by binary search.
    let sorted: Bool

    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] {
        (base..<(base + count)).compactMap { Key(stringValue: decoder.state.keyString($0)) }
    }

    func contains(_ key: Key) -> Bool { valueNode(for: key) != nil }

    private func valueNode(for key: Key) -> Int? {
        decoder.state.lookup(key.stringValue, base: base, count: count, sorted: sorted)
    }

    private func node(for key: Key) throws -> Int {
        guard let node = valueNode(for: key) else {
            throw DecodingError.keyNotFound(key, DecodingError.Context(
                codingPath: codingPath,
                debugDescription: "No value for key \(XPCMessage.quoted(key.stringValue)) in a dictionary of \(count)."))
        }
        return node
    }

    func readScalar<T>(_ type: T.Type, forKey key: Key, _ body: (XPCMessage) throws(ScalarFailure) -> T) throws -> T {
        try decoder.scalar(type, at: try node(for: key), path: { codingPath + [key] }, body)
    }

    func decodeNil(forKey key: Key) throws -> Bool { decoder.state.tape.nodes[try node(for: key)].kind == .null }


    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.decodeValue(type, at: try node(for: key), .key(key))
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder.nested(try node(for: key), at: .key(key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.nested(try node(for: key), at: .key(key)).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { try superDecoder(named: XPCCodingKey.super) }

    func superDecoder(forKey key: Key) throws -> any Decoder { try superDecoder(named: key) }

    /// A missing `super` entry decodes as null, as on the tree path.
    private func superDecoder(named key: any CodingKey) throws -> any Decoder {
        let state = decoder.state
        if let node = state.lookup(key.stringValue, base: base, count: count, sorted: sorted) {
            return decoder.nested(node, at: .key(key))
        }
        // A null that is in no tape: decoded by the tree path's decoder, at the same path.
        return ValueDecoder.detached(.null, at: codingPath + [key], userInfo: state.sendableUserInfo, attachments: state.attachments)
    }
}

/// Reads an array of the tape through `UnkeyedDecodingContainer`.
private struct TapeUnkeyedContainer: ScalarReadingUnkeyedContainer {
    let decoder: TapeDecoder
    private(set) var currentIndex = 0
    /// The node of the element at `currentIndex`.
    private var position: Int

    init(decoder: TapeDecoder) {
        self.decoder = decoder
        position = decoder.node + 1
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { Int(decoder.state.tape.nodes[decoder.node].bits) }
    var isAtEnd: Bool { currentIndex >= count ?? 0 }

    /// The next element's node, or `valueNotFound` naming `type` at the end.
    private func next(_ type: Any.Type) throws -> Int {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, DecodingError.Context(
                codingPath: codingPath + [XPCCodingKey(index: currentIndex)],
                debugDescription: "Unkeyed container is at its end: it has \(count ?? 0) elements."))
        }
        return position
    }

    private mutating func advance() {
        position = decoder.state.tape.nodes[position].end
        currentIndex += 1
    }

    mutating func readScalar<T>(_ type: T.Type, _ body: (XPCMessage) throws(ScalarFailure) -> T) throws -> T {
        let index = currentIndex
        let value = try decoder.scalar(type, at: try next(type), path: { codingPath + [XPCCodingKey(index: index)] }, body)
        advance()
        return value
    }

    mutating func decodeNil() throws -> Bool {
        if decoder.state.tape.nodes[try next(Any?.self)].kind == .null {
            advance()
            return true
        }
        return false
    }



    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let value = try decoder.decodeValue(type, at: try next(type), .index(currentIndex))
        advance()
        return value
    }

    /// A decoder for the next element, advancing past it only when `body` succeeds.
    private mutating func nextDecoder<T>(_ type: T.Type, _ body: (TapeDecoder) throws -> T) throws -> T {
        let value = try body(decoder.nested(try next(type), at: .index(currentIndex)))
        advance()
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
