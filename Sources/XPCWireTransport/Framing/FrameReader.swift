import SystemPackage
import XPCWire

/// One frame as it came off the socket: its header, its envelope bytes and the descriptors that
/// arrived with it, which the frame owns until they are handed on or closed.
struct ReceivedFrame: Sendable {
    var header: FrameHeader
    var envelope: [UInt8]
    var descriptors: [CInt]
}

/// Reads frames from a blocking stream socket, never asking for a byte past the end of the frame
/// being read, so every descriptor that arrives belongs to that frame (SPEC §9.2.4).
///
/// Owned by a connection's reader thread.
final class FrameReader {
    private let socket: CInt
    private let maximumFrameSize: Int
    private let maximumDescriptors: Int
    private let control: UnsafeMutableRawPointer
    private var scratch: [UInt8]

    init(socket: CInt, maximumFrameSize: Int, maximumDescriptors: Int) {
        self.socket = socket
        self.maximumFrameSize = maximumFrameSize
        self.maximumDescriptors = maximumDescriptors
        self.control = UnsafeMutableRawPointer.allocate(
            byteCount: SocketMessageIO.controlCapacity, alignment: MemoryLayout<Int>.alignment)
        self.scratch = [UInt8](repeating: 0, count: 64 << 10)
    }

    deinit {
        control.deallocate()
    }

    /// Reads the next frame; `nil` when the peer closed the connection before its first byte.
    ///
    /// On any error every descriptor received for the frame has been closed.
    func readFrame() throws(XPCTransportError) -> ReceivedFrame? {
        var descriptors: [CInt] = []
        do throws(XPCTransportError) {
            var header = [UInt8]()
            header.reserveCapacity(FrameHeader.size)
            try read(FrameHeader.size, into: &header, descriptors: &descriptors, frameSize: nil)
            if header.isEmpty { return nil }
            let parsed = try header.withUnsafeBytes { raw in
                Result { () throws(XPCTransportError) in try FrameHeader(parsing: raw) }
            }.get()
            guard parsed.frameSize <= maximumFrameSize else {
                throw .frameTooLarge(size: parsed.frameSize, limit: maximumFrameSize)
            }
            var envelope = [UInt8]()
            envelope.reserveCapacity(min(parsed.envelopeLength, 1 << 20))
            try read(parsed.envelopeLength, into: &envelope, descriptors: &descriptors, frameSize: parsed.frameSize)
            guard envelope.count == parsed.envelopeLength else {
                throw .peerClosedMidFrame(receivedBytes: FrameHeader.size + envelope.count, frameSize: parsed.frameSize)
            }
            return ReceivedFrame(header: parsed, envelope: envelope, descriptors: descriptors)
        } catch {
            Descriptors.close(descriptors)
            throw error
        }
    }

    /// Appends exactly `count` bytes to `bytes`, or fewer only when the peer closed the connection
    /// before the first of them (then `bytes` stays empty for a header; the caller decides).
    private func read(_ count: Int, into bytes: inout [UInt8], descriptors: inout [CInt], frameSize: Int?) throws(XPCTransportError) {
        let start = bytes.count
        while bytes.count - start < count {
            let wanted = min(count - (bytes.count - start), scratch.count)
            let received: SocketMessageIO.Received
            do throws(Errno) {
                received = try scratch.withUnsafeMutableBytes { buffer in
                    Result { () throws(Errno) in
                        try SocketMessageIO.receive(
                            socket, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]), control: control)
                    }
                }.get()
            } catch .connectionReset {
                // The peer closed (or died) with our data unread: as end of file (SPEC §9.2.8).
                received = SocketMessageIO.Received(count: 0, descriptors: [], controlTruncated: false)
            } catch {
                throw .system(error, during: .receive)
            }
            descriptors.append(contentsOf: received.descriptors)
            if received.controlTruncated { throw .protocolViolation(.controlDataTruncated) }
            if descriptors.count > maximumDescriptors {
                throw .protocolViolation(.tooManyDescriptors(received: descriptors.count, limit: maximumDescriptors))
            }
            if received.count == 0 {
                let frameBytes = (frameSize == nil ? 0 : FrameHeader.size) + bytes.count
                if frameBytes == 0, descriptors.isEmpty { return }
                throw .peerClosedMidFrame(receivedBytes: frameBytes, frameSize: frameSize)
            }
            bytes.append(contentsOf: scratch[0..<received.count])
        }
    }
}
