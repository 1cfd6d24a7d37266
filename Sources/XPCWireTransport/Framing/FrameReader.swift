import SystemPackage
import XPCWire

/// One frame as it came off the socket: its header, its envelope bytes and the descriptors that
/// arrived with it, which the frame owns until they are handed on or closed.
///
/// `envelope` points into the ``FrameReader``'s buffers: valid until its next
/// ``FrameReader/readFrame()``, on the reader's thread only.
struct ReceivedFrame {
    var header: FrameHeader
    var envelope: UnsafeRawBufferPointer
    var descriptors: [CInt]
}

/// Reads frames from a stream socket without blocking (`recvmsg` with `MSG_DONTWAIT`).
///
/// **Reading ahead.** Each `recvmsg` asks for as much as ``readAheadCapacity`` holds, so a small
/// frame usually takes one system call (header and envelope together) and a burst of small frames
/// takes one for many; frames whose envelope fits are handed out in place, without a copy. A
/// larger envelope gets a buffer of its own, and the reader asks for exactly the bytes it still
/// lacks, never past the frame's end.
///
/// **Descriptors** are kept in arrival order until a frame claims them (SPEC §9.2.4): a frame that
/// is complete takes as many as its slot table declares when bytes of a later frame have already
/// arrived (the rest came with that frame's first bytes), and otherwise every descriptor waiting,
/// so that a frame with too many or too few still fails its slot-table check. A frame that has not
/// fully arrived is kept, and completed by a later ``readFrame()``.
///
/// Owned by a connection's thread. Its mutable state is `@exclusivity(unchecked)`: one thread
/// uses it, one call at a time, so the run-time exclusivity checks (several per frame) only cost.
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

    /// The most bytes one `recvmsg` asks for when reading ahead, and the largest envelope read
    /// in the read-ahead buffer (handed out in place); each reader holds a buffer of this size.
    static let readAheadCapacity = 16 << 10
    /// Larger envelopes up to this size are read into a buffer the reader keeps; a larger one
    /// gets a buffer of its own, released before the next frame is read.
    static let retainedBufferLimit = 4 << 20
    /// A claimed envelope larger than this gets its buffer in steps as its bytes arrive, so a
    /// peer cannot make the reader reserve the frame limit with a header alone.
    static let upfrontAllocationLimit = 16 << 20

    private let socket: CInt
    private let maximumFrameSize: Int
    private let maximumDescriptors: Int
    private let control: UnsafeMutableRawPointer
    /// Bytes received and not yet handed out are `input[inputStart..<inputEnd]`.
    private let input: UnsafeMutableRawBufferPointer
    @exclusivity(unchecked) private var inputStart = 0
    @exclusivity(unchecked) private var inputEnd = 0
    /// Where an envelope larger than `input` is read; empty until one arrives.
    @exclusivity(unchecked) private var large = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    /// Descriptors received and not yet claimed by a frame, in arrival order.
    @exclusivity(unchecked) private var pending: [CInt] = []

    // The frame being read.
    @exclusivity(unchecked) private var header: FrameHeader?
    @exclusivity(unchecked) private var largeFilled = 0

    init(socket: CInt, maximumFrameSize: Int, maximumDescriptors: Int) {
        self.socket = socket
        self.maximumFrameSize = maximumFrameSize
        self.maximumDescriptors = maximumDescriptors
        self.control = UnsafeMutableRawPointer.allocate(
            byteCount: SocketMessageIO.controlCapacity, alignment: MemoryLayout<Int>.alignment)
        self.input = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.readAheadCapacity, alignment: 16)
    }

    deinit {
        // Descriptors of frames cut short by the end of the connection are ours to close.
        Descriptors.close(pending)
        control.deallocate()
        input.deallocate()
        large.deallocate()
    }

    /// Whether ``readFrame()`` has received bytes to go on with before it needs the socket: a
    /// whole frame, or a header (which may be invalid, or start a frame larger than the read-ahead
    /// buffer). The socket itself may well have nothing more.
    var hasBufferedInput: Bool {
        let available = inputEnd - inputStart
        if let header { return header.envelopeLength <= input.count && available >= header.envelopeLength }
        return available >= FrameHeader.size
    }

    /// Reads on with the next frame, as far as the socket allows without blocking.
    ///
    /// The frame's `envelope` is valid until the next call. On any error every descriptor
    /// received and not yet handed out has been closed.
    func readFrame() throws(XPCTransportError) -> Outcome {
        do throws(XPCTransportError) {
            return try readFrameOrThrow()
        } catch {
            Descriptors.close(pending)
            pending = []
            throw error
        }
    }

    private func readFrameOrThrow() throws(XPCTransportError) -> Outcome {
        let parsed: FrameHeader
        if let header {
            parsed = header
        } else {
            if large.count > Self.retainedBufferLimit {
                large.deallocate()
                large = UnsafeMutableRawBufferPointer(start: nil, count: 0)
            }
            while inputEnd - inputStart < FrameHeader.size {
                switch try receiveAhead() {
                case .received: continue
                case .wouldBlock: return .wouldBlock
                case .endOfFile:
                    let partial = inputEnd - inputStart
                    if partial == 0, pending.isEmpty { return .endOfFile }
                    throw .peerClosedMidFrame(receivedBytes: partial, frameSize: nil)
                }
            }
            parsed = try FrameHeader(parsing: UnsafeRawBufferPointer(rebasing: input[inputStart..<(inputStart + FrameHeader.size)]))
            guard parsed.frameSize <= maximumFrameSize else {
                throw .frameTooLarge(size: parsed.frameSize, limit: maximumFrameSize)
            }
            inputStart += FrameHeader.size
            header = parsed
            if parsed.envelopeLength > input.count { startLargeEnvelope(length: parsed.envelopeLength) }
        }
        let length = parsed.envelopeLength
        let envelope: UnsafeRawBufferPointer
        if length <= input.count {
            while inputEnd - inputStart < length {
                switch try receiveAhead() {
                case .received: continue
                case .wouldBlock: return .wouldBlock
                case .endOfFile:
                    throw .peerClosedMidFrame(receivedBytes: FrameHeader.size + inputEnd - inputStart, frameSize: parsed.frameSize)
                }
            }
            envelope = UnsafeRawBufferPointer(rebasing: input[inputStart..<(inputStart + length)])
            inputStart += length
        } else {
            while largeFilled < length {
                if large.count == largeFilled {
                    // Only for claims past `upfrontAllocationLimit`: grow as the bytes come.
                    replaceLarge(capacity: min(length, large.count * 2), keeping: largeFilled)
                }
                // Exactly what the frame still lacks, up to the buffer's end: never past the frame.
                let target = UnsafeMutableRawBufferPointer(rebasing: large[largeFilled..<min(length, large.count)])
                guard let count = try receive(into: target) else { return .wouldBlock }
                guard count > 0 else {
                    throw .peerClosedMidFrame(receivedBytes: FrameHeader.size + largeFilled, frameSize: parsed.frameSize)
                }
                largeFilled += count
            }
            envelope = UnsafeRawBufferPointer(rebasing: large[0..<length])
        }
        header = nil
        largeFilled = 0
        return .frame(ReceivedFrame(header: parsed, envelope: envelope, descriptors: try claimDescriptors(for: envelope)))
    }

    /// The descriptors that belong to the frame whose envelope is `envelope` (SPEC §9.2.4).
    private func claimDescriptors(for envelope: UnsafeRawBufferPointer) throws(XPCTransportError) -> [CInt] {
        guard !pending.isEmpty else { return [] }
        let claimed: [CInt]
        if inputStart < inputEnd {
            // A later frame has begun to arrive, and descriptors past this frame's slot count
            // came with it. The slot count is at envelope offset 8 (SPEC §3.1); an envelope too
            // short to hold it fails decoding, and claims none.
            let declared = envelope.count >= 10 ? Int(envelope[8]) << 8 | Int(envelope[9]) : 0
            let count = min(declared, pending.count)
            claimed = Array(pending.prefix(count))
            pending.removeFirst(count)
        } else {
            claimed = pending
            pending = []
        }
        if claimed.count > maximumDescriptors {
            Descriptors.close(claimed)
            throw .protocolViolation(.tooManyDescriptors(received: claimed.count, limit: maximumDescriptors))
        }
        return claimed
    }

    /// Prepares `large` for an envelope of `length` bytes and moves into it what has arrived.
    private func startLargeEnvelope(length: Int) {
        if length > large.count {
            let capacity = length <= Self.upfrontAllocationLimit
                ? max(length, min(large.count * 2, Self.upfrontAllocationLimit))
                : max(large.count, Self.upfrontAllocationLimit)
            replaceLarge(capacity: capacity, keeping: 0)
        }
        // What arrived is less than `input` holds, so less than the envelope: all of it is its.
        let arrived = inputEnd - inputStart
        if arrived > 0, let target = large.baseAddress, let source = input.baseAddress {
            target.copyMemory(from: source + inputStart, byteCount: arrived)
        }
        largeFilled = arrived
        inputStart = 0
        inputEnd = 0
    }

    private func replaceLarge(capacity: Int, keeping count: Int) {
        let replacement = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        if count > 0, let base = large.baseAddress {
            replacement.copyMemory(from: UnsafeRawBufferPointer(start: base, count: count))
        }
        large.deallocate()
        large = replacement
    }

    private enum Ahead {
        case received
        case wouldBlock
        case endOfFile
    }

    /// Receives as much as `input` has room for after what it holds, first moving what it holds
    /// (part of one frame) to its start. Called only while the frame being read is incomplete
    /// and fits `input`, so there is always room.
    private func receiveAhead() throws(XPCTransportError) -> Ahead {
        if inputStart > 0 {
            let held = inputEnd - inputStart
            if held > 0, let base = input.baseAddress {
                base.copyMemory(from: base + inputStart, byteCount: held)
            }
            inputStart = 0
            inputEnd = held
        }
        guard let count = try receive(into: UnsafeMutableRawBufferPointer(rebasing: input[inputEnd...])) else {
            return .wouldBlock
        }
        if count == 0 { return .endOfFile }
        inputEnd += count
        return .received
    }

    /// One non-blocking `recvmsg` into `target`: the bytes read (0 at end of file), or `nil` when
    /// the socket has nothing for now. Descriptors that arrive join `pending`.
    private func receive(into target: UnsafeMutableRawBufferPointer) throws(XPCTransportError) -> Int? {
        let received: SocketMessageIO.Received
        do throws(Errno) {
            received = try SocketMessageIO.receive(socket, into: target, control: control, flags: Platform.dontWait)
        } catch .resourceTemporarilyUnavailable {
            return nil
        } catch .connectionReset {
            // The peer closed (or died) with our data unread: as end of file (SPEC §9.2.8).
            return 0
        } catch {
            throw .system(error, during: .receive)
        }
        if !received.descriptors.isEmpty { pending.append(contentsOf: received.descriptors) }
        if received.controlTruncated { throw .protocolViolation(.controlDataTruncated) }
        // At most the frame being read and the next one hold descriptors not yet claimed.
        if pending.count > 2 * maximumDescriptors {
            throw .protocolViolation(.tooManyDescriptors(received: pending.count, limit: maximumDescriptors))
        }
        return received.count
    }
}
