/// A decoded envelope: the message with the header fields around it (SPEC §3).
public struct XPCEnvelope: Hashable, Sendable {
    /// The format version the bytes declared.
    public var version: XPCWireVersion
    /// The flags the bytes declared (SPEC §3.3); 0 in canonical 1.0 envelopes.
    public var flags: UInt16
    /// The slot table: the kind of each out-of-band attachment, in slot order.
    public var slots: [XPCSlotKind]
    /// The body.
    public var message: XPCMessage

    /// Creates an envelope from its parts.
    public init(version: XPCWireVersion = .current, flags: UInt16 = 0, slots: [XPCSlotKind], message: XPCMessage) {
        self.version = version
        self.flags = flags
        self.slots = slots
        self.message = message
    }
}

/// A format version, major.minor (SPEC §3.2).
public struct XPCWireVersion: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Incompatible changes bump this.
    public var major: UInt8
    /// Compatible additions bump this.
    public var minor: UInt8

    /// Creates a version.
    public init(major: UInt8, minor: UInt8) {
        self.major = major
        self.minor = minor
    }

    /// The version this library writes: 1.0.
    public static let current = XPCWireVersion(major: 1, minor: 0)

    /// `major.minor`.
    public var description: String { "\(major).\(minor)" }

    /// Orders by major, then minor.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
}

/// Decodes XPCWire bytes into ``XPCMessage`` values, strictly and within limits (SPEC §3–§6).
///
/// Malformed input of any kind gives an ``XPCWireDecodingError`` naming the byte offset; no input
/// crashes, hangs, or allocates beyond what its size and ``XPCWireLimits`` allow.
///
/// ```swift
/// let decoder = XPCWireDecoder()
/// do {
///     let message = try decoder.decode(bytes)
///     print(message["op"]?.stringValue ?? "-")
/// } catch {
///     print(error)   // e.g. "duplicate key \"op\" at byte 23"
/// }
/// ```
public struct XPCWireDecoder: Sendable {
    /// How bytes are read.
    public var options: XPCWireDecodingOptions

    /// Creates a decoder.
    public init(options: XPCWireDecodingOptions = XPCWireDecodingOptions()) {
        self.options = options
    }

