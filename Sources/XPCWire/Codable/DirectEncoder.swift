#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SystemPackage

// The bytes path of `XPCEncoder`: `Encodable` value → canonical envelope, written straight into
// one growing buffer without building an `XPCMessage` tree (SPEC §9.1).
//
// Codable gives a container no "end", so bytes are written in the order values arrive and each
// container is finished when its parent is written to again or its value's `encode(to:)`
// returns: an array gets its header then; a dictionary's entries are sorted by key bytes
// (SPEC §5.2) by moving whole entries, and its header written. This covers what synthesized
// conformances and the standard library do. Anything else the tree path defines differently —
// a container written after it was finished, a key written twice, `superEncoder`, a second
// container of another kind on one encoder — and every error make the direct pass give up;
// `XPCEncoder` then encodes through the tree, which yields the same bytes (or the same error) by
// definition.

/// Why the direct pass stopped; the tree path then encodes the value from the start.
struct DirectEncodingAbandoned: Error {}

/// The state of one direct encode: the buffer, the open containers, and the values being written.
final class DirectEncodingState {
    enum ContainerKind { case keyed, unkeyed }

    /// An open container: its header is written when it is finished.
    struct Frame {
        let id: Int
        let kind: ContainerKind
        /// Where the one-byte header placeholder is.
        let start: Int
        /// Its depth in the message (the root container is at depth 0).
        let depth: Int
        /// Where this container's entries begin in ``entries`` (keyed containers).
        let entryBase: Int
        /// The value slot this container belongs to.
        let slot: Int
        let pathNode: Int
        /// Elements written (unkeyed containers).
        var count = 0
    }

    /// A dictionary entry: where it starts (its key), and where the key's bytes are.
    struct Entry {
        let start: Int
        let keyStart: Int
        let keyLength: Int
        /// The key's first 8 bytes, big-endian, zero-padded: comparing these orders most keys
        /// without reading them (keys hold no U+0000, so the padding sorts first, like an end).
        let prefix: UInt64

        /// The ``prefix`` of a key's bytes.
        @inline(__always)
        static func prefix(of key: UnsafeRawBufferPointer) -> UInt64 {
            if key.count >= 8 { return UInt64(bigEndian: key.loadUnaligned(as: UInt64.self)) }
            var prefix: UInt64 = 0
            for byte in key { prefix = prefix << 8 | UInt64(byte) }
            return prefix << (8 * (8 - key.count))
        }
    }

    /// What a value slot holds so far.
    enum SlotStatus: Equatable {
        case empty
        case written
        case container(id: Int, kind: ContainerKind)
    }

    /// A value being written by an `encode(to:)` call: exactly one value ends up at `start`.
    struct Slot {
        let start: Int
        /// ``frames``'s count when the slot began: its containers are the frames above.
        let frameBase: Int
        /// The depth its value has in the message.
        let depth: Int
        let pathNode: Int
        var status: SlotStatus = .empty
    }

    let options: XPCEncoder.Options
    let userInfo: [CodingUserInfoKey: Any]

    // One encode runs on one thread and never holds two accesses to one of these properties at
    // once (every access is a short read or in-place mutation, none spans a call back into user
    // code), so the runtime's exclusivity bookkeeping, a quarter of the time otherwise, is off.
    @exclusivity(unchecked) var buffer: GrowingWireBuffer
    @exclusivity(unchecked) var frames: [Frame] = []
    @exclusivity(unchecked) var entries: [Entry] = []
    @exclusivity(unchecked) var slots: [Slot] = []
    /// Where each nested value and container is, for `codingPath`.
    @exclusivity(unchecked) var paths = CodingPathTable(capacity: 64)
    @exclusivity(unchecked) var attachments: [XPCAttachment] = []
    /// The kind of each slot referenced so far (SPEC §3.4); `nil` where not referenced yet.
    @exclusivity(unchecked) var referencedSlots: [XPCSlotKind?] = []
    @exclusivity(unchecked) var nextFrameID = 0
    /// Set when the direct pass gave up somewhere it could not throw.
    @exclusivity(unchecked) var abandoned = false
    /// Types asked about by ``directContainerType(_:)``, with the answer.
    @exclusivity(unchecked) private var containerKinds = RecentTypeAnswers<any DirectEncodableContainer.Type>()

    init(options: XPCEncoder.Options, userInfo: [CodingUserInfoKey: any Sendable], capacity: Int) {
        self.options = options
        self.userInfo = userInfo
        buffer = GrowingWireBuffer(capacity: capacity)
        // Room for typical messages, so the stacks do not grow one step at a time.
        frames.reserveCapacity(16)
        entries.reserveCapacity(64)
        slots.reserveCapacity(16)
    }

    var maximumDepth: Int { options.wireOptions.maximumDepth }

    // MARK: Paths

    func addPathNode(parent: Int, _ component: CodingPathTable.Component) -> Int {
        paths.add(parent: parent, component)
    }

    func codingPath(of node: Int) -> [any CodingKey] { paths.codingPath(of: node) }

    // MARK: Value slots

