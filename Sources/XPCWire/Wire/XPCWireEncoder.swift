/// Encodes ``XPCMessage`` values to canonical XPCWire bytes (SPEC §3–§5).
///
/// The output is deterministic: equal messages give identical bytes, and
/// `encode(decode(bytes)) == bytes` for every canonical input.
///
/// ```swift
/// let encoder = XPCWireEncoder()
/// let bytes = try encoder.encode(["op": "ping", "log": .fd(slot: 0)])
/// // bytes[8...9] == [0, 1]: one slot, an fd, whose descriptor travels out of band.
/// ```
public struct XPCWireEncoder: Sendable {
    /// How messages are written.
    public var options: XPCWireEncodingOptions

    /// Creates an encoder.
    public init(options: XPCWireEncodingOptions = XPCWireEncodingOptions()) {
        self.options = options
    }

    /// Encodes a message into a complete envelope.
    ///
    /// The slot table is derived from the message: slot *n* has the kind of the values that refer
    /// to it, and every slot from 0 to the highest one used must be referenced.
    public func encode(_ message: XPCMessage) throws(XPCWireEncodingError) -> [UInt8] {
        try envelope(message, attachments: nil)
    }

    /// Encodes a message into a complete envelope, checking that `attachments` fill its slots.
    ///
    /// - Throws: ``XPCWireEncodingError/attachmentsMismatch(slots:attachments:)`` when the count or
    ///   kinds differ from the slots the message refers to.
    public func encode(_ message: XPCMessage, attachments: [XPCAttachment]) throws(XPCWireEncodingError) -> [UInt8] {
        try envelope(message, attachments: attachments)
    }

    /// Encodes only the MessagePack body, without the envelope (SPEC §4).
    ///
    /// Useful for exchanging plain MessagePack with other libraries; a body that refers to slots
    /// needs the slot table of an envelope to be decoded again.
    public func encodeBody(_ message: XPCMessage) throws(XPCWireEncodingError) -> [UInt8] {
        var body = BodyEncoder(maximumDepth: options.maximumDepth)
        let bodyLength = try body.measure(message)
        _ = try body.envelopeSlots(of: message, bodyLength: nil, attachments: nil)
        guard let bytes = WireWriter.bytes(capacity: bodyLength, { writer in BodyEncoder.write(message, into: &writer) })
        else { throw body.writingError(in: message) }
        return bytes
    }

    /// Encodes a message into a complete envelope, as ``encode(_:attachments:)``, except that the
    /// payloads of the first ``XPCSegmentedEnvelope/maximumDetached`` data values of at least
    /// `threshold` bytes are not copied: they are referenced, for a transport that gathers the
    /// pieces into one write (`sendmsg` with several buffers). The bytes on the wire are the same.
    package func encodeSegmented(
        _ message: XPCMessage, attachments: [XPCAttachment], detachingDataOf threshold: Int
    ) throws(XPCWireEncodingError) -> XPCSegmentedEnvelope {
        // No payload of a small envelope reaches a threshold above its size: nothing to detach.
        if attachments.isEmpty, threshold > WireWriter.stackCapacity,
           let bytes = WireWriter.smallEnvelope(message, maximumDepth: options.maximumDepth) {
            return XPCSegmentedEnvelope(bytes: bytes, detached: [], count: bytes.count)
        }
        var body = BodyEncoder(maximumDepth: options.maximumDepth)
        body.detachThreshold = max(threshold, 1)
        let bodyLength = try body.measure(message)
        let slots = try body.envelopeSlots(of: message, bodyLength: bodyLength, attachments: attachments)
        let total = WireFormat.headerSize + slots.count + bodyLength
        let written = WireWriter.segments(capacity: total - body.detachedBytes, detachThreshold: body.detachThreshold) { writer in
            Self.writeEnvelope(message, bodyLength: bodyLength, slots: slots, into: &writer)
        }
        guard let (bytes, detached) = written else { throw body.writingError(in: message) }
        return XPCSegmentedEnvelope(bytes: bytes, detached: detached, count: total)
    }

