import SystemPackage
import XPCWire

/// A frame queued for a connection's writer thread: the bytes to send, and duplicates of the
/// descriptors to pass with its first byte, which the frame owns (SPEC §9.2.4).
struct OutgoingFrame: Sendable {
    var kind: FrameKind
    var replyID: UInt64
    var envelope: [UInt8]
    var descriptors: [CInt]

    /// The frame's size on the socket.
    var frameSize: Int { FrameHeader.size + envelope.count }

    /// Closes the descriptors the frame owns (after sending them, or instead).
    func closeDescriptors() {
        Descriptors.close(descriptors)
    }

    /// Prepares an envelope and its attachments for sending: checks the slot limit and duplicates
    /// every attachment's descriptor (close-on-exec), so the caller keeps its own.
    static func make(
        kind: FrameKind, replyID: UInt64 = 0, envelope: [UInt8], attachments: [XPCAttachment], maximumFrameSize: Int
    ) throws(XPCTransportError) -> OutgoingFrame {
        guard attachments.count <= SocketMessageIO.maximumDescriptorsPerMessage else {
            throw .tooManyAttachments(count: attachments.count, limit: SocketMessageIO.maximumDescriptorsPerMessage)
        }
        let size = FrameHeader.size + envelope.count
        guard size <= maximumFrameSize, envelope.count <= Int(UInt32.max) else {
            throw .frameTooLarge(size: size, limit: maximumFrameSize)
        }
        var descriptors: [CInt] = []
        descriptors.reserveCapacity(attachments.count)
        for attachment in attachments {
            let descriptor = switch attachment {
            case .fd(let fd): fd.rawValue
            case .endpoint(let handle): handle.fileDescriptor.rawValue
            }
            do throws(Errno) {
                descriptors.append(try Platform.duplicate(descriptor))
            } catch {
                Descriptors.close(descriptors)
                throw .system(error, during: .duplicate)
            }
        }
        return OutgoingFrame(kind: kind, replyID: replyID, envelope: envelope, descriptors: descriptors)
    }

    /// Writes the whole frame with `messageID`, the descriptors with the first `sendmsg`, then
    /// closes the frame's descriptors whatever happened.
    func write(to socket: CInt, messageID: UInt64) throws(Errno) {
        defer { closeDescriptors() }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(frameSize)
        FrameHeader(kind: kind, envelopeLength: envelope.count, messageID: messageID, replyID: replyID).write(to: &bytes)
        bytes.append(contentsOf: envelope)
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(Errno) in
                var offset = 0
                var pending = descriptors
                while offset < raw.count {
                    let sent = try SocketMessageIO.send(
                        socket, bytes: UnsafeRawBufferPointer(rebasing: raw[offset...]), descriptors: pending)
                    pending = []
                    offset += sent
                }
            }
        }
        try result.get()
    }
}