    /// Writes one value through `encode(to:)` at the current position; an encoder that writes
    /// nothing leaves an empty dictionary, as on the tree path.
    func encodeNested<T: Encodable>(_ value: T, depth: Int, pathNode: Int) throws {
        slots.append(Slot(start: buffer.count, frameBase: frames.count, depth: depth, pathNode: pathNode))
        let slot = slots.count - 1
        try value.encode(to: DirectEncoder(state: self, slot: slot))
        try finishSlot(slot)
    }

    private func finishSlot(_ slot: Int) throws {
        guard !abandoned, slot == slots.count - 1 else { throw DirectEncodingAbandoned() }
        while frames.count > slots[slot].frameBase { try finishTopFrame() }
        if slots[slot].status == .empty {
            guard slots[slot].depth < maximumDepth else { throw DirectEncodingAbandoned() }
            buffer.append(0x80)  // {} (SPEC §9.1: a value that wrote nothing)
        }
        slots.removeLast()
    }

    /// Checks that `slot` is the one being written and claims it for a scalar.
    func claimForScalar(_ slot: Int) throws {
        guard !abandoned, slot == slots.count - 1, slots[slot].status == .empty,
              frames.count == slots[slot].frameBase
        else { throw DirectEncodingAbandoned() }
        slots[slot].status = .written
    }

    /// The container a slot's encoder asks for: a new one, or the one it already has.
    func container(for slot: Int, kind: ContainerKind) -> (frameIndex: Int, id: Int)? {
        guard !abandoned, slot == slots.count - 1 else { return nil }
        switch slots[slot].status {
        case .empty:
            guard frames.count == slots[slot].frameBase else { return nil }
            let id = openFrame(kind: kind, depth: slots[slot].depth, slot: slot, pathNode: slots[slot].pathNode)
            guard let id else { return nil }
            slots[slot].status = .container(id: id, kind: kind)
            return (frames.count - 1, id)
        case .container(let id, let existingKind):
            guard existingKind == kind, let index = reopen(id) else { return nil }
            return (index, id)
        case .written:
            return nil
        }
    }

    // MARK: Containers

    /// Opens a container at the current position, writing its header placeholder.
    func openFrame(kind: ContainerKind, depth: Int, slot: Int, pathNode: Int) -> Int? {
        guard depth < maximumDepth else { return nil }
        let id = nextFrameID
        nextFrameID += 1
        frames.append(Frame(
            id: id, kind: kind, start: buffer.count, depth: depth, entryBase: entries.count,
            slot: slot, pathNode: pathNode))
        buffer.append(0)  // the header, once the count is known
        return id
    }

    /// Makes container `id` the innermost open one again, finishing those opened inside it.
    /// `nil` when it was finished already or belongs to a value outside the one being written.
    func reopen(_ id: Int) -> Int? {
        guard !abandoned else { return nil }
        if let top = frames.last, top.id == id { return frames.count - 1 }
        guard let index = frames.lastIndex(where: { $0.id == id }),
              let slot = slots.last, index >= slot.frameBase
        else { return nil }
        do {
            while frames.count > index + 1 { try finishTopFrame() }
        } catch {
            return nil
        }
        return index
    }

    /// Writes the header of the innermost container; sorts a dictionary's entries first.
    func finishTopFrame() throws {
        guard let frame = frames.popLast() else { throw DirectEncodingAbandoned() }
        let end = buffer.count
        switch frame.kind {
        case .unkeyed:
            try writeHeader(count: frame.count, of: frame, end: end, isMap: false, reorder: false)
        case .keyed:
            let count = entries.count - frame.entryBase
            let sorted = try entriesAreSorted(from: frame.entryBase)
            try writeHeader(count: count, of: frame, end: end, isMap: true, reorder: !sorted)
            entries.removeSubrange(frame.entryBase...)
        }
    }

    /// Whether the entries from `base` are in canonical order; throws on a repeated key, whose
    /// meaning (the last value wins, attachments of the others unreferenced) the tree path owns.
    private func entriesAreSorted(from base: Int) throws -> Bool {
        guard entries.count - base > 1 else { return true }
        var sorted = true
        buffer.withUnsafeBytes { bytes in
            for index in (base + 1)..<entries.count {
                let comparison = Self.compareKeys(entries[index - 1], entries[index], in: bytes)
                if comparison >= 0 { sorted = false }
                if comparison == 0 { abandoned = true }
            }
        }
        if abandoned { throw DirectEncodingAbandoned() }
        return sorted
    }

    @inline(__always)
    private static func compareKeys(_ a: Entry, _ b: Entry, in bytes: UnsafeRawBufferPointer) -> Int {
        if a.prefix != b.prefix { return a.prefix < b.prefix ? -1 : 1 }
        return UTF8Order.compare(
            UnsafeRawBufferPointer(rebasing: bytes[a.keyStart..<(a.keyStart + a.keyLength)]),
            UnsafeRawBufferPointer(rebasing: bytes[b.keyStart..<(b.keyStart + b.keyLength)]))
    }

