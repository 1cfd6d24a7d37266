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
        var body = BodyEncoder(maximumDepth: options.maximumDepth)
        try body.encode(message)
        let slots = try body.slotTable()
        return try Self.envelope(body: body.writer.bytes, slots: slots)
    }

    /// Encodes a message into a complete envelope, checking that `attachments` fill its slots.
    ///
    /// - Throws: ``XPCWireEncodingError/attachmentsMismatch(slots:attachments:)`` when the count or
    ///   kinds differ from the slots the message refers to.
    public func encode(_ message: XPCMessage, attachments: [XPCAttachment]) throws(XPCWireEncodingError) -> [UInt8] {
        var body = BodyEncoder(maximumDepth: options.maximumDepth)
        try body.encode(message)
        let slots = try body.slotTable()
        let kinds = attachments.map(\.kind)
        guard kinds == slots else { throw .attachmentsMismatch(slots: slots, attachments: kinds) }
        return try Self.envelope(body: body.writer.bytes, slots: slots)
    }

    /// Encodes only the MessagePack body, without the envelope (SPEC §4).
    ///
    /// Useful for exchanging plain MessagePack with other libraries; a body that refers to slots
    /// needs the slot table of an envelope to be decoded again.
    public func encodeBody(_ message: XPCMessage) throws(XPCWireEncodingError) -> [UInt8] {
        var body = BodyEncoder(maximumDepth: options.maximumDepth)
        try body.encode(message)
        _ = try body.slotTable()
        return body.writer.bytes
    }

    /// Wraps a body in the 1.0 envelope: header, slot table, body (SPEC §3.1).
    static func envelope(body: [UInt8], slots: [XPCSlotKind]) throws(XPCWireEncodingError) -> [UInt8] {
        guard body.count <= Int(UInt32.max) else { throw .messageTooLarge(bodyLength: body.count) }
        var writer = WireWriter(reservingCapacity: WireFormat.headerSize + slots.count + body.count)
        writer.bytes.append(contentsOf: WireFormat.magic)
        writer.append(WireFormat.majorVersion)
        writer.append(WireFormat.minorVersion)
        writer.appendBigEndian(UInt16(0))  // flags
        writer.appendBigEndian(UInt16(truncatingIfNeeded: slots.count))
        writer.appendBigEndian(UInt32(truncatingIfNeeded: body.count))
        for slot in slots { writer.append(slot.rawValue) }
        writer.bytes.append(contentsOf: body)
        return writer.bytes
    }
}

/// Writes one message as a MessagePack body and collects the slots it refers to.
struct BodyEncoder {
    var writer = WireWriter()
    let maximumDepth: Int
    /// The kind each slot was first referenced as; `nil` for slots not referenced yet.
    var slots: [XPCSlotKind?] = []

    init(maximumDepth: Int) {
        self.maximumDepth = maximumDepth
    }

    mutating func encode(_ message: XPCMessage) throws(XPCWireEncodingError) {
        try encode(message, depth: 0)
    }

    /// The slot table: every slot up to the highest referenced, each referenced.
    func slotTable() throws(XPCWireEncodingError) -> [XPCSlotKind] {
        guard slots.count <= Int(UInt16.max) else { throw .tooManySlots(count: slots.count) }
        var table: [XPCSlotKind] = []
        table.reserveCapacity(slots.count)
        for (index, kind) in slots.enumerated() {
            guard let kind else { throw .unreferencedSlot(slot: index) }
            table.append(kind)
        }
        return table
    }

    private mutating func encode(_ message: XPCMessage, depth: Int) throws(XPCWireEncodingError) {
        switch message {
        case .null: writer.append(WireFormat.null)
        case .bool(let value): writer.append(value ? WireFormat.true : WireFormat.false)
        case .int64(let value): writer.writeInt64(value)
        case .uint64(let value): writer.writeUInt64(value)
        case .double(let value): writer.writeDouble(value)
        case .string(let value): try writeString(value, path: [])
        case .data(let bytes):
            try Self.checkLength(bytes.count, path: [])
            writer.writeDataHeader(length: bytes.count)
            writer.bytes.append(contentsOf: bytes)
        case .fd(let slot):
            try reference(slot, as: .fd)
            writer.writeSlot(slot, type: WireFormat.extFD)
        case .uuid(let uuid): writer.writeUUID(uuid)
        case .date(let date): writer.writeDate(date)
        case .endpoint(let slot):
            try reference(slot, as: .endpoint)
            writer.writeSlot(slot, type: WireFormat.extEndpoint)
        case .array(let elements):
            guard depth < maximumDepth else { throw .depthLimitExceeded(limit: maximumDepth, path: []) }
            try Self.checkLength(elements.count, path: [])
            writer.writeArrayHeader(count: elements.count)
            for (index, element) in elements.enumerated() {
                do {
                    try encode(element, depth: depth + 1)
                } catch {
                    throw error.prepending(.index(index))
                }
            }
        case .dictionary(let dictionary):
            guard depth < maximumDepth else { throw .depthLimitExceeded(limit: maximumDepth, path: []) }
            try Self.checkLength(dictionary.count, path: [])
            writer.writeMapHeader(count: dictionary.count)
            // XPCDictionary keeps its entries in canonical (UTF-8 byte) order already.
            for entry in dictionary {
                do {
                    try writeString(entry.key, path: [])
                    try encode(entry.value, depth: depth + 1)
                } catch {
                    throw error.prepending(.key(entry.key))
                }
            }
        }
    }

    private mutating func writeString(_ string: String, path: XPCMessagePath) throws(XPCWireEncodingError) {
        let utf8 = string.utf8
        try Self.checkLength(utf8.count, path: path)
        let hasNUL = utf8.withContiguousStorageIfAvailable { $0.contains(0) } ?? utf8.contains(0)
        if hasNUL { throw .embeddedNUL(path: path) }
        writer.writeStringHeader(length: utf8.count)
        writer.bytes.append(contentsOf: utf8)
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
