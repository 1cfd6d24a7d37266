import Foundation
import Testing
import XPCWire
@testable import XPCWireTransport

extension TransportTests {
    /// The frame reader's buffer: reused between frames, allocated at a frame's size up to a
    /// limit, and grown as the bytes arrive past it (so a header alone cannot make it reserve the
    /// frame limit); reads that would block keep the frame so far.
    @Suite struct FrameReading {
        @Test func framesOfEverySizeReadWholeAndInOrder() throws {
            let (ours, theirs) = try Platform.makeSocketPair(type: Platform.streamSocketType)
            let reading = DescriptorHandle(adopting: ours)
            let writing = DescriptorHandle(adopting: theirs)
            // Small, retained-size, past the retained size, and past the up-front allocation limit.
            let sizes = [0, 7, 100_000, FrameReader.retainedBufferLimit + 3, FrameReader.upfrontAllocationLimit + 5, 12]
            let frames = sizes.enumerated().map { index, size in
                frameBytes(.message, id: UInt64(index + 1), envelope: [UInt8](repeating: UInt8(truncatingIfNeeded: index &+ 1), count: size))
            }
            let writer = Thread {
                for frame in frames { try? rawSend(writing, frame) }
                writing.shutdown()
            }
            writer.start()
            let reader = FrameReader(socket: reading.descriptor, maximumFrameSize: 64 << 20, maximumDescriptors: 8)
            for (index, size) in sizes.enumerated() {
                guard case .frame(let frame) = try Self.nextOutcome(of: reader, on: reading) else {
                    Issue.record("frame \(index) did not arrive")
                    return
                }
                #expect(frame.header.messageID == UInt64(index + 1))
                #expect(frame.envelope.count == size)
                #expect(frame.envelope.allSatisfy { $0 == UInt8(truncatingIfNeeded: index &+ 1) })
                #expect(frame.descriptors.isEmpty)
            }
            guard case .endOfFile = try Self.nextOutcome(of: reader, on: reading) else {
                Issue.record("no end of file after the last frame")
                return
            }
            withExtendedLifetime(writing) {}
        }

        /// Frames arrive in pieces: a read that would block keeps what arrived of the frame and
        /// goes on from there, with its descriptors, once more bytes come.
        @Test func aFrameArrivingInPiecesIsCompletedWithItsDescriptors() throws {
            let (ours, theirs) = try Platform.makeSocketPair(type: Platform.streamSocketType)
            let reading = DescriptorHandle(adopting: ours)
            let writing = DescriptorHandle(adopting: theirs)
            let baseline = OpenDescriptors.count()
            let bytes = frameBytes(.message, id: 1, envelope: [UInt8](repeating: 7, count: 100))
            let (pipeRead, pipeWrite) = try makePipe()
            defer {
                try? pipeRead.close()
                try? pipeWrite.close()
            }
            let reader = FrameReader(socket: reading.descriptor, maximumFrameSize: 1 << 20, maximumDescriptors: 8)
            guard case .wouldBlock = try reader.readFrame() else {
                Issue.record("read from an empty socket did not report wouldBlock")
                return
            }
            // Part of the header (with the descriptor), then part of the envelope, then the rest.
            for (range, descriptors) in [(0..<10, [pipeRead.rawValue]), (10..<60, []), (60..<bytes.count, [])] {
                guard case .wouldBlock = try reader.readFrame() else {
                    Issue.record("a frame was reported before all of it arrived")
                    return
                }
                try rawSend(writing, Array(bytes[range]), descriptors: descriptors)
            }
            guard case .frame(let frame) = try reader.readFrame() else {
                Issue.record("the completed frame was not read")
                return
            }
            #expect(frame.header.messageID == 1)
            #expect(frame.envelope.count == 100 && frame.envelope.allSatisfy { $0 == 7 })
            #expect(frame.descriptors.count == 1)
            XPCWireTransport.Descriptors.close(frame.descriptors)
            #expect(OpenDescriptors.count() == baseline + 2)  // the pipe's own two ends
            withExtendedLifetime(writing) {}
        }

        /// The next frame or end of file, waiting in `poll` while the socket has nothing.
        static func nextOutcome(of reader: FrameReader, on socket: DescriptorHandle) throws -> FrameReader.Outcome {
            while true {
                let outcome = try reader.readFrame()
                if case .wouldBlock = outcome {
                    _ = try Platform.poll([socket.descriptor], timeout: 1000)
                    continue
                }
                return outcome
            }
        }
    }
}