    /// Replaces the placeholder at `frame.start` with the real header, moving the entries into
    /// key order when `reorder` is set.
    private func writeHeader(count: Int, of frame: Frame, end: Int, isMap: Bool, reorder: Bool) throws {
        guard count <= Int(UInt32.max) else { throw DirectEncodingAbandoned() }
        let headerSize = WireSize.header(length: count, fixLimit: 16, hasForm8: false)
        if headerSize == 1, !reorder {
            buffer.set((isMap ? 0x80 : 0x90) | UInt8(truncatingIfNeeded: count), at: frame.start)
            return
        }
        // The header (at most 5 bytes) and, to reorder, the entries' order and byte ranges, in
        // temporary memory (on the stack when small): arrays kept in the state would start empty
        // with every `encode` call and grow in steps.
        var header = (UInt64(0), UInt64(0))
        let headerLength = withUnsafeMutableBytes(of: &header) { room -> Int in
            var writer = WireWriter(buffer: room)
            if isMap { writer.writeMapHeader(count: count) } else { writer.writeArrayHeader(count: count) }
            return writer.position
        }
        withUnsafeBytes(of: header) { headerBytes in
            let header = UnsafeRawBufferPointer(rebasing: headerBytes[..<headerLength])
            guard reorder else {
                // In order already: only the placeholder grows into the longer header.
                buffer.replace(frame.start..<(frame.start + 1), with: header)
                return
            }
            let entryCount = entries.count - frame.entryBase
            withUnsafeTemporaryAllocation(of: Int.self, capacity: entryCount) { order in
                var order = order
                for offset in 0..<entryCount { order.initializeElement(at: offset, to: frame.entryBase + offset) }
                buffer.withUnsafeBytes { bytes in
                    entries.withUnsafeBufferPointer { entries in
                        order.sort { Self.compareKeys(entries[$0], entries[$1], in: bytes) < 0 }
                    }
                }
                withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: entryCount) { pieces in
                    for (offset, index) in order.enumerated() {
                        let pieceEnd = index + 1 < entries.count ? entries[index + 1].start : end
                        pieces.initializeElement(at: offset, to: entries[index].start..<pieceEnd)
                    }
                    buffer.rearrange(from: frame.start, header: header, pieces: UnsafeBufferPointer(pieces))
                }
            }
        }
    }

    // MARK: Attachments

    func attach(_ attachment: XPCAttachment) throws -> UInt16 {
        guard attachments.count < Int(UInt16.max) else { throw DirectEncodingAbandoned() }
        attachments.append(attachment)
        let slot = UInt16(attachments.count - 1)
        try reference(slot, as: attachment.kind)
        return slot
    }

    func reference(_ slot: UInt16, as kind: XPCSlotKind) throws {
        let index = Int(slot)
        if index >= referencedSlots.count {
            referencedSlots.append(contentsOf: repeatElement(nil, count: index + 1 - referencedSlots.count))
        }
        if let existing = referencedSlots[index], existing != kind { throw DirectEncodingAbandoned() }
        referencedSlots[index] = kind
    }

    // MARK: Values

    /// Writes a string, which must hold no U+0000 (SPEC §2.3) and fit a 32-bit length.
    func write(string: String) throws {
        guard string.utf8.count <= Int(UInt32.max), buffer.write(string: string) else { throw DirectEncodingAbandoned() }
    }

    /// Writes the standard scalars; `false` (writing nothing) for any other type.
    @inline(__always)
    func writeScalar<T>(_ value: T) -> Bool {
        // The tree path's list of scalars (metatype comparisons), written the wire encoder's way.
        guard let scalar = ValueEncoder.boxScalar(value) else { return false }
        return BodyEncoder.writeScalar(scalar, into: &buffer)
    }

    /// Writes the natively mapped types (SPEC §9.1); `false` (writing nothing) for the others.
    func writeSpecial<T: Encodable>(_ value: T, depth: Int) throws -> Bool {
        // Metatype comparisons, not casts: a dynamic cast per nested value costs more than the value.
        if let string = exactly(value, as: String.self) {
            try write(string: string)
        } else if let date = exactly(value, as: Date.self) {
            guard let date = try? XPCDate(date) else { throw DirectEncodingAbandoned() }
            buffer.writeDate(date)
        } else if let uuid = exactly(value, as: UUID.self) {
            buffer.writeUUID(uuid)
        } else if let data = exactly(value, as: Data.self) {
            guard data.count <= Int(UInt32.max) else { throw DirectEncodingAbandoned() }
            buffer.writeDataHeader(length: data.count)
            data.withUnsafeBytes { buffer.append(contentsOf: $0) }
        } else if let url = exactly(value, as: URL.self) {
            try write(string: url.absoluteString)
        } else if let descriptor = exactly(value, as: FileDescriptor.self) {
            buffer.writeSlot(try attach(.fd(descriptor)), type: WireFormat.extFD)
        } else if let endpoint = exactly(value, as: XPCEndpointHandle.self) {
            buffer.writeSlot(try attach(.endpoint(endpoint)), type: WireFormat.extEndpoint)
        } else if let message = exactly(value, as: XPCMessage.self) {
            try write(message: message, depth: depth)
        } else {
            return false
        }
        return true
    }

    /// Writes a dynamic ``XPCMessage`` field with the wire encoder's own checks.
    private func write(message: XPCMessage, depth: Int) throws {
        // A value at depth d sits in a container at depth d - 1 < maximumDepth: the room is ≥ 0.
        var body = BodyEncoder(maximumDepth: maximumDepth - depth)
        guard let size = try? body.measure(message) else { throw DirectEncodingAbandoned() }
        for (slot, kind) in body.slots.enumerated() {
            if let kind { try reference(UInt16(truncatingIfNeeded: slot), as: kind) }
        }
        guard let bytes = WireWriter.bytes(capacity: size, { writer in BodyEncoder.write(message, into: &writer) })
        else { throw DirectEncodingAbandoned() }
        buffer.append(contentsOf: bytes)
    }

    /// `type` as an array or dictionary ``DirectEncodableContainer`` writes itself, or `nil`. A
    /// conformance lookup costs more than most values, so only types of an array's size are
    /// looked up, and the answers for the last few types are kept.
    @inline(__always)
    func directContainerType<T>(_ type: T.Type) -> (any DirectEncodableContainer.Type)? {
        guard MemoryLayout<T>.size == MemoryLayout<[Int]>.size else { return nil }
        return containerKinds.answer(for: type) { type in
            guard let containerType = type as? any DirectEncodableContainer.Type, containerType.hasScalarElements else { return nil }
            return containerType
        }
    }

    /// Writes a dictionary with `String` keys and standard-scalar values as
    /// `Dictionary.encode(to:)` would (a keyed container holding every entry, sorted when it is
    /// finished), but through the keyed container itself rather than the standard library's
    /// type-erasing box, by code specialized for the value type.
    func writeDictionary<S: Encodable>(_ dictionary: [String: S], depth: Int) throws {
        // No path node: a scalar value cannot fail here, and a string holding U+0000 gives up the
        // direct pass, so the tree path reports it with its path.
        slots.append(Slot(start: buffer.count, frameBase: frames.count, depth: depth, pathNode: -1))
        let slot = slots.count - 1
        guard let (index, id) = container(for: slot, kind: .keyed) else { throw DirectEncodingAbandoned() }
        var keyed = DirectKeyedContainer<XPCCodingKey>(state: self, frameID: id, depth: frames[index].depth, pathNode: -1)
        for (key, value) in dictionary { try keyed.encode(value, forKey: XPCCodingKey(stringValue: key)) }
        try finishSlot(slot)
    }

    /// Writes any value at the current position: scalars and native types inline, everything
    /// else through its `encode(to:)`.
    @inline(__always)
    func writeValue<T: Encodable>(_ value: T, depth: Int, pathNode: () -> Int) throws {
        if writeScalar(value) { return }
        if try writeSpecial(value, depth: depth) { return }
        // An array or a dictionary is one pointer: only values of that size are looked up as
        // containers (a protocol conformance lookup costs more than a small value).
        if let containerType = directContainerType(T.self), try containerType.write(value, to: self, depth: depth) { return }
        try encodeNested(value, depth: depth, pathNode: pathNode())
    }

    // MARK: The envelope

    /// Encodes `value` as a complete envelope; throws ``DirectEncodingAbandoned`` for anything
    /// the tree path must decide.
    static func encode<T: Encodable>(
        _ value: T, options: XPCEncoder.Options, userInfo: [CodingUserInfoKey: any Sendable]
    ) throws -> XPCEncodedMessage {
        let state = DirectEncodingState(options: options, userInfo: userInfo, capacity: 256)
        for _ in 0..<WireFormat.headerSize { state.buffer.append(0) }
        let root = state.addPathNode(parent: -1, .none)
        try state.writeValue(value, depth: 0, pathNode: { root })
        guard !state.abandoned, state.frames.isEmpty, state.slots.isEmpty else { throw DirectEncodingAbandoned() }
        return try state.envelope()
    }

    /// Fills in the header and inserts the slot table (SPEC §3.1).
    private func envelope() throws -> XPCEncodedMessage {
        // The slot table: every slot up to the highest referenced, each referenced, matching the
        // attachments collected (otherwise the tree path reports which).
        guard referencedSlots.count == attachments.count,
              zip(referencedSlots, attachments).allSatisfy({ $0 == $1.kind })
        else { throw DirectEncodingAbandoned() }
        let bodyLength = buffer.count - WireFormat.headerSize
        guard bodyLength <= Int(UInt32.max) else { throw DirectEncodingAbandoned() }
        var header = WireFormat.magic
        header.append(WireFormat.majorVersion)
        header.append(WireFormat.minorVersion)
        header.appendBigEndian(UInt16(0))  // flags
        header.appendBigEndian(UInt16(truncatingIfNeeded: attachments.count))
        header.appendBigEndian(UInt32(truncatingIfNeeded: bodyLength))
        header.append(contentsOf: attachments.map(\.kind.rawValue))
        header.withUnsafeBytes { buffer.replace(0..<WireFormat.headerSize, with: $0) }
        return XPCEncodedMessage(bytes: buffer.makeArray(), attachments: attachments)
    }
}

