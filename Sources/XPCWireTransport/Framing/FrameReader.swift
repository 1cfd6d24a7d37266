import SystemPackage
import XPCWire

/// One frame as it came off the socket: its header, its envelope bytes and the descriptors that
/// arrived with it, which the frame owns until they are handed on or closed.
///
/// `envelope` points into the ``FrameReader``'s buffer: valid until its next
/// ``FrameReader/readFrame()``, on the reader's thread only.
struct ReceivedFrame {
    var header: FrameHeader
    var envelope: UnsafeRawBufferPointer
    var descriptors: [CInt]
}

/// Reads frames from a stream socket without blocking (`recvmsg` with `MSG_DONTWAIT`), never
/// asking for a byte past the end of the frame being read, so every descriptor that arrives
/// belongs to that frame (SPEC §9.2.4). A frame that has not fully arrived is kept, with the
/// descriptors that came with it so far, and completed by a later ``readFrame()``.
///
/// The header is read into a fixed 24-byte buffer and the envelope straight into one reused
/// buffer of the envelope's size, so a frame costs no allocation and its bytes are copied once,
/// by the kernel. Owned by a connection's thread.
final class FrameReader {
    /// What one ``readFrame()`` found.
    enum Outcome {
        /// A whole frame.
        case frame(ReceivedFrame)
        /// The socket has nothing more for now; what arrived of the next frame is kept.
        case wouldBlock
        /// The peer closed the connection between frames.
        case endOfFile
    }

    /// Envelopes up to this size are read into a buffer the reader keeps; a larger one gets a
    /// buffer of its own, released before the next frame is read.
    static let retainedBufferLimit = 4 << 20
    /// A claimed envelope larger than this gets its buffer in steps as its bytes arrive, so a
    /// peer cannot make the reader reserve the frame limit with a header alone.
    static let upfrontAllocationLimit = 16 << 20

    private let socket: CInt
    private let maximumFrameSize: Int
    private let maximumDescriptors: Int
    private let control: UnsafeMutableRawPointer
    private let headerBytes: UnsafeMutableRawBufferPointer
    private var buffer: UnsafeMutableRawBufferPointer

    // The frame being read.
    private var headerFilled = 0
    private var header: FrameHeader?
    private var envelopeFilled = 0
    private var descriptors: [CInt] = []

    init(socket: CInt, maximumFrameSize: Int, maximumDescriptors: Int) {
        self.socket = socket
        self.maximumFrameSize = maximumFrameSize
        self.maximumDescriptors = maximumDescriptors
        self.control = UnsafeMutableRawPointer.allocate(
            byteCount: SocketMessageIO.controlCapacity, alignment: MemoryLayout<Int>.alignment)
        self.headerBytes = UnsafeMutableRawBufferPointer.allocate(byteCount: FrameHeader.size, alignment: 8)
        self.buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
    }

    deinit {
        // A frame cut short by the end of the connection: its descriptors are ours to close.
        Descriptors.close(descriptors)
        control.deallocate()
        headerBytes.deallocate()
        buffer.deallocate()
    }

    /// Reads on with the next frame, as far as the socket allows without blocking.
    ///
    /// On any error every descriptor received for the frame has been closed.
    func readFrame() throws(XPCTransportError) -> Outcome {
        do throws(XPCTransportError) {
            return try readFrameOrThrow()
        } catch {
            Descriptors.close(descriptors)
            descriptors = []
            throw error
        }
    }

    private func readFrameOrThrow() throws(XPCTransportError) -> Outcome {
        let parsed: FrameHeader
        if let header {
            parsed = header
        } else {
            if headerFilled == 0, buffer.count > Self.retainedBufferLimit { replaceBuffer(capacity: 4096, keeping: 0) }
            switch try fill(headerBytes, filled: &headerFilled, frameSize: nil, already: 0) {
            case .wouldBlock: return .wouldBlock
            case .endOfFile: return .endOfFile
            case .complete: break
            }
            parsed = try FrameHeader(parsing: UnsafeRawBufferPointer(headerBytes))
            guard parsed.frameSize <= maximumFrameSize else {
                throw .frameTooLarge(size: parsed.frameSize, limit: maximumFrameSize)
            }
            let length = parsed.envelopeLength
            if length > buffer.count {
                let capacity = length <= Self.upfrontAllocationLimit
                    ? max(length, min(buffer.count * 2, Self.upfrontAllocationLimit))
                    : max(buffer.count, Self.upfrontAllocationLimit)
                replaceBuffer(capacity: capacity, keeping: 0)
            }
            header = parsed
            envelopeFilled = 0
        }
        let length = parsed.envelopeLength
        while envelopeFilled < length {
            if buffer.count == envelopeFilled {
                // Only for claims past `upfrontAllocationLimit`: grow as the bytes come.
                replaceBuffer(capacity: min(length, buffer.count * 2), keeping: envelopeFilled)
            }
            let end = min(length, buffer.count)
            var filled = envelopeFilled
            let outcome = try fill(
                UnsafeMutableRawBufferPointer(rebasing: buffer[..<end]), filled: &filled, frameSize: parsed.frameSize,
                already: FrameHeader.size)
            envelopeFilled = filled
            if case .wouldBlock = outcome { return .wouldBlock }
        }
        let frame = ReceivedFrame(
            header: parsed, envelope: UnsafeRawBufferPointer(rebasing: buffer[0..<length]), descriptors: descriptors)
        descriptors = []
        header = nil
        headerFilled = 0
        envelopeFilled = 0
        return .frame(frame)
    }

    private func replaceBuffer(capacity: Int, keeping count: Int) {
        let replacement = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        if count > 0, let base = buffer.baseAddress {
            replacement.copyMemory(from: UnsafeRawBufferPointer(start: base, count: count))
        }
        buffer.deallocate()
        buffer = replacement
    }

    private enum Fill {
        case complete
        case wouldBlock
        /// End of file before the frame's first byte (the caller decides).
        case endOfFile
    }

    /// Reads into `target` from `filled` on (bytes of the frame from offset `already + filled`),
    /// until it is full or the socket has nothing more for now.
    private func fill(
        _ target: UnsafeMutableRawBufferPointer, filled: inout Int, frameSize: Int?, already: Int
    ) throws(XPCTransportError) -> Fill {
        while filled < target.count {
            let received: SocketMessageIO.Received
            do throws(Errno) {
                received = try SocketMessageIO.receive(
                    socket, into: UnsafeMutableRawBufferPointer(rebasing: target[filled...]), control: control,
                    flags: Platform.dontWait)
            } catch .resourceTemporarilyUnavailable {
                return .wouldBlock
            } catch .connectionReset {
                // The peer closed (or died) with our data unread: as end of file (SPEC §9.2.8).
                received = SocketMessageIO.Received(count: 0, descriptors: [], controlTruncated: false)
            } catch {
                throw .system(error, during: .receive)
            }
            if !received.descriptors.isEmpty { descriptors.append(contentsOf: received.descriptors) }
            if received.controlTruncated { throw .protocolViolation(.controlDataTruncated) }
            if descriptors.count > maximumDescriptors {
                throw .protocolViolation(.tooManyDescriptors(received: descriptors.count, limit: maximumDescriptors))
            }
            if received.count == 0 {
                let frameBytes = already + filled
                if frameBytes == 0, descriptors.isEmpty { return .endOfFile }
                throw .peerClosedMidFrame(receivedBytes: frameBytes, frameSize: frameSize)
            }
            filled += received.count
        }
        return .complete
    }
}