    /// Decodes an envelope and returns its message.
    ///
    /// fd and endpoint values come back as slot indices; ``decode(_:attachments:)`` also checks
    /// the attachments that arrived with the bytes.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws(XPCWireDecodingError) -> XPCMessage {
        // The body alone: an `XPCEnvelope` made and taken apart again would copy the message.
        let header = try parseHeader(bytes)
        return try parseBody(of: header, in: bytes, into: TreeAssembler()).value
    }

    /// Decodes an envelope and returns its message.
    public func decode(_ bytes: [UInt8]) throws(XPCWireDecodingError) -> XPCMessage {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(XPCWireDecodingError) in try decode(buffer) }
        }
        return try result.get()
    }

    /// Decodes an envelope and checks that `attachments` match its slot table in count and kinds.
    public func decode(_ bytes: [UInt8], attachments: [XPCAttachment]) throws(XPCWireDecodingError) -> XPCMessage {
        let envelope = try decodeEnvelope(bytes)
        let received = attachments.map(\.kind)
        guard received == envelope.slots else {
            throw .attachmentsMismatch(expected: envelope.slots, received: received, offset: 8)
        }
        return envelope.message
    }

    /// Decodes an envelope with its header fields.
    public func decodeEnvelope(_ bytes: [UInt8]) throws(XPCWireDecodingError) -> XPCEnvelope {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(XPCWireDecodingError) in try decodeEnvelope(buffer) }
        }
        return try result.get()
    }

    /// Decodes an envelope with its header fields, reading the bytes in place.
    public func decodeEnvelope(_ bytes: UnsafeRawBufferPointer) throws(XPCWireDecodingError) -> XPCEnvelope {
        // Header and body apart, the message moved into the envelope: out of a `ParsedEnvelope`
        // (returned in memory) it was copied, and the original released.
        let header = try parseHeader(bytes)
        let message = try parseBody(of: header, in: bytes, into: TreeAssembler()).value
        return XPCEnvelope(version: header.version, flags: header.flags, slots: header.slots, message: message)
    }

    /// An envelope's header fields and its body as `assembler` builds it.
    struct ParsedEnvelope<Assembler: BodyAssembler> {
        var version: XPCWireVersion
        var flags: UInt16
        var slots: [XPCSlotKind]
        var body: Assembler.Value
        var assembler: Assembler
    }

    /// Checks an envelope (SPEC §3, §7.3) and hands its body to `assembler`.
    func parseEnvelope<Assembler: BodyAssembler>(
        _ bytes: UnsafeRawBufferPointer, into assembler: Assembler
    ) throws(XPCWireDecodingError) -> ParsedEnvelope<Assembler> {
        let header = try parseHeader(bytes)
        let (value, assembler) = try parseBody(of: header, in: bytes, into: assembler)
        return ParsedEnvelope(
            version: header.version, flags: header.flags, slots: header.slots, body: value, assembler: assembler)
    }

    /// An envelope's header fields and where its body is.
    struct EnvelopeHeader {
        var version: XPCWireVersion
        var flags: UInt16
        var slots: [XPCSlotKind]
        /// Where the slot table starts in the input.
        var slotTableOffset: Int
        /// Where the body starts and ends in the input.
        var bodyStart: Int
        var bodyEnd: Int
    }

    /// Checks the body of an envelope whose header is `header` (SPEC §4–§6) and hands it to
    /// `assembler`; returns the value and the assembler.
    @inline(__always)
    private func parseBody<Assembler: BodyAssembler>(
        of header: EnvelopeHeader, in bytes: UnsafeRawBufferPointer, into assembler: Assembler
    ) throws(XPCWireDecodingError) -> (value: Assembler.Value, assembler: Assembler) {
        try BodyParser.parseWholeBody(
            WireReader(bytes: bytes, position: header.bodyStart, end: header.bodyEnd),
            options: options, slots: header.slots, slotTableOffset: header.slotTableOffset, assembler: assembler)
    }

    /// Checks an envelope's header and slot table, and that a body of the declared length
    /// follows them and ends the input (SPEC §3, §7.3).
    private func parseHeader(_ bytes: UnsafeRawBufferPointer) throws(XPCWireDecodingError) -> EnvelopeHeader {
        let limits = options.limits
        guard bytes.count <= limits.maximumMessageSize else {
            throw .limitExceeded(.messageSize, value: bytes.count, limit: limits.maximumMessageSize, offset: 0)
        }
        var reader = WireReader(bytes: bytes, position: 0, end: bytes.count)
        try readMagic(&reader)
        let major = try reader.readInteger(UInt8.self, forItemAt: 4)
        let minor = try reader.readInteger(UInt8.self, forItemAt: 5)
        guard major == WireFormat.majorVersion else {
            throw .unsupportedVersion(major: major, minor: minor, offset: 4)
        }
        if options.requiresCanonicalEncoding, minor != WireFormat.minorVersion {
            throw .nonCanonical(.nonZeroMinorVersion, offset: 5)
        }
        let flags = try reader.readInteger(UInt16.self, forItemAt: 6)
        let unknownCritical = flags & WireFormat.criticalFlagsMask & ~WireFormat.knownCriticalFlags
        guard unknownCritical == 0 else { throw .unsupportedFlags(unknownCritical, offset: 6) }
        if options.requiresCanonicalEncoding, flags != 0 {
            throw .nonCanonical(.nonZeroFlags, offset: 6)
        }
        let slotCount = Int(try reader.readInteger(UInt16.self, forItemAt: 8))
        guard slotCount <= limits.maximumSlotCount else {
            throw .limitExceeded(.slotCount, value: slotCount, limit: limits.maximumSlotCount, offset: 8)
        }
        let bodyLength = Int(try reader.readInteger(UInt32.self, forItemAt: 10))
        let declaredSize = WireFormat.headerSize + slotCount + bodyLength
        guard declaredSize <= limits.maximumMessageSize else {
            throw .limitExceeded(.messageSize, value: declaredSize, limit: limits.maximumMessageSize, offset: 10)
        }
        var slots: [XPCSlotKind] = []
        // Not for no slots, the common case: reserving room in an empty array still goes through
        // the array's reallocation path.
        if slotCount > 0 { slots.reserveCapacity(slotCount) }
        let slotTableOffset = reader.position
        for index in 0..<slotCount {
            let byte = try reader.readByte(forItemAt: slotTableOffset + index)
            guard let kind = XPCSlotKind(rawValue: byte) else {
                throw .invalidSlotKind(byte, offset: slotTableOffset + index)
            }
            slots.append(kind)
        }
        let bodyStart = reader.position
        try reader.require(bodyLength, forItemAt: bodyStart)
        if bytes.count > declaredSize { throw .trailingBytes(offset: declaredSize) }
        guard bodyLength > 0 else { throw .truncated(offset: bodyStart) }
        return EnvelopeHeader(
            version: XPCWireVersion(major: major, minor: minor), flags: flags, slots: slots,
            slotTableOffset: slotTableOffset, bodyStart: bodyStart, bodyEnd: declaredSize)
    }

    /// The total length an envelope declares in its header (14 + slot count + body length, SPEC
    /// §3.1), so a stream of concatenated envelopes can be split; `nil` until 14 bytes are there.
    ///
    /// Only the magic and the major version are checked; decoding checks the rest.
    public static func declaredLength(ofEnvelopeStartingWith bytes: some Collection<UInt8>) throws(XPCWireDecodingError) -> Int? {
        var header: [UInt8] = []
        header.reserveCapacity(WireFormat.headerSize)
        for byte in bytes.prefix(WireFormat.headerSize) { header.append(byte) }
        for (index, expected) in WireFormat.magic.enumerated() where index < header.count {
            guard header[index] == expected else { throw .badMagic(offset: 0) }
        }
        guard header.count == WireFormat.headerSize else { return nil }
        guard header[4] == WireFormat.majorVersion else {
            throw .unsupportedVersion(major: header[4], minor: header[5], offset: 4)
        }
        let slotCount = Int(header[8]) << 8 | Int(header[9])
        let bodyLength = Int(header[10]) << 24 | Int(header[11]) << 16 | Int(header[12]) << 8 | Int(header[13])
        return WireFormat.headerSize + slotCount + bodyLength
    }

    /// Decodes a bare MessagePack body (no envelope) that refers to `slots` (SPEC §4).
    ///
    /// Offsets in errors are offsets into `bytes`. Exactly one value must fill the bytes.
    public func decodeBody(_ bytes: [UInt8], slots: [XPCSlotKind] = []) throws(XPCWireDecodingError) -> XPCMessage {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(XPCWireDecodingError) in try decodeBody(buffer, slots: slots) }
        }
        return try result.get()
    }

    /// Decodes a bare MessagePack body (no envelope) in place.
    public func decodeBody(_ bytes: UnsafeRawBufferPointer, slots: [XPCSlotKind] = []) throws(XPCWireDecodingError) -> XPCMessage {
        guard bytes.count <= options.limits.maximumMessageSize else {
            throw .limitExceeded(.messageSize, value: bytes.count, limit: options.limits.maximumMessageSize, offset: 0)
        }
        guard slots.count <= options.limits.maximumSlotCount else {
            throw .limitExceeded(.slotCount, value: slots.count, limit: options.limits.maximumSlotCount, offset: 0)
        }
        return try BodyParser.parseWholeBody(
            WireReader(bytes: bytes, position: 0, end: bytes.count),
            options: options, slots: slots, slotTableOffset: nil, assembler: TreeAssembler()).value
    }

    /// Checks the magic, reporting a mismatch even when the input is shorter than four bytes.
    private func readMagic(_ reader: inout WireReader) throws(XPCWireDecodingError) {
        for (index, expected) in WireFormat.magic.enumerated() {
            guard index < reader.end else { throw .truncated(offset: 0) }
            guard reader.bytes[index] == expected else { throw .badMagic(offset: 0) }
        }
        reader.position = WireFormat.magic.count
    }
}