/// The `Encoder` of the direct pass: one value slot of a ``DirectEncodingState``.
///
/// A two-word struct, so handing it to `encode(to:)` as `any Encoder` allocates nothing.
struct DirectEncoder: Encoder, SingleValueEncodingContainer {
    let state: DirectEncodingState
    let slot: Int

    var codingPath: [any CodingKey] {
        guard state.slots.indices.contains(slot) else { return [] }
        return state.codingPath(of: state.slots[slot].pathNode)
    }

    var userInfo: [CodingUserInfoKey: Any] { state.userInfo }

    private var depth: Int { state.slots.indices.contains(slot) ? state.slots[slot].depth : 0 }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        guard let (index, id) = state.container(for: slot, kind: .keyed) else {
            state.abandoned = true
            return KeyedEncodingContainer(DirectKeyedContainer<Key>(state: state, frameID: -1, depth: 0, pathNode: -1))
        }
        let frame = state.frames[index]
        return KeyedEncodingContainer(DirectKeyedContainer<Key>(
            state: state, frameID: id, depth: frame.depth, pathNode: frame.pathNode))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        guard let (index, id) = state.container(for: slot, kind: .unkeyed) else {
            state.abandoned = true
            return DirectUnkeyedContainer(state: state, frameID: -1, pathNode: -1)
        }
        let frame = state.frames[index]
        return DirectUnkeyedContainer(state: state, frameID: id, pathNode: frame.pathNode)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    // MARK: SingleValueEncodingContainer

