import Foundation
import SystemPackage
import Testing
import XPCWire
@testable import XPCWireTransport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a raw peer against an anonymous listener and returns the error its connection ended with.
/// The raw socket stays open until the error has been seen.
func errorFromRawPeer(
    options: XPCListener.Options = XPCListener.Options(), _ script: (DescriptorHandle) throws -> Void
) async throws -> XPCTransportError? {
    let (listener, _) = try XPCEndpoint.anonymousChannel(options: options)
    defer { listener.cancel() }
    let watching = Task { () -> XPCTransportError? in
        for await connection in listener.connections { return await firstError(of: connection) }
        return nil
    }
    let socket = try rawPeer(of: listener)
    try script(socket)
    let error = try await withTimeout { await watching.value }
    withExtendedLifetime(socket) {}
    return error
}

extension TransportTests {
    /// SPEC §9.2.4: descriptors in slot order, owned by the receiver, never leaked.
    @Suite struct Descriptors {
        @Test func tenThousandMessagesWithAttachmentsLeakNoDescriptor() async throws {
            try await withPipe(expectingNoLeak: "10,000 messages with 2 descriptors each") { readEnd, writeEnd in
                let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
                let count = 10_000
                let receiving = Task { () -> (Int, Bool) in
                    var received = 0
                    var allCloseOnExec = true
                    for await connection in listener.connections {
                        for await event in connection.events {
                            guard case .message(let message) = event else { break }
                            for case .fd(let descriptor) in message.attachments {
                                allCloseOnExec = allCloseOnExec && fcntl(descriptor.rawValue, F_GETFD) & FD_CLOEXEC != 0
                            }
                            #expect(message.attachments.count == 2)
                            message.closeAttachments()
                            received += 1
                            if received == count { return (received, allCloseOnExec) }
                        }
                        break
                    }
                    return (received, allCloseOnExec)
                }
                let connection = XPCConnection(endpoint: endpoint)
                for index in 0..<count {
                    try connection.send(
                        ["n": .int64(Int64(index)), "r": .fd(slot: 0), "w": .fd(slot: 1)],
                        attachments: [.fd(readEnd), .fd(writeEnd)])
                }
                let (received, allCloseOnExec) = try await withTimeout { await receiving.value }
                #expect(received == count)
                #expect(allCloseOnExec)
                connection.cancel()
                listener.cancel()
            }
        }

        @Test func aReceivedDescriptorIsTheSameOpenFile() async throws {
            let baseline = OpenDescriptors.count()
            do {
                let (readEnd, writeEnd) = try makePipe()
                defer { try? readEnd.close() }
                let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
                let server = XPCServer(listener: listener) { received, _ in
                    if case .fd(let descriptor)? = received.attachments.first {
                        _ = try descriptor.writeAll(Array("through the slot".utf8))
                    }
                    received.closeAttachments()
                    return ["wrote": true]
                }
                let serving = Task { await server.run() }
                let connection = XPCConnection(endpoint: endpoint)
                _ = try await withTimeout { try await connection.sendRequest(["out": .fd(slot: 0)], attachments: [.fd(writeEnd)]) }
                try writeEnd.close()
                #expect(String(decoding: try await readExactly(16, from: readEnd), as: UTF8.self) == "through the slot")
                connection.cancel()
                server.cancel()
                await serving.value
            }
            await OpenDescriptors.expectNoLeak(from: baseline, "a passed pipe")
        }

