/// What a frame carries (SPEC §9.2.3).
enum FrameKind: UInt8, Sendable {
    /// The first frame in each direction: format and transport versions (SPEC §9.2.5).
    case hello = 1
    /// A message that wants no reply.
    case message = 2
    /// A message that wants exactly one reply.
    case request = 3
    /// The reply to the request named by the reply id; its message is a dictionary.
    case reply = 4
    /// The receiver of the request named by the reply id let it go without replying.
    case noReply = 5
}

/// The 24-byte header in front of every envelope on the socket (SPEC §9.2.3).
///
/// ```
/// offset 0  kind            1 byte
/// offset 1  flags           1 byte, 0
/// offset 2  reserved        2 bytes, 0
/// offset 4  envelope length 4 bytes, big-endian
/// offset 8  message id      8 bytes, big-endian
/// offset 16 reply id        8 bytes, big-endian
/// ```
struct FrameHeader: Hashable, Sendable {
    /// The header's size in bytes.
    static let size = 24

    var kind: FrameKind
    /// Bytes of envelope after the header.
    var envelopeLength: Int
    /// The sender's sequence number: 0 for the hello, then 1, 2, 3, … (SPEC §9.2.3).
    var messageID: UInt64
    /// For replies and no-reply frames, the request's message id; otherwise 0.
    var replyID: UInt64

    /// The frame's total size: header plus envelope.
    var frameSize: Int { Self.size + envelopeLength }

    /// Appends the header's 24 bytes to `bytes`.
    func write(to bytes: inout [UInt8]) {
        bytes.append(kind.rawValue)
        bytes.append(0)
        bytes.append(0)
        bytes.append(0)
        Self.appendBigEndian(UInt32(truncatingIfNeeded: envelopeLength), to: &bytes)
        Self.appendBigEndian(messageID, to: &bytes)
        Self.appendBigEndian(replyID, to: &bytes)
    }

    /// Stores the header's 24 bytes at the start of `buffer`, which has room for them.
    func store(into buffer: UnsafeMutableRawBufferPointer) {
        buffer.storeBytes(of: kind.rawValue, toByteOffset: 0, as: UInt8.self)
        buffer.storeBytes(of: 0, toByteOffset: 1, as: UInt8.self)
        buffer.storeBytes(of: 0, toByteOffset: 2, as: UInt16.self)
        buffer.storeBytes(of: UInt32(truncatingIfNeeded: envelopeLength).bigEndian, toByteOffset: 4, as: UInt32.self)
        buffer.storeBytes(of: messageID.bigEndian, toByteOffset: 8, as: UInt64.self)
        buffer.storeBytes(of: replyID.bigEndian, toByteOffset: 16, as: UInt64.self)
    }

    /// Reads a header from its 24 bytes, checking the kind and the zero bytes.
    init(parsing bytes: UnsafeRawBufferPointer) throws(XPCTransportError) {
        guard bytes.count >= Self.size else { throw .peerClosedMidFrame(receivedBytes: bytes.count, frameSize: nil) }
        guard let kind = FrameKind(rawValue: bytes[0]) else { throw .protocolViolation(.unknownFrameKind(bytes[0])) }
        guard bytes[1] == 0, bytes[2] == 0, bytes[3] == 0 else { throw .protocolViolation(.nonZeroReservedBits) }
        self.kind = kind
        self.envelopeLength = Int(Self.readBigEndian(bytes, at: 4, as: UInt32.self))
        self.messageID = Self.readBigEndian(bytes, at: 8, as: UInt64.self)
        self.replyID = Self.readBigEndian(bytes, at: 16, as: UInt64.self)
    }

    init(kind: FrameKind, envelopeLength: Int, messageID: UInt64, replyID: UInt64 = 0) {
        self.kind = kind
        self.envelopeLength = envelopeLength
        self.messageID = messageID
        self.replyID = replyID
    }

    private static func appendBigEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        var shift = T.bitWidth - 8
        while shift >= 0 {
            bytes.append(UInt8(truncatingIfNeeded: value >> shift))
            shift -= 8
        }
    }

    private static func readBigEndian<T: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, at offset: Int, as: T.Type) -> T {
        var value: T = 0
        for index in offset..<(offset + T.bitWidth / 8) {
            value = value << 8 | T(bytes[index])
        }
        return value
    }
}