    /// The 1.0 envelope of a message: header, slot table, body (SPEC §3.1), in one allocation of
    /// exactly its size.
    private func envelope(_ message: XPCMessage, attachments: [XPCAttachment]?) throws(XPCWireEncodingError) -> [UInt8] {
        // Most messages are small and refer to no attachments: one pass writes and checks them,
        // without the measuring pass and the slot table (about 300 instructions of 1,900 for
        // the transport's small request).
        if attachments?.isEmpty ?? true, let bytes = WireWriter.smallEnvelope(message, maximumDepth: options.maximumDepth) {
            return bytes
        }
        var body = BodyEncoder(maximumDepth: options.maximumDepth)
        let bodyLength = try body.measure(message)
        let slots = try body.envelopeSlots(of: message, bodyLength: bodyLength, attachments: attachments)
        let capacity = WireFormat.headerSize + slots.count + bodyLength
        guard let bytes = WireWriter.bytes(capacity: capacity, { writer in
            Self.writeEnvelope(message, bodyLength: bodyLength, slots: slots, into: &writer)
        }) else { throw body.writingError(in: message) }
        return bytes
    }

    /// Writes header, slot table and body; `false` when the body holds a U+0000 (see
    /// ``BodyEncoder/write(_:into:)``).
    private static func writeEnvelope(_ message: XPCMessage, bodyLength: Int, slots: [XPCSlotKind], into writer: inout WireWriter) -> Bool {
        for byte in WireFormat.magic { writer.append(byte) }
        writer.append(WireFormat.majorVersion)
        writer.append(WireFormat.minorVersion)
        writer.appendBigEndian(UInt16(0))  // flags
        writer.appendBigEndian(UInt16(truncatingIfNeeded: slots.count))
        writer.appendBigEndian(UInt32(truncatingIfNeeded: bodyLength))
        for slot in slots { writer.append(slot.rawValue) }
        return BodyEncoder.write(message, into: &writer)
    }
}

/// An envelope in pieces (``XPCWireEncoder/encodeSegmented(_:attachments:detachingDataOf:)``):
/// `bytes`, with each detached payload inserted at its offset into `bytes` (in order; offsets
/// never decrease), is the envelope.
package struct XPCSegmentedEnvelope: Sendable {
    /// The most payloads one envelope detaches; later large ones are copied into `bytes`.
    package static let maximumDetached = 8

    /// Everything but the detached payloads.
    package var bytes: [UInt8]
    /// The detached payloads and where in `bytes` each goes.
    package var detached: [(offset: Int, payload: [UInt8])]
    /// The whole envelope's size.
    package var count: Int

    package init(bytes: [UInt8], detached: [(offset: Int, payload: [UInt8])], count: Int) {
        self.bytes = bytes
        self.detached = detached
        self.count = count
    }
}

/// Encodes one message as a MessagePack body in two passes.
///
/// ``measure(_:)`` walks the message once, checking what can fail without reading string bytes
/// (depth, lengths, slot kinds), collecting the slots, and adding up the exact body size.
/// ``write(_:into:)`` then writes the bytes into a buffer of that size, looking for U+0000 in each
/// string as it copies it. Errors are reported in the order of one checking walk (SPEC §2.3,
/// §4): when writing finds a U+0000, or a check between the passes fails, ``writingError(in:)``
/// walks the message again with every check and reports the first error with its path.
struct BodyEncoder {
    let maximumDepth: Int
    /// The kind each slot was first referenced as; `nil` for slots not referenced yet.
    var slots: [XPCSlotKind?] = []
    /// Data payloads of at least this size are detached (up to
    /// ``XPCSegmentedEnvelope/maximumDetached``), see ``WireWriter/segments(capacity:detachThreshold:_:)``.
    var detachThreshold = Int.max
    /// How many payloads, and how many bytes, the measure expects to be detached.
    var detachedCount = 0
    var detachedBytes = 0

    init(maximumDepth: Int) {
        self.maximumDepth = maximumDepth
    }

