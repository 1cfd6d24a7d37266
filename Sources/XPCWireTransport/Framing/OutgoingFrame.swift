import SystemPackage
import XPCWire

/// A frame to send on a connection: the envelope bytes, and duplicates of the descriptors to pass
/// with its first byte, which the frame owns (SPEC §9.2.4).
///
/// A large envelope may come in pieces (``XPCSegmentedEnvelope``): its big data payloads are
/// referenced rather than copied, and the pieces are gathered by `sendmsg` into the same bytes.
struct OutgoingFrame: Sendable {
    var kind: FrameKind
    var replyID: UInt64
    /// The envelope, less any detached payloads.
    var envelope: [UInt8]
    /// Payloads that belong inside `envelope` at their offsets (which never decrease).
    var detached: [(offset: Int, payload: [UInt8])] = []
    var descriptors: [CInt]
    /// Bytes of the frame already written to the socket.
    var sent = 0

    init(kind: FrameKind, replyID: UInt64, envelope: [UInt8], descriptors: [CInt]) {
        self.kind = kind
        self.replyID = replyID
        self.envelope = envelope
        self.descriptors = descriptors
    }

    init(kind: FrameKind, replyID: UInt64, envelope: XPCSegmentedEnvelope, descriptors: [CInt]) {
        self.kind = kind
        self.replyID = replyID
        self.envelope = envelope.bytes
        self.detached = envelope.detached
        self.descriptors = descriptors
    }

    /// The envelope's size.
    var envelopeLength: Int { detached.reduce(envelope.count) { $0 + $1.payload.count } }

    /// The frame's size on the socket.
    var frameSize: Int { FrameHeader.size + envelopeLength }

    /// Closes the descriptors the frame owns (after sending them, or instead).
    func closeDescriptors() {
        Descriptors.close(descriptors)
    }

    /// Prepares an envelope and its attachments for sending: checks the slot limit and duplicates
    /// every attachment's descriptor (close-on-exec), so the caller keeps its own.
    static func make(
        kind: FrameKind, replyID: UInt64 = 0, envelope: [UInt8], attachments: [XPCAttachment], maximumFrameSize: Int
    ) throws(XPCTransportError) -> OutgoingFrame {
        let descriptors = try prepare(envelopeLength: envelope.count, attachments: attachments, maximumFrameSize: maximumFrameSize)
        return OutgoingFrame(kind: kind, replyID: replyID, envelope: envelope, descriptors: descriptors)
    }

    /// ``make(kind:replyID:envelope:attachments:maximumFrameSize:)`` for an envelope in pieces.
    static func make(
        kind: FrameKind, replyID: UInt64 = 0, envelope: XPCSegmentedEnvelope, attachments: [XPCAttachment], maximumFrameSize: Int
    ) throws(XPCTransportError) -> OutgoingFrame {
        let descriptors = try prepare(envelopeLength: envelope.count, attachments: attachments, maximumFrameSize: maximumFrameSize)
        return OutgoingFrame(kind: kind, replyID: replyID, envelope: envelope, descriptors: descriptors)
    }

    private static func prepare(
        envelopeLength: Int, attachments: [XPCAttachment], maximumFrameSize: Int
    ) throws(XPCTransportError) -> [CInt] {
        guard attachments.count <= SocketMessageIO.maximumDescriptorsPerMessage else {
            throw .tooManyAttachments(count: attachments.count, limit: SocketMessageIO.maximumDescriptorsPerMessage)
        }
        let size = FrameHeader.size + envelopeLength
        guard size <= maximumFrameSize, envelopeLength <= Int(UInt32.max) else {
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
        return descriptors
    }

    /// Writes what is left of the frame (``sent`` bytes of it are already on the socket) with
    /// `messageID`: header and envelope in one call (SPEC §9.2.3: gathered by `sendmsg`, or copied
    /// together for `send` when small and without descriptors, ``SocketMessageIO``), the descriptors
    /// with the first byte, after which the frame closes them (the kernel holds its own
    /// duplicates in the message).
    ///
    /// With `blocking` false each call is `MSG_DONTWAIT`: it returns `false` when the socket's
    /// buffer is full, with ``sent`` telling how far it got, and the frame can be written on later.
    /// Returns `true` once the whole frame is sent. On error the frame's descriptors are closed.
    mutating func write(to socket: CInt, messageID: UInt64, blocking: Bool) throws(Errno) -> Bool {
        let header = FrameHeader(kind: kind, envelopeLength: envelopeLength, messageID: messageID, replyID: replyID)
        let total = FrameHeader.size + header.envelopeLength
        let flags = blocking ? 0 : Platform.dontWait
        do throws(Errno) {
            while sent < total {
                let sent = self.sent
                let descriptors = self.descriptors
                let detached = self.detached
                let result = withUnsafeTemporaryAllocation(byteCount: FrameHeader.size, alignment: 8) { headerBytes in
                    header.store(into: headerBytes)
                    return envelope.withUnsafeBytes { body in
                        Result { () throws(Errno) -> Int in
                            if !detached.isEmpty {
                                return try Self.sendPieces(
                                    socket, header: UnsafeRawBufferPointer(headerBytes), body: body, detached: detached,
                                    from: sent, descriptors: descriptors, flags: flags)
                            }
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

    /// One gathered `sendmsg` of the frame from byte `start` on: the header, then the envelope's
    /// pieces with the detached payloads in their places. No allocation: the piece list lives in
    /// temporary (stack) storage.
    private static func sendPieces(
        _ socket: CInt, header: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer,
        detached: [(offset: Int, payload: [UInt8])], from start: Int, descriptors: [CInt], flags: CInt
    ) throws(Errno) -> Int {
        let pieceCount = 2 * detached.count + 2
        return try withUnsafeTemporaryAllocation(of: UnsafeRawBufferPointer.self, capacity: pieceCount) { pieces in
            withPinned(detached, index: 0, into: pieces) {
                pieces[0] = header
                var offset = 0
                for index in detached.indices {
                    let end = min(max(detached[index].offset, offset), body.count)
                    pieces[1 + 2 * index] = UnsafeRawBufferPointer(rebasing: body[offset..<end])
                    offset = end
                }
                pieces[pieceCount - 1] = UnsafeRawBufferPointer(rebasing: body[offset...])
                return Result { () throws(Errno) -> Int in
                    try SocketMessageIO.send(
                        socket, gathering: UnsafeBufferPointer(pieces), skipping: start, descriptors: descriptors, flags: flags)
                }
            }
        }.get()
    }

    /// Runs `body` with the bytes of every detached payload pinned, payload `i` in `pieces[2 + 2i]`.
    private static func withPinned<R>(
        _ detached: [(offset: Int, payload: [UInt8])], index: Int, into pieces: UnsafeMutableBufferPointer<UnsafeRawBufferPointer>,
        _ body: () -> R
    ) -> R {
        guard index < detached.count else { return body() }
        return detached[index].payload.withUnsafeBytes { bytes in
            pieces[2 + 2 * index] = bytes
            return withPinned(detached, index: index + 1, into: pieces, body)
        }
    }
}
