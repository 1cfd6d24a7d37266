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

/// Reads frames from a blocking stream socket, never asking for a byte past the end of the frame
/// being read, so every descriptor that arrives belongs to that frame (SPEC §9.2.4).
///
/// The header is read into a fixed 24-byte buffer and the envelope straight into one reused
/// buffer of the envelope's size, so a frame costs no allocation and its bytes are copied once,
/// by the kernel. Owned by a connection's reader thread.
final class FrameReader {
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
        control.deallocate()
        headerBytes.deallocate()
        buffer.deallocate()
    }

    /// Reads the next frame; `nil` when the peer closed the connection before its first byte.
    ///
    /// On any error every descriptor received for the frame has been closed.
    func readFrame() throws(XPCTransportError) -> ReceivedFrame? {
        var descriptors: [CInt] = []
        do throws(XPCTransportError) {
            if buffer.count > Self.retainedBufferLimit { replaceBuffer(capacity: 4096, keeping: 0) }
            let headerCount = try read(into: headerBytes, descriptors: &descriptors, frameSize: nil, already: 0)
            if headerCount == 0 { return nil }
            let parsed = try FrameHeader(parsing: UnsafeRawBufferPointer(headerBytes))
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
            var received = 0
            while received < length {
                if buffer.count == received {
                    // Only for claims past `upfrontAllocationLimit`: grow as the bytes come.
                    replaceBuffer(capacity: min(length, buffer.count * 2), keeping: received)
                }
                let end = min(length, buffer.count)
                received += try read(
                    into: UnsafeMutableRawBufferPointer(rebasing: buffer[received..<end]),
                    descriptors: &descriptors, frameSize: parsed.frameSize, already: FrameHeader.size + received)
            }
            return ReceivedFrame(
                header: parsed, envelope: UnsafeRawBufferPointer(rebasing: buffer[0..<length]), descriptors: descriptors)
        } catch {
            Descriptors.close(descriptors)
            throw error
        }
    }

    private func replaceBuffer(capacity: Int, keeping count: Int) {
        let replacement = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        if count > 0, let base = buffer.baseAddress {
            replacement.copyMemory(from: UnsafeRawBufferPointer(start: base, count: count))
        }
        buffer.deallocate()
        buffer = replacement
    }

    /// Fills `target` (bytes of the frame from offset `already` on), or returns 0 when the peer
    /// closed the connection before a header's first byte (the caller decides).
    private func read(
        into target: UnsafeMutableRawBufferPointer, descriptors: inout [CInt], frameSize: Int?, already: Int
    ) throws(XPCTransportError) -> Int {
        var filled = 0
        while filled < target.count {
            let received: SocketMessageIO.Received
            do throws(Errno) {
                received = try SocketMessageIO.receive(
                    socket, into: UnsafeMutableRawBufferPointer(rebasing: target[filled...]), control: control)
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
                if frameBytes == 0, descriptors.isEmpty { return 0 }
                throw .peerClosedMidFrame(receivedBytes: frameBytes, frameSize: frameSize)
            }
            filled += received.count
        }
        return filled
    }
}