    /// Checks that `message` can be encoded and records its slots, without producing bytes.
    mutating func encode(_ message: XPCMessage) throws(XPCWireEncodingError) {
        _ = try measure(message)
    }

    /// Checks that `message` can be encoded, records its slots, and returns its body size.
    ///
    /// The size saturates at `Int.max` instead of overflowing (only a message that shares storage
    /// many times over could get there; it is then too large for any envelope).
    mutating func measure(_ message: XPCMessage) throws(XPCWireEncodingError) -> Int {
        // The quick pass finds the size, or that something is wrong; only then does the checked
        // pass run, from the start, to report the first error with its path (the error paths
        // cost a `do`/`catch` per element, which the quick pass does not pay).
        if let size = quickMeasure(message, depth: 0) { return size }
        slots.removeAll()
        return try measure(message, depth: 0)
    }

    /// The body size, or `nil` when ``measure(_:depth:)`` would throw; records the slots.
    private mutating func quickMeasure(_ message: XPCMessage, depth: Int) -> Int? {
        switch message {
        case .null, .bool: return 1
        case .int64(let value): return WireSize.int64(value)
        case .uint64(let value): return WireSize.uint64(value)
        case .double: return WireSize.double
        case .string(let value): return Self.quickMeasure(value)
        case .data(let bytes):
            guard bytes.count <= Int(UInt32.max) else { return nil }
            if bytes.count >= detachThreshold, detachedCount < XPCSegmentedEnvelope.maximumDetached {
                detachedCount += 1
                detachedBytes += bytes.count
            }
            return WireSize.data(length: bytes.count)
        case .fd(let slot):
            return quickReference(slot, as: .fd) ? WireSize.slot : nil
        case .uuid: return WireSize.uuid
        case .date: return WireSize.date
        case .endpoint(let slot):
            return quickReference(slot, as: .endpoint) ? WireSize.slot : nil
        case .array(let elements):
            guard depth < maximumDepth, elements.count <= Int(UInt32.max) else { return nil }
            var size = WireSize.array(count: elements.count)
            let complete: Bool = elements.storage.elements.withUnsafeBufferPointer { elements in
                for index in elements.indices {
                    // Leaves inline: most elements are, and a call per element costs more than they do.
                    if let leafSize = Self.leafSize(elements[index]) {
                        size = Self.adding(size, leafSize)
                    } else if let elementSize = quickMeasure(elements[index], depth: depth + 1) {
                        size = Self.adding(size, elementSize)
                    } else {
                        return false
                    }
                }
                return true
            }
            return complete ? size : nil
        case .dictionary(let dictionary):
            guard depth < maximumDepth, dictionary.count <= Int(UInt32.max) else { return nil }
            var size = WireSize.map(count: dictionary.count)
            let complete: Bool = dictionary.storage.entries.withUnsafeBufferPointer { entries in
                for index in entries.indices {
                    guard let keySize = Self.quickMeasure(entries[index].key) else { return false }
                    size = Self.adding(size, keySize)
                    if let leafSize = Self.leafSize(entries[index].value) {
                        size = Self.adding(size, leafSize)
                    } else if let valueSize = quickMeasure(entries[index].value, depth: depth + 1) {
                        size = Self.adding(size, valueSize)
                    } else {
                        return false
                    }
                }
                return true
            }
            return complete ? size : nil
        }
    }

    /// The size of a scalar or string that needs no checks here and records no slot; `nil` for
    /// the others (and for a string too long for any header, which ``quickMeasure(_:depth:)``
    /// then rejects).
    @inline(__always)
    private static func leafSize(_ message: XPCMessage) -> Int? {
        switch message {
        case .null, .bool: 1
        case .int64(let value): WireSize.int64(value)
        case .uint64(let value): WireSize.uint64(value)
        case .double: WireSize.double
        case .uuid: WireSize.uuid
        case .date: WireSize.date
        case .string(let value): quickMeasure(value)
        case .data, .fd, .endpoint, .array, .dictionary: nil
        }
    }