    private func write(_ body: () throws -> Void) throws {
        try state.claimForScalar(slot)
        try body()
    }

    func encodeNil() throws { try write { state.buffer.append(WireFormat.null) } }
    func encode(_ value: Bool) throws { try write { state.buffer.append(value ? WireFormat.true : WireFormat.false) } }
    func encode(_ value: String) throws { try write { try state.write(string: value) } }
    func encode(_ value: Double) throws { try write { state.buffer.writeDouble(value) } }
    func encode(_ value: Float) throws { try write { state.buffer.writeDouble(Double(value)) } }
    func encode(_ value: Int) throws { try write { state.buffer.writeInt64(Int64(value)) } }
    func encode(_ value: Int8) throws { try write { state.buffer.writeInt64(Int64(value)) } }
    func encode(_ value: Int16) throws { try write { state.buffer.writeInt64(Int64(value)) } }
    func encode(_ value: Int32) throws { try write { state.buffer.writeInt64(Int64(value)) } }
    func encode(_ value: Int64) throws { try write { state.buffer.writeInt64(value) } }
    func encode(_ value: UInt) throws { try write { state.buffer.writeUInt64(UInt64(value)) } }
    func encode(_ value: UInt8) throws { try write { state.buffer.writeUInt64(UInt64(value)) } }
    func encode(_ value: UInt16) throws { try write { state.buffer.writeUInt64(UInt64(value)) } }
    func encode(_ value: UInt32) throws { try write { state.buffer.writeUInt64(UInt64(value)) } }
    func encode(_ value: UInt64) throws { try write { state.buffer.writeUInt64(value) } }

    /// The value `value` encodes becomes this slot's value (as on the tree path, no key is added).
    func encode<T: Encodable>(_ value: T) throws {
        try state.claimForScalar(slot)
        let depth = self.depth
        let node = state.slots.indices.contains(slot) ? state.slots[slot].pathNode : -1
        try state.writeValue(value, depth: depth, pathNode: { state.addPathNode(parent: node, .none) })
    }
}

/// A dictionary of the direct pass; entries are sorted when it is finished.
private struct DirectKeyedContainer<Key: CodingKey>: NilStrategyKeyedContainer {
    let state: DirectEncodingState
    let frameID: Int
    /// The depth of this dictionary; its values are one deeper.
    let depth: Int
    let pathNode: Int

    var codingPath: [any CodingKey] { state.codingPath(of: pathNode) }

    var writesNullForNil: Bool { state.options.nilEncodingStrategy == .null }

    /// Makes this the innermost open container and writes `key`, starting an entry.
    private func begin(_ key: Key) throws -> Int {
        guard let index = state.reopen(frameID) else {
            state.abandoned = true
            throw DirectEncodingAbandoned()
        }
        let start = state.buffer.count
        let name = key.stringValue
        try state.write(string: name)
        let keyLength = name.utf8.count
        let keyStart = state.buffer.count - keyLength
        let prefix = state.buffer.withUnsafeBytes { bytes in
            DirectEncodingState.Entry.prefix(of: UnsafeRawBufferPointer(rebasing: bytes[keyStart..<(keyStart + keyLength)]))
        }
        state.entries.append(DirectEncodingState.Entry(
            start: start, keyStart: keyStart, keyLength: keyLength, prefix: prefix))
        return index
    }

