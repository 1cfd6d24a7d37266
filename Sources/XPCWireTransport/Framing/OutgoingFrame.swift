import SystemPackage
import XPCWire

/// A frame to send on a connection: the bytes to send, and duplicates of the
/// descriptors to pass with its first byte, which the frame owns (SPEC §9.2.4).
struct OutgoingFrame: Sendable {
    var kind: FrameKind
    var replyID: UInt64
    var envelope: [UInt8]
    var descriptors: [CInt]
    /// Bytes of the frame already written to the socket.
    var sent = 0

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

    /// Writes what is left of the frame (``sent`` bytes of it are already on the socket) with
    /// `messageID`: header and envelope gathered by one `sendmsg` (SPEC §9.2.3), the descriptors
    /// with the first byte, after which the frame closes them (the kernel holds its own
    /// duplicates in the message).
    ///
    /// With `blocking` false each call is `MSG_DONTWAIT`: it returns `false` when the socket's
    /// buffer is full, with ``sent`` telling how far it got, and the frame can be written on later.
    /// Returns `true` once the whole frame is sent. On error the frame's descriptors are closed.
    mutating func write(to socket: CInt, messageID: UInt64, blocking: Bool) throws(Errno) -> Bool {
        let header = FrameHeader(kind: kind, envelopeLength: envelope.count, messageID: messageID, replyID: replyID)
        let total = frameSize
        let flags = blocking ? 0 : Platform.dontWait
        do throws(Errno) {
            while sent < total {
                let sent = self.sent
                let descriptors = self.descriptors
                let result = withUnsafeTemporaryAllocation(byteCount: FrameHeader.size, alignment: 8) { headerBytes in
                    header.store(into: headerBytes)
                    return envelope.withUnsafeBytes { body in
                        Result { () throws(Errno) -> Int in
                            if sent < FrameHeader.size {
                                return try SocketMessageIO.send(
                                    socket, UnsafeRawBufferPointer(rebasing: headerBytes[sent...]), body,
                                    descriptors: descriptors, flags: flags)
                            }
                            return try SocketMessageIO.send(
                                socket, UnsafeRawBufferPointer(rebasing: body[(sent - FrameHeader.size)...]),
                                descriptors: descriptors, flags: flags)
                        }
                    }
                }
                let count = try result.get()
                self.sent += count
                if !descriptors.isEmpty {
                    closeDescriptors()
                    self.descriptors = []
                }
            }
            return true
        } catch .resourceTemporarilyUnavailable where !blocking {
            return false
        } catch .wouldBlock where !blocking {
            return false
        } catch {
            closeDescriptors()
            descriptors = []
            throw error
        }
    }
}