    /// A string's size; its bytes are checked for U+0000 as ``write(_:into:)`` copies them.
    @inline(__always)
    private static func quickMeasure(_ string: String) -> Int? {
        let length = string.utf8.count
        return length <= Int(UInt32.max) ? WireSize.string(length: length) : nil
    }

    /// The slot table, after the checks between measuring and writing: every slot referenced,
    /// `attachments` (when given) filling the slots, a body length that fits the header (when
    /// given). If one fails, a U+0000 earlier in the message is reported instead, as one checking
    /// walk would have.
    func envelopeSlots(
        of message: XPCMessage, bodyLength: Int?, attachments: [XPCAttachment]?
    ) throws(XPCWireEncodingError) -> [XPCSlotKind] {
        do throws(XPCWireEncodingError) {
            let slots = try slotTable()
            if let attachments {
                let matches = attachments.count == slots.count && zip(attachments, slots).allSatisfy { $0.kind == $1 }
                guard matches else { throw .attachmentsMismatch(slots: slots, attachments: attachments.map(\.kind)) }
            }
            if let bodyLength, bodyLength > Int(UInt32.max) { throw .messageTooLarge(bodyLength: bodyLength) }
            return slots
        } catch {
            throw firstStringError(in: message) ?? error
        }
    }

    /// The error for a message ``write(_:into:)`` gave up on: the first U+0000, with its path.
    func writingError(in message: XPCMessage) -> XPCWireEncodingError {
        // Not `nil`: the writer gives up only at a U+0000, which the checking walk reports.
        firstStringError(in: message) ?? .embeddedNUL(path: [])
    }

    /// What the checking walk reports for a message ``measure(_:)`` accepted: its first U+0000.
    private func firstStringError(in message: XPCMessage) -> XPCWireEncodingError? {
        var checker = BodyEncoder(maximumDepth: maximumDepth)
        do throws(XPCWireEncodingError) {
            _ = try checker.measure(message, depth: 0)
            return nil
        } catch {
            return error
        }
    }

    private mutating func quickReference(_ slot: UInt16, as kind: XPCSlotKind) -> Bool {
        let index = Int(slot)
        if index >= slots.count {
            slots.append(contentsOf: repeatElement(nil, count: index + 1 - slots.count))
        }
        if let existing = slots[index], existing != kind { return false }
        slots[index] = kind
        return true
    }

    /// The slot table: every slot up to the highest referenced, each referenced.
    func slotTable() throws(XPCWireEncodingError) -> [XPCSlotKind] {
        guard slots.count <= Int(UInt16.max) else { throw .tooManySlots(count: slots.count) }
        // Most messages have no slots: reserving room in an empty array still goes through the
        // array's reallocation path.
        if slots.isEmpty { return [] }
        var table: [XPCSlotKind] = []
        table.reserveCapacity(slots.count)
        for (index, kind) in slots.enumerated() {
            guard let kind else { throw .unreferencedSlot(slot: index) }
            table.append(kind)
        }
        return table
    }

    private mutating func measure(_ message: XPCMessage, depth: Int) throws(XPCWireEncodingError) -> Int {
        switch message {
        case .null, .bool: return 1
        case .int64(let value): return WireSize.int64(value)
        case .uint64(let value): return WireSize.uint64(value)
        case .double: return WireSize.double
        case .string(let value): return try measureString(value, path: [])
        case .data(let bytes):
            try Self.checkLength(bytes.count, path: [])
            return WireSize.data(length: bytes.count)
        case .fd(let slot):
            try reference(slot, as: .fd)
            return WireSize.slot
        case .uuid: return WireSize.uuid
        case .date: return WireSize.date
        case .endpoint(let slot):
            try reference(slot, as: .endpoint)
            return WireSize.slot
        case .array(let elements):
            guard depth < maximumDepth else { throw .depthLimitExceeded(limit: maximumDepth, path: []) }
            try Self.checkLength(elements.count, path: [])
            var size = WireSize.array(count: elements.count)
            for (index, element) in elements.enumerated() {
                do {
                    size = Self.adding(size, try measure(element, depth: depth + 1))
                } catch {
                    throw error.prepending(.index(index))
                }
            }
            return size
        case .dictionary(let dictionary):
            guard depth < maximumDepth else { throw .depthLimitExceeded(limit: maximumDepth, path: []) }
            try Self.checkLength(dictionary.count, path: [])
            var size = WireSize.map(count: dictionary.count)
            // XPCDictionary keeps its entries in canonical (UTF-8 byte) order already.
            for entry in dictionary {
                do {
                    size = Self.adding(size, try measureString(entry.key, path: []))
                    size = Self.adding(size, try measure(entry.value, depth: depth + 1))
                } catch {
                    throw error.prepending(.key(entry.key))
                }
            }
            return size
        }
    }