        @Test func attachmentsThatDoNotFillTheSlotsAreRefusedBeforeSending() throws {
            let (readEnd, writeEnd) = try makePipe()
            defer {
                try? readEnd.close()
                try? writeEnd.close()
            }
            let connection = XPCConnection(socketPath: "/nonexistent/never-connected.sock")
            #expect(throws: XPCTransportError.encodingFailed(.attachmentsMismatch(slots: [.fd], attachments: []))) {
                try connection.send(["f": .fd(slot: 0)])
            }
            let many = [XPCAttachment](repeating: .fd(readEnd), count: 254)
            let message = XPCMessage.array(XPCArray((0..<254).map { .fd(slot: UInt16($0)) }))
            #expect(throws: XPCTransportError.tooManyAttachments(count: 254, limit: 253)) {
                try connection.send(message, attachments: many)
            }
            connection.cancel()
        }
    }

    /// SPEC §9.2.5–§9.2.8: a peer that breaks the rules ends its connection with a typed error,
    /// every descriptor it sent is closed, and nothing hangs.
    @Suite struct ErrorPaths {
        @Test func aPeerFailingTheClientsRequirementGetsNothing() async throws {
            let baseline = OpenDescriptors.count()
            do {
                let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
                let serverSide = Task { () -> XPCTransportError? in
                    for await connection in listener.connections { return await firstError(of: connection) }
                    return nil
                }
                let connection = XPCConnection(endpoint: endpoint)
                let otherUser = UInt32(getuid()) &+ 1
                try connection.setPeerRequirement(.userID(otherUser))
                do {
                    _ = try await withTimeout { try await connection.sendRequest(["secret": "not for you"]) }
                    Issue.record("the request went through")
                } catch let error as XPCTransportError {
                    guard case .peerRequirementFailed(let peer, .userID(required: otherUser, actual: UInt32(getuid()))) = error else {
                        Issue.record("unexpected \(error)")
                        return
                    }
                    #expect(peer?.effectiveGroupID == UInt32(getgid()))
                }
                #expect(connection.peerCredentials?.processID == ProcessInfo.processInfo.processIdentifier)
                guard case .peerRequirementFailed(let credentials, _)? = await firstError(of: connection) else {
                    Issue.record("no requirement failure event")
                    return
                }
                #expect(credentials?.processID == ProcessInfo.processInfo.processIdentifier)
                // The listener saw the socket close before any hello: no message was delivered.
                #expect(try await withTimeout { await serverSide.value } == .connectionClosed)
                listener.cancel()
            }
            await OpenDescriptors.expectNoLeak(from: baseline, "a client-side requirement failure")
        }

        @Test func aCustomListenerRequirementRejectsBeforeAnyDelivery() async throws {
            let baseline = OpenDescriptors.count()
            do {
                var options = XPCListener.Options()
                options.peerRequirement = .custom("never") { _ in false }
                let (listener, endpoint) = try XPCEndpoint.anonymousChannel(options: options)
                let serverSide = Task { () -> (Int, XPCTransportError?) in
                    for await connection in listener.connections {
                        let (messages, error) = await collectMessages(connection, count: 1)
                        return (messages.count, error)
                    }
                    return (0, nil)
                }
                let connection = XPCConnection(endpoint: endpoint)
                try connection.send(["hello": "anyone"])
                let (delivered, error) = try await withTimeout { await serverSide.value }
                #expect(delivered == 0)
                guard case .peerRequirementFailed(_, .custom(name: "never"))? = error else {
                    Issue.record("expected the custom requirement to fail, got \(String(describing: error))")
                    return
                }
                #expect(try await withTimeout { await firstError(of: connection) } == .connectionClosed)
                listener.cancel()
            }
            await OpenDescriptors.expectNoLeak(from: baseline, "a listener requirement failure")
        }

        @Test func anOversizeFrameIsRejectedByTheReceiverAndRefusedByTheSender() async throws {
            let baseline = OpenDescriptors.count()
            do {
                var options = XPCListener.Options()
                options.connectionOptions.maximumFrameSize = 1024
                let (listener, endpoint) = try XPCEndpoint.anonymousChannel(options: options)
                let serverSide = Task { () -> XPCTransportError? in
                    for await connection in listener.connections { return await firstError(of: connection) }
                    return nil
                }
                let connection = XPCConnection(endpoint: endpoint)
                let big: XPCMessage = ["blob": .data(Array(repeating: 1, count: 4096))]
                let size = FrameHeader.size + (try XPCWireEncoder().encode(big)).count
                await #expect(throws: XPCTransportError.connectionClosed) {
                    _ = try await withTimeout { try await connection.sendRequest(big) }
                }
                #expect(try await withTimeout { await serverSide.value } == .frameTooLarge(size: size, limit: 1024))
                listener.cancel()

                var small = XPCConnection.Options()
                small.maximumFrameSize = 1024
                let limited = XPCConnection(socketPath: "/nonexistent/x.sock", options: small)
                #expect(throws: XPCTransportError.frameTooLarge(size: size, limit: 1024)) { try limited.send(big) }
            }
            await OpenDescriptors.expectNoLeak(from: baseline, "an oversize frame")
        }

        @Test func anotherMajorFormatVersionIsAVersionMismatch() async throws {
            var hello = Handshake.helloEnvelope
            hello[4] = 2
            let error = try await errorFromRawPeer { try rawSend($0, frameBytes(.hello, id: 0, envelope: hello)) }
            #expect(error == .versionMismatch(peerFormat: XPCWireVersion(major: 2, minor: 0), peerTransport: nil))
        }

        @Test func anotherTransportVersionIsAVersionMismatch() async throws {
            let hello = try XPCWireEncoder().encode(["transport": 2])
            let error = try await errorFromRawPeer { try rawSend($0, frameBytes(.hello, id: 0, envelope: hello)) }
            #expect(error == .versionMismatch(peerFormat: .current, peerTransport: 2))
        }

        @Test func framingViolationsEndTheConnection() async throws {
            let baseline = OpenDescriptors.count()
            let message = try XPCWireEncoder().encode(["a": 1])
            #expect(try await errorFromRawPeer { try rawSend($0, frameBytes(.message, id: 1, envelope: message)) }
                == .protocolViolation(.missingHello))
            #expect(try await errorFromRawPeer { try rawSend($0, helloFrame + frameBytes(.message, id: 5, envelope: message)) }
                == .protocolViolation(.outOfSequence(expected: 1, received: 5)))
            #expect(try await errorFromRawPeer { try rawSend($0, helloFrame + helloFrame) }
                == .protocolViolation(.outOfSequence(expected: 1, received: 0)))
            #expect(try await errorFromRawPeer { try rawSend($0, helloFrame + frameBytes(.reply, id: 1, replyID: 9, envelope: message)) }
                == .protocolViolation(.unexpectedReplyID(9)))
            var badKind = helloFrame + frameBytes(.message, id: 1, envelope: message)
            badKind[helloFrame.count] = 9
            #expect(try await errorFromRawPeer { try rawSend($0, badKind) } == .protocolViolation(.unknownFrameKind(9)))
            var garbage = message
            garbage[0] = 0x00
            #expect(try await errorFromRawPeer { try rawSend($0, helloFrame + frameBytes(.message, id: 1, envelope: garbage)) }
                == .malformedMessage(.badMagic(offset: 0), messageID: 1))
            await OpenDescriptors.expectNoLeak(from: baseline, "framing violations")
        }

        @Test func descriptorsThatDoNotMatchTheSlotTableAreAllClosed() async throws {
            try await withPipe(expectingNoLeak: "mismatched descriptors") { readEnd, writeEnd in
                let oneSlot = try XPCWireEncoder().encode(["f": .fd(slot: 0)])
                let twoDescriptors = try await errorFromRawPeer {
                    try rawSend($0, helloFrame)
                    try rawSend($0, frameBytes(.message, id: 1, envelope: oneSlot), descriptors: [readEnd.rawValue, writeEnd.rawValue])
                }
                #expect(twoDescriptors == .protocolViolation(.attachmentsMismatch(slots: 1, received: 2)))
                let noDescriptor = try await errorFromRawPeer {
                    try rawSend($0, helloFrame + frameBytes(.message, id: 1, envelope: oneSlot))
                }
                #expect(noDescriptor == .protocolViolation(.attachmentsMismatch(slots: 1, received: 0)))
                let endpointSlot = try XPCWireEncoder().encode(["e": .endpoint(slot: 0)])
                let pipeAsEndpoint = try await errorFromRawPeer {
                    try rawSend($0, helloFrame)
                    try rawSend($0, frameBytes(.message, id: 1, envelope: endpointSlot), descriptors: [readEnd.rawValue])
                }
                #expect(pipeAsEndpoint == .protocolViolation(.endpointNotASocket(slot: 0)))
                let withHello = try await errorFromRawPeer { try rawSend($0, helloFrame, descriptors: [readEnd.rawValue]) }
                #expect(withHello == .protocolViolation(.descriptorsWithHello))
                var garbage = oneSlot
                garbage[0] = 0
                let malformed = try await errorFromRawPeer {
                    try rawSend($0, helloFrame)
                    try rawSend($0, frameBytes(.message, id: 1, envelope: garbage), descriptors: [readEnd.rawValue])
                }
                #expect(malformed == .malformedMessage(.badMagic(offset: 0), messageID: 1))
            }
        }

        @Test func moreDescriptorsThanTheKernelsPerMessageMaximumAreAllClosed() async throws {
            try await withPipe(expectingNoLeak: "too many descriptors") { readEnd, _ in
                let oneSlot = try XPCWireEncoder().encode(["f": .fd(slot: 0)])
                let frame = frameBytes(.message, id: 1, envelope: oneSlot)
                // 200 descriptors with each of two sendmsg calls inside one frame: 400 > 253.
                let batch = [CInt](repeating: readEnd.rawValue, count: 200)
                let error = try await errorFromRawPeer {
                    try rawSend($0, helloFrame)
                    try rawSend($0, Array(frame.prefix(10)), descriptors: batch)
                    try rawSend($0, Array(frame.dropFirst(10)), descriptors: batch)
                }
                #expect(error == .protocolViolation(.tooManyDescriptors(received: 400, limit: 253)))
            }
        }

        @Test func moreDescriptorsThanTheSlotLimitInOneSendmsgAreAllClosed() async throws {
            try await withPipe(expectingNoLeak: "descriptors over the slot limit") { readEnd, _ in
                var options = XPCListener.Options()
                options.connectionOptions.decodingOptions.limits.maximumSlotCount = 4
                let fourSlots = try XPCWireEncoder().encode(.array(XPCArray((0..<4).map { .fd(slot: UInt16($0)) })))
                let error = try await errorFromRawPeer(options: options) {
                    try rawSend($0, helloFrame)
                    try rawSend(
                        $0, frameBytes(.message, id: 1, envelope: fourSlots), descriptors: [CInt](repeating: readEnd.rawValue, count: 5))
                }
                #expect(error == .protocolViolation(.tooManyDescriptors(received: 5, limit: 4)))
            }
        }

        @Test func descriptorsAfterTheFirstByteStillCountAgainstTheSlotTable() async throws {
            try await withPipe(expectingNoLeak: "descriptors short of the slot table") { readEnd, writeEnd in
                let threeSlots = try XPCWireEncoder().encode(["a": .fd(slot: 0), "b": .fd(slot: 1), "c": .fd(slot: 2)])
                let frame = frameBytes(.message, id: 1, envelope: threeSlots)
                let error = try await errorFromRawPeer {
                    try rawSend($0, helloFrame + frame.prefix(30))
                    try rawSend($0, Array(frame.dropFirst(30)), descriptors: [readEnd.rawValue, writeEnd.rawValue])
                }
                #expect(error == .protocolViolation(.attachmentsMismatch(slots: 3, received: 2)))
            }
        }

        #if os(Linux)
        /// The premise of the next test: with `SO_PASSCRED`, credentials come first in the control
        /// data, and a full batch of descriptors no longer fits the receiver's buffer. The kernel
        /// installs the descriptors that fit, drops the rest and reports `MSG_CTRUNC`.
        @Test func theKernelTruncatesAFullBatchBehindCredentials() throws {
            let baseline = OpenDescriptors.count()
            let (readEnd, writeEnd) = try makePipe()
            defer {
                try? readEnd.close()
                try? writeEnd.close()
            }
            let (receiver, sender) = try Platform.makeSocketPair(type: Platform.streamSocketType)
            defer {
                Platform.close(receiver)
                Platform.close(sender)
            }
            var on: CInt = 1
            #expect(setsockopt(receiver, SOL_SOCKET, SO_PASSCRED, &on, socklen_t(MemoryLayout<CInt>.size)) == 0)
            var byte: UInt8 = 7
            _ = try withUnsafeBytes(of: &byte) {
                try SocketMessageIO.send(
                    sender, bytes: $0,
                    descriptors: [CInt](repeating: readEnd.rawValue, count: SocketMessageIO.maximumDescriptorsPerMessage))
            }
            let control = UnsafeMutableRawPointer.allocate(
                byteCount: SocketMessageIO.controlCapacity, alignment: MemoryLayout<Int>.alignment)
            defer { control.deallocate() }
            let received = try withUnsafeMutableBytes(of: &byte) { try SocketMessageIO.receive(receiver, into: $0, control: control) }
            #expect(received.count == 1)
            #expect(received.controlTruncated)
            #expect(received.descriptors.count > 0)
            #expect(received.descriptors.count < SocketMessageIO.maximumDescriptorsPerMessage)
            XPCWireTransport.Descriptors.close(received.descriptors)
            #expect(OpenDescriptors.count() == baseline + 4)  // the pipe and the socket pair
        }
        #endif

        @Test func truncatedControlDataIsAnErrorWithEveryReceivedDescriptorClosed() async throws {
            try await withPipe(expectingNoLeak: "truncated control data") { readEnd, _ in
                let (ours, theirs) = try Platform.makeSocketPair(type: Platform.streamSocketType)
                let peer = DescriptorHandle(adopting: theirs)
                #if os(Linux)
                // The receiver's control buffer holds exactly 253 descriptors (SPEC §9.2.4), the most
                // one sendmsg may carry on Linux. With SO_PASSCRED on the receiving socket the kernel
                // puts credentials first, so 253 descriptors no longer fit (see the test above).
                var on: CInt = 1
                #expect(setsockopt(ours, SOL_SOCKET, SO_PASSCRED, &on, socklen_t(MemoryLayout<CInt>.size)) == 0)
                let count = SocketMessageIO.maximumDescriptorsPerMessage
                #else
                // Darwin takes more descriptors in one sendmsg than the receiver's buffer holds.
                let count = SocketMessageIO.maximumDescriptorsPerMessage + 8
                #endif
                let connection = XPCConnection(
                    core: ConnectionCore(target: .accepted(DescriptorHandle(adopting: ours)), options: XPCConnection.Options()))
                connection.activate()
                let oneSlot = try XPCWireEncoder().encode(["f": .fd(slot: 0)])
                try rawSend(peer, helloFrame)
                do {
                    try rawSend(
                        peer, frameBytes(.message, id: 1, envelope: oneSlot),
                        descriptors: [CInt](repeating: readEnd.rawValue, count: count))
                } catch {
                    #if os(Linux)
                    throw error
                    #else
                    // This kernel refuses that many descriptors in one message: nothing to truncate.
                    connection.cancel()
                    return
                    #endif
                }
                let error = try await withTimeout { await firstError(of: connection) }
                #expect(error == .protocolViolation(.controlDataTruncated))
                withExtendedLifetime(peer) {}
            }
        }

        @Test func aPeerClosingBetweenFramesIsConnectionClosed() async throws {
            let error = try await errorFromRawPeer { socket in
                try rawSend(socket, helloFrame)
                socket.shutdown()
            }
            #expect(error == .connectionClosed)
        }
    }
}
