import Foundation
import SystemPackage
import Testing
import XPCWire
@testable import XPCWireTransport

extension TransportTests {
    /// The frame reader's buffer: reused between frames, allocated at a frame's size up to a
    /// limit, and grown as the bytes arrive past it (so a header alone cannot make it reserve the
    /// frame limit); reads that would block keep the frame so far.
    @Suite struct FrameReading {
        @Test func framesOfEverySizeReadWholeAndInOrder() throws {
            let (reading, writing) = try Self.socketPair()
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
            let (reading, writing) = try Self.socketPair()
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

        /// Frames that arrive together are read together: after the first, the rest come from what
        /// the reader already holds, and the socket has nothing left to read.
        @Test func framesThatArriveTogetherAreReadFromOneReceive() throws {
            let (reading, writing) = try Self.socketPair()
            let envelopes = (1...5).map { [UInt8](repeating: UInt8($0), count: 10 * $0) }
            try rawSend(writing, envelopes.enumerated().flatMap { frameBytes(.message, id: UInt64($0 + 1), envelope: $1) })
            let reader = FrameReader(socket: reading.descriptor, maximumFrameSize: 1 << 20, maximumDescriptors: 8)
            #expect(!reader.hasBufferedInput)
            for (index, envelope) in envelopes.enumerated() {
                guard case .frame(let frame) = try reader.readFrame() else {
                    Issue.record("frame \(index + 1) was not read")
                    return
                }
                #expect(frame.header.messageID == UInt64(index + 1))
                #expect(Array(frame.envelope) == envelope)
                #expect(reader.hasBufferedInput == (index < envelopes.count - 1))
                // Everything was received with the first frame.
                #expect(try Platform.poll([reading.descriptor], timeout: 0).isEmpty)
            }
            guard case .wouldBlock = try reader.readFrame() else {
                Issue.record("a sixth frame was reported")
                return
            }
            withExtendedLifetime(writing) {}
        }

        /// Reading ahead does not blur which descriptors belong to which frame: a frame takes as
        /// many as its slot table declares when a later frame's bytes came in the same receive, and
        /// each descriptor reaches the frame it was sent with (SPEC §9.2.4).
        @Test func descriptorsReachTheirFramesWhenFramesArriveTogether() throws {
            let (reading, writing) = try Self.socketPair()
            let baseline = OpenDescriptors.count()
            let pipes = try (0..<3).map { _ in try makePipe() }
            defer {
                for pipe in pipes {
                    try? pipe.read.close()
                    try? pipe.write.close()
                }
            }
            let encoder = XPCWireEncoder()
            let none = try encoder.encode(["n": 0])
            let one = try encoder.encode(["f": .fd(slot: 0)])
            let two = try encoder.encode(["f": .fd(slot: 0), "g": .fd(slot: 1)])
            // No descriptors, one, none, two, none: each frame its own sendmsg, all sent before
            // the first read, so the no-descriptor frames' reads run on into the next frame.
            try rawSend(writing, frameBytes(.message, id: 1, envelope: none))
            try rawSend(writing, frameBytes(.message, id: 2, envelope: one), descriptors: [pipes[0].write.rawValue])
            try rawSend(writing, frameBytes(.message, id: 3, envelope: none))
            try rawSend(writing, frameBytes(.message, id: 4, envelope: two), descriptors: [pipes[1].write.rawValue, pipes[2].write.rawValue])
            try rawSend(writing, frameBytes(.message, id: 5, envelope: none))
            writing.shutdown()
            let expected: [[FileDescriptor]] = [[], [pipes[0].write], [], [pipes[1].write, pipes[2].write], []]
            let reader = FrameReader(socket: reading.descriptor, maximumFrameSize: 1 << 20, maximumDescriptors: 8)
            for (index, files) in expected.enumerated() {
                guard case .frame(let frame) = try Self.nextOutcome(of: reader, on: reading) else {
                    Issue.record("frame \(index + 1) was not read")
                    return
                }
                #expect(frame.header.messageID == UInt64(index + 1))
                #expect(frame.descriptors.map(Self.inode) == files.map { Self.inode($0.rawValue) })
                XPCWireTransport.Descriptors.close(frame.descriptors)
            }
            guard case .endOfFile = try Self.nextOutcome(of: reader, on: reading) else {
                Issue.record("no end of file after the last frame")
                return
            }
            #expect(OpenDescriptors.count() == baseline + 6)  // the pipes' own ends
            withExtendedLifetime(writing) {}
        }

        /// Descriptors that came after the last frame's bytes, with no frame to claim them, are
        /// the last frame's: too many for its slot table, so the frame fails its check.
        @Test func descriptorsWithNoLaterFrameAllGoToTheLastFrame() throws {
            let (reading, writing) = try Self.socketPair()
            let (pipeRead, pipeWrite) = try makePipe()
            defer {
                try? pipeRead.close()
                try? pipeWrite.close()
            }
            let one = try XPCWireEncoder().encode(["f": .fd(slot: 0)])
            try rawSend(writing, frameBytes(.message, id: 1, envelope: one), descriptors: [pipeRead.rawValue, pipeWrite.rawValue])
            let reader = FrameReader(socket: reading.descriptor, maximumFrameSize: 1 << 20, maximumDescriptors: 8)
            guard case .frame(let frame) = try Self.nextOutcome(of: reader, on: reading) else {
                Issue.record("the frame was not read")
                return
            }
            #expect(frame.descriptors.map(Self.inode) == [pipeRead.rawValue, pipeWrite.rawValue].map(Self.inode))
            XPCWireTransport.Descriptors.close(frame.descriptors)
            withExtendedLifetime(writing) {}
        }

        /// The inode of an open descriptor, which tells the pipes apart.
        static func inode(_ descriptor: CInt) -> UInt64 {
            var status = stat()
            guard fstat(descriptor, &status) == 0 else { return 0 }
            return UInt64(status.st_ino)
        }

        /// A connected stream socket pair: one end to read frames from, one to write them to.
        static func socketPair() throws -> (reading: DescriptorHandle, writing: DescriptorHandle) {
            let (ours, theirs) = try Platform.makeSocketPair(type: Platform.streamSocketType)
            return (DescriptorHandle(adopting: ours), DescriptorHandle(adopting: theirs))
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