    private func measureString(_ string: String, path: XPCMessagePath) throws(XPCWireEncodingError) -> Int {
        let length = string.utf8.count
        try Self.checkLength(length, path: path)
        if UTF8Validation.containsNUL(string) { throw .embeddedNUL(path: path) }
        return WireSize.string(length: length)
    }

    /// Writes a measured message and returns `true`; `false` as soon as a string holds U+0000
    /// (the only check ``measure(_:)`` leaves to it), and the bytes are then to be discarded.
    static func write(_ message: XPCMessage, into writer: inout WireWriter) -> Bool {
        switch message {
        case .null: writer.append(WireFormat.null)
        case .bool(let value): writer.append(value ? WireFormat.true : WireFormat.false)
        case .int64(let value): writer.writeInt64(value)
        case .uint64(let value): writer.writeUInt64(value)
        case .double(let value): writer.writeDouble(value)
        case .string(let value):
            return writer.write(string: value)
        case .data(let bytes):
            writer.writeDataHeader(length: bytes.count)
            if !writer.detach(bytes) { writer.append(contentsOf: bytes) }
        case .fd(let slot): writer.writeSlot(slot, type: WireFormat.extFD)
        case .uuid(let uuid): writer.writeUUID(uuid)
        case .date(let date): writer.writeDate(date)
        case .endpoint(let slot): writer.writeSlot(slot, type: WireFormat.extEndpoint)
        case .array(let elements):
            writer.writeArrayHeader(count: elements.count)
            return elements.storage.elements.withUnsafeBufferPointer { elements in
                for index in elements.indices where !writeScalar(elements[index], into: &writer) {
                    // Strings inline too; the rest by recursion.
                    if case .string(let value) = elements[index] {
                        guard writer.write(string: value) else { return false }
                    } else {
                        guard write(elements[index], into: &writer) else { return false }
                    }
                }
                return true
            }
        case .dictionary(let dictionary):
            writer.writeMapHeader(count: dictionary.count)
            return dictionary.storage.entries.withUnsafeBufferPointer { entries in
                for index in entries.indices {
                    guard writer.write(string: entries[index].key) else { return false }
                    if writeScalar(entries[index].value, into: &writer) { continue }
                    if case .string(let value) = entries[index].value {
                        guard writer.write(string: value) else { return false }
                    } else {
                        guard write(entries[index].value, into: &writer) else { return false }
                    }
                }
                return true
            }
        }
        return true
    }

