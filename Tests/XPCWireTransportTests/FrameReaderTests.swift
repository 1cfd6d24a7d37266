import Foundation
import Testing
import XPCWire
@testable import XPCWireTransport

extension TransportTests {
    /// The frame reader's buffer: reused between frames, allocated at a frame's size up to a
    /// limit, and grown as the bytes arrive past it (so a header alone cannot make it reserve the
    /// frame limit).
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
                let frame = try #require(try reader.readFrame())
                #expect(frame.header.messageID == UInt64(index + 1))
                #expect(frame.envelope.count == size)
                #expect(frame.envelope.allSatisfy { $0 == UInt8(truncatingIfNeeded: index &+ 1) })
                #expect(frame.descriptors.isEmpty)
            }
            #expect(try reader.readFrame() == nil)
            withExtendedLifetime(writing) {}
        }
    }
}