    /// Whether this dictionary already has an entry for `key` (the tree path reuses its container).
    private func hasEntry(for key: Key, frameIndex: Int) -> Bool {
        let name = key.stringValue
        let base = state.frames[frameIndex].entryBase
        guard state.entries.count > base else { return false }
        return name.utf8.withContiguousStorageIfAvailable { name in
            state.buffer.withUnsafeBytes { bytes in
                state.entries[base...].contains { entry in
                    UTF8Order.compare(
                        UnsafeRawBufferPointer(rebasing: bytes[entry.keyStart..<(entry.keyStart + entry.keyLength)]),
                        UnsafeRawBufferPointer(name)) == 0
                }
            }
        } ?? true
    }

    mutating func encodeNil(forKey key: Key) throws {
        _ = try begin(key)
        state.buffer.append(WireFormat.null)
    }
    mutating func encode(_ value: Bool, forKey key: Key) throws {
        _ = try begin(key)
        state.buffer.append(value ? WireFormat.true : WireFormat.false)
    }
    mutating func encode(_ value: String, forKey key: Key) throws {
        _ = try begin(key)
        try state.write(string: value)
    }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        _ = try begin(key)
        state.buffer.writeDouble(value)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws { try encode(Double(value), forKey: key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try encode(Int64(value), forKey: key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try encode(Int64(value), forKey: key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try encode(Int64(value), forKey: key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try encode(Int64(value), forKey: key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws {
        _ = try begin(key)
        state.buffer.writeInt64(value)
    }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try encode(UInt64(value), forKey: key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try encode(UInt64(value), forKey: key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try encode(UInt64(value), forKey: key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try encode(UInt64(value), forKey: key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws {
        _ = try begin(key)
        state.buffer.writeUInt64(value)
    }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        _ = try begin(key)
        let state = self.state, parent = pathNode
        try state.writeValue(value, depth: depth + 1, pathNode: { state.addPathNode(parent: parent, .key(key)) })
    }

    /// Starts the entry of a nested container at `key`, or gives up (the tree path reuses a
    /// container asked for twice at one key).
    private func beginNested(_ key: Key) -> (slot: Int, pathNode: Int)? {
        guard let index = state.reopen(frameID), !hasEntry(for: key, frameIndex: index),
              (try? begin(key)) != nil
        else {
            state.abandoned = true
            return nil
        }
        return (state.frames[index].slot, state.addPathNode(parent: pathNode, .key(key)))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        guard let (slot, node) = beginNested(key),
              let id = state.openFrame(kind: .keyed, depth: depth + 1, slot: slot, pathNode: node)
        else {
            state.abandoned = true
            return KeyedEncodingContainer(DirectKeyedContainer<NestedKey>(state: state, frameID: -1, depth: 0, pathNode: -1))
        }
        return KeyedEncodingContainer(DirectKeyedContainer<NestedKey>(
            state: state, frameID: id, depth: depth + 1, pathNode: node))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        guard let (slot, node) = beginNested(key),
              let id = state.openFrame(kind: .unkeyed, depth: depth + 1, slot: slot, pathNode: node)
        else {
            state.abandoned = true
            return DirectUnkeyedContainer(state: state, frameID: -1, pathNode: -1)
        }
        return DirectUnkeyedContainer(state: state, frameID: id, pathNode: node)
    }

    // `superEncoder` hands out an encoder whose value is read only when the tree is resolved:
    // the tree path's business.
    mutating func superEncoder() -> any Encoder { abandon() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { abandon() }

    private func abandon() -> any Encoder {
        state.abandoned = true
        return DirectEncoder(state: state, slot: -1)
    }
}

/// An array of the direct pass; its header is written when it is finished.
///
/// Three words, so returning it as `any UnkeyedEncodingContainer` allocates nothing: its depth
/// and count are read from its frame, which is open whenever it may be written.
private struct DirectUnkeyedContainer: UnkeyedEncodingContainer {
    let state: DirectEncodingState
    let frameID: Int
    let pathNode: Int

    init(state: DirectEncodingState, frameID: Int, pathNode: Int) {
        self.state = state
        self.frameID = frameID
        self.pathNode = pathNode
    }

    var codingPath: [any CodingKey] { state.codingPath(of: pathNode) }

    var count: Int { state.frames.last(where: { $0.id == frameID })?.count ?? 0 }

    /// The depth of this array (its elements are one deeper); valid while it is open.
    private var depth: Int { state.frames.last(where: { $0.id == frameID })?.depth ?? 0 }

    /// Makes this the innermost open container and counts one more element.
    private mutating func begin() throws -> Int {
        guard let index = state.reopen(frameID) else {
            state.abandoned = true
            throw DirectEncodingAbandoned()
        }
        state.frames[index].count += 1
        return index
    }

    mutating func encodeNil() throws {
        _ = try begin()
        state.buffer.append(WireFormat.null)
    }
    mutating func encode(_ value: Bool) throws {
        _ = try begin()
        state.buffer.append(value ? WireFormat.true : WireFormat.false)
    }
    mutating func encode(_ value: String) throws {
        _ = try begin()
        try state.write(string: value)
    }
    mutating func encode(_ value: Double) throws {
        _ = try begin()
        state.buffer.writeDouble(value)
    }
    mutating func encode(_ value: Float) throws { try encode(Double(value)) }
    mutating func encode(_ value: Int) throws { try encode(Int64(value)) }
    mutating func encode(_ value: Int8) throws { try encode(Int64(value)) }
    mutating func encode(_ value: Int16) throws { try encode(Int64(value)) }
    mutating func encode(_ value: Int32) throws { try encode(Int64(value)) }
    mutating func encode(_ value: Int64) throws {
        _ = try begin()
        state.buffer.writeInt64(value)
    }
    mutating func encode(_ value: UInt) throws { try encode(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { try encode(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { try encode(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { try encode(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws {
        _ = try begin()
        state.buffer.writeUInt64(value)
    }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let frame = state.frames[try begin()]
        let state = self.state, parent = pathNode, index = frame.count - 1
        try state.writeValue(value, depth: frame.depth + 1, pathNode: { state.addPathNode(parent: parent, .index(index)) })
    }

    private mutating func beginNested() -> (slot: Int, depth: Int, pathNode: Int)? {
        guard let index = try? begin() else { return nil }
        let frame = state.frames[index]
        return (frame.slot, frame.depth + 1, state.addPathNode(parent: pathNode, .index(frame.count - 1)))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        guard let (slot, depth, node) = beginNested(),
              let id = state.openFrame(kind: .keyed, depth: depth, slot: slot, pathNode: node)
        else {
            state.abandoned = true
            return KeyedEncodingContainer(DirectKeyedContainer<NestedKey>(state: state, frameID: -1, depth: 0, pathNode: -1))
        }
        return KeyedEncodingContainer(DirectKeyedContainer<NestedKey>(state: state, frameID: id, depth: depth, pathNode: node))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        guard let (slot, depth, node) = beginNested(),
              let id = state.openFrame(kind: .unkeyed, depth: depth, slot: slot, pathNode: node)
        else {
            state.abandoned = true
            return DirectUnkeyedContainer(state: state, frameID: -1, pathNode: -1)
        }
        return DirectUnkeyedContainer(state: state, frameID: id, pathNode: node)
    }

    mutating func superEncoder() -> any Encoder {
        state.abandoned = true
        return DirectEncoder(state: state, slot: -1)
    }
}

/// The element types arrays of which the direct paths encode and decode themselves
/// (``DirectEncodableContainer``, ``TapeDecodableContainer``): `Bool`, `String`, the floating-point and
/// the integer types.
enum StandardScalar {
    static func contains(_ type: Any.Type) -> Bool {
        // Metatype identity (pointer comparisons), not `is` casts, which each cost a runtime call.
        type == Bool.self || type == String.self || type == Double.self || type == Float.self
            || type == Int.self || type == Int8.self || type == Int16.self || type == Int32.self || type == Int64.self
            || type == UInt.self || type == UInt8.self || type == UInt16.self || type == UInt32.self || type == UInt64.self
    }
}

/// Answers about the last four types asked about, kept inline (no allocation): for questions that
/// cost a runtime lookup (a protocol conformance) and are asked again and again of few types.
struct RecentTypeAnswers<Answer> {
    private var types: (ObjectIdentifier?, ObjectIdentifier?, ObjectIdentifier?, ObjectIdentifier?) = (nil, nil, nil, nil)
    private var answers: (Answer?, Answer?, Answer?, Answer?) = (nil, nil, nil, nil)
    /// Where the next new answer goes (round robin).
    private var next = 0

    /// The answer for `type`: kept, or from `compute`, then kept.
    @inline(__always)
    mutating func answer(for type: Any.Type, _ compute: (Any.Type) -> Answer?) -> Answer? {
        let id = ObjectIdentifier(type)
        if types.0 == id { return answers.0 }
        if types.1 == id { return answers.1 }
        if types.2 == id { return answers.2 }
        if types.3 == id { return answers.3 }
        let answer = compute(type)
        switch next {
        case 0: (types.0, answers.0) = (id, answer)
        case 1: (types.1, answers.1) = (id, answer)
        case 2: (types.2, answers.2) = (id, answer)
        default: (types.3, answers.3) = (id, answer)
        }
        next = (next + 1) & 3
        return answer
    }
}

/// An array of standard scalars, or a dictionary with `String` keys and standard-scalar values,
/// that the direct encoder writes itself, by code specialized for the element type, with the
/// bytes and errors of the standard library's `encode(to:)`. Containers of other elements go
/// through `encode(to:)`: written here they would be no faster (each element is then encoded by
/// unspecialized code that looks up generic metadata).
protocol DirectEncodableContainer {
    /// Whether the elements are of a type ``write(to:depth:)`` writes.
    static var hasScalarElements: Bool { get }
    /// Writes the container and returns `true`, or returns `false` having written nothing.
    func write(to state: DirectEncodingState, depth: Int) throws -> Bool
}

extension DirectEncodableContainer {
    /// ``write(to:depth:)`` of `value`, which is a `Self` (`false`, writing nothing, if it is not).
    static func write<T>(_ value: T, to state: DirectEncodingState, depth: Int) throws -> Bool {
        guard Self.self == T.self else { return false }
        return try reinterpret(value, as: Self.self).write(to: state, depth: depth)
    }
}

/// `Array.encode(to:)`: an unkeyed container holding the elements in order, its header written
/// first, since the count is known.
extension Array: DirectEncodableContainer where Element: Encodable {
    func write(to state: DirectEncodingState, depth: Int) throws -> Bool {
        guard Self.hasScalarElements else { return false }
        // The checks of `openFrame` and `writeHeader` for the container this would have been.
        // (No path node: a scalar element cannot fail here, and a string holding U+0000 gives
        // up the direct pass, so the tree path reports it with its path.)
        guard !state.abandoned, depth < state.maximumDepth, count <= Int(UInt32.max) else { throw DirectEncodingAbandoned() }
        state.buffer.writeArrayHeader(count: count)
        var buffer = state.buffer
        if Element.self == String.self {
            for string in reinterpret(self, as: [String].self) { try state.write(string: string) }
            return true
        }
        return writeAll(Bool.self, { buffer.append($0 ? WireFormat.true : WireFormat.false) })
            || writeAll(Double.self, { buffer.writeDouble($0) })
            || writeAll(Float.self, { buffer.writeDouble(Double($0)) })
            || writeAll(Int.self, { buffer.writeInt64(Int64($0)) })
            || writeAll(Int8.self, { buffer.writeInt64(Int64($0)) })
            || writeAll(Int16.self, { buffer.writeInt64(Int64($0)) })
            || writeAll(Int32.self, { buffer.writeInt64(Int64($0)) })
            || writeAll(Int64.self, { buffer.writeInt64($0) })
            || writeAll(UInt.self, { buffer.writeUInt64(UInt64($0)) })
            || writeAll(UInt8.self, { buffer.writeUInt64(UInt64($0)) })
            || writeAll(UInt16.self, { buffer.writeUInt64(UInt64($0)) })
            || writeAll(UInt32.self, { buffer.writeUInt64(UInt64($0)) })
            || writeAll(UInt64.self, { buffer.writeUInt64($0) })
    }

    static var hasScalarElements: Bool { StandardScalar.contains(Element.self) }

    /// Writes every element with `write` when `Element` is `S`; `false` (writing nothing) otherwise.
    @inline(__always)
    private func writeAll<S>(_ type: S.Type, _ write: (S) -> Void) -> Bool {
        guard Element.self == S.self else { return false }
        for element in reinterpret(self, as: [S].self) { write(element) }
        return true
    }
}

extension Dictionary: DirectEncodableContainer where Key: Encodable, Value: Encodable {
    static var hasScalarElements: Bool { Key.self == String.self && StandardScalar.contains(Value.self) }

    func write(to state: DirectEncodingState, depth: Int) throws -> Bool {
        guard Self.hasScalarElements else { return false }
        // `Key` is `String` and `Value` one of `StandardScalar`'s types.
        if Value.self == String.self { try state.writeDictionary(reinterpret(self, as: [String: String].self), depth: depth) }
        else if Value.self == Bool.self { try state.writeDictionary(reinterpret(self, as: [String: Bool].self), depth: depth) }
        else if Value.self == Double.self { try state.writeDictionary(reinterpret(self, as: [String: Double].self), depth: depth) }
        else if Value.self == Float.self { try state.writeDictionary(reinterpret(self, as: [String: Float].self), depth: depth) }
        else if Value.self == Int.self { try state.writeDictionary(reinterpret(self, as: [String: Int].self), depth: depth) }
        else if Value.self == Int8.self { try state.writeDictionary(reinterpret(self, as: [String: Int8].self), depth: depth) }
        else if Value.self == Int16.self { try state.writeDictionary(reinterpret(self, as: [String: Int16].self), depth: depth) }
        else if Value.self == Int32.self { try state.writeDictionary(reinterpret(self, as: [String: Int32].self), depth: depth) }
        else if Value.self == Int64.self { try state.writeDictionary(reinterpret(self, as: [String: Int64].self), depth: depth) }
        else if Value.self == UInt.self { try state.writeDictionary(reinterpret(self, as: [String: UInt].self), depth: depth) }
        else if Value.self == UInt8.self { try state.writeDictionary(reinterpret(self, as: [String: UInt8].self), depth: depth) }
        else if Value.self == UInt16.self { try state.writeDictionary(reinterpret(self, as: [String: UInt16].self), depth: depth) }
        else if Value.self == UInt32.self { try state.writeDictionary(reinterpret(self, as: [String: UInt32].self), depth: depth) }
        else if Value.self == UInt64.self { try state.writeDictionary(reinterpret(self, as: [String: UInt64].self), depth: depth) }
        else { return false }
        return true
    }
}