    /// Writes `message` as ``write(_:into:)`` does, checking as it writes what ``measure(_:)``
    /// checks, and returns `true` when the bytes are the body; `false` as soon as it meets what
    /// it leaves to the two passes: a slot reference (the envelope then needs a slot table), a
    /// container deeper than `maximumDepth`, a U+0000, or more bytes than fit `writer`. Counts
    /// and lengths are compared with the room left before anything is walked or scanned, so
    /// giving up on a large message costs little. (No count or length that fits can overflow
    /// a header: the writer holds at most ``WireWriter/stackCapacity`` bytes.)
    static func writeInOnePass(_ message: XPCMessage, depth: Int, maximumDepth: Int, into writer: inout WireWriter) -> Bool {
        switch message {
        case .null, .bool, .int64, .uint64, .double, .uuid, .date:
            return writeScalar(message, into: &writer)
        case .string(let value):
            // Every string byte and the header.
            guard value.utf8.count < writer.remaining else { return false }
            return writer.write(string: value)
        case .data(let bytes):
            guard bytes.count < writer.remaining else { return false }
            writer.writeDataHeader(length: bytes.count)
            writer.append(contentsOf: bytes)
            return true
        case .fd, .endpoint:
            return false
        case .array(let elements):
            // Each element takes at least a byte.
            guard depth < maximumDepth, elements.count < writer.remaining else { return false }
            writer.writeArrayHeader(count: elements.count)
            return elements.storage.elements.withUnsafeBufferPointer { elements in
                for index in elements.indices {
                    if writeScalar(elements[index], into: &writer) { continue }
                    // Strings inline too; the rest by recursion.
                    if case .string(let value) = elements[index] {
                        guard value.utf8.count < writer.remaining, writer.write(string: value) else { return false }
                        continue
                    }
                    guard writeInOnePass(elements[index], depth: depth + 1, maximumDepth: maximumDepth, into: &writer),
                          writer.remaining >= 0
                    else { return false }
                }
                return true
            }
        case .dictionary(let dictionary):
            // Each entry takes at least two bytes, a key and a value.
            guard depth < maximumDepth, dictionary.count < writer.remaining / 2 else { return false }
            writer.writeMapHeader(count: dictionary.count)
            return dictionary.storage.entries.withUnsafeBufferPointer { entries in
                for index in entries.indices {
                    guard entries[index].key.utf8.count < writer.remaining, writer.write(string: entries[index].key) else { return false }
                    if writeScalar(entries[index].value, into: &writer) { continue }
                    if case .string(let value) = entries[index].value {
                        guard value.utf8.count < writer.remaining, writer.write(string: value) else { return false }
                        continue
                    }
                    guard writeInOnePass(entries[index].value, depth: depth + 1, maximumDepth: maximumDepth, into: &writer),
                          writer.remaining >= 0
                    else { return false }
                }
                return true
            }
        }
    }

    /// Writes a fixed-size scalar inline and returns `true`; `false` (writing nothing) otherwise.
    @inline(__always)
    static func writeScalar(_ message: XPCMessage, into writer: inout some MessagePackWriting) -> Bool {
        switch message {
        case .null: writer.append(WireFormat.null)
        case .bool(let value): writer.append(value ? WireFormat.true : WireFormat.false)
        case .int64(let value): writer.writeInt64(value)
        case .uint64(let value): writer.writeUInt64(value)
        case .double(let value): writer.writeDouble(value)
        case .uuid(let uuid): writer.writeUUID(uuid)
        case .date(let date): writer.writeDate(date)
        case .string, .data, .fd, .endpoint, .array, .dictionary: return false
        }
        return true
    }

    private mutating func reference(_ slot: UInt16, as kind: XPCSlotKind) throws(XPCWireEncodingError) {
        let index = Int(slot)
        if index >= slots.count {
            slots.append(contentsOf: repeatElement(nil, count: index + 1 - slots.count))
        }
        if let existing = slots[index], existing != kind {
            throw .slotKindMismatch(slot: slot, path: [])
        }
        slots[index] = kind
    }

    private static func checkLength(_ count: Int, path: XPCMessagePath) throws(XPCWireEncodingError) {
        guard count <= Int(UInt32.max) else { throw .lengthOverflow(count: count, path: path) }
    }

    @inline(__always)
    private static func adding(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int.max : sum
    }
}

extension XPCWireEncodingError {
    /// The same error, one container further out.
    func prepending(_ component: XPCMessagePath.Component) -> XPCWireEncodingError {
        switch self {
        case .embeddedNUL(let path): .embeddedNUL(path: path.prepending(component))
        case .depthLimitExceeded(let limit, let path): .depthLimitExceeded(limit: limit, path: path.prepending(component))
        case .lengthOverflow(let count, let path): .lengthOverflow(count: count, path: path.prepending(component))
        case .slotKindMismatch(let slot, let path): .slotKindMismatch(slot: slot, path: path.prepending(component))
        case .unreferencedSlot, .tooManySlots, .attachmentsMismatch, .messageTooLarge: self
        }
    }
}
