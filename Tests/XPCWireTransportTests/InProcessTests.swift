import Foundation
import SystemPackage
import Testing
import XPCWire
@testable import XPCWireTransport

extension TransportTests {
    /// SPEC §9.2.3–§9.2.4 between a listener and a connection in this process, over real sockets.
    @Suite struct InProcess {
        @Test func requestGetsTheDictionaryReplyAndFireAndForgetArrivesFirst() async throws {
            let baseline = OpenDescriptors.count()
            let scratch = try ScratchDirectory()
            defer { scratch.remove() }
            do {
                let listener = try XPCListener(socketPath: scratch.socket())
                let server = XPCServer(listener: listener) { received, _ in
                    ["echo": received.message, "kind": received.expectsReply ? "request" : "message"]
                }
                let serving = Task { await server.run() }
                let connection = XPCConnection(socketPath: scratch.socket())
                try connection.send(["note": "first"])
                let reply = try await withTimeout { try await connection.sendRequest(["op": "ping", "n": 7]) }
                #expect(reply["echo"] == ["op": "ping", "n": 7])
                #expect(reply["kind"] == "request")
                #expect(connection.peerCredentials?.processID == ProcessInfo.processInfo.processIdentifier)
                #expect(connection.peerCredentials?.effectiveUserID == UInt32(getuid()))
                connection.cancel()
                server.cancel()
                await serving.value
            }
            await OpenDescriptors.expectNoLeak(from: baseline, "request/reply")
        }

        @Test func tenThousandMessagesArriveInOrder() async throws {
            let baseline = OpenDescriptors.count()
            do {
            let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
            let count = 10_000
            let receiving = Task { () -> [Int64] in
                var sequence: [Int64] = []
                for await connection in listener.connections {
                    for await event in connection.events {
                        guard case .message(let received) = event else { break }
                        sequence.append(received.message["seq"]?.int64Value ?? -1)
                        if sequence.count == count { return sequence }
                    }
                    return sequence
                }
                return sequence
            }
            let connection = XPCConnection(endpoint: endpoint)
            for index in 0..<count { try connection.send(["seq": .int64(Int64(index))]) }
            let sequence = try await withTimeout { await receiving.value }
            #expect(sequence == (0..<Int64(count)).map { $0 })
            connection.cancel()
            listener.cancel()
            }
            await OpenDescriptors.expectNoLeak(from: baseline, "10,000 messages")
        }

        /// Half the callers wait on the connection's executor, half on the global executor.
        @Test(arguments: [XPCServer.HandlerExecution.connectionExecutor, .concurrentPool])
        func aThousandConcurrentRequestsAllGetTheirOwnReply(_ execution: XPCServer.HandlerExecution) async throws {
            let baseline = OpenDescriptors.count()
            do {
            let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
            let server = XPCServer(
                listener: listener, maximumConcurrentMessagesPerConnection: 128, handlerExecution: execution
            ) { received, _ in
                await Task.yield()
                return ["answer": .int64((received.message["n"]?.int64Value ?? 0) * 2)]
            }
            let serving = Task { await server.run() }
            let connection = XPCConnection(endpoint: endpoint)
            let answers = try await withTimeout {
                try await withThrowingTaskGroup(of: (Int64, Int64).self) { group in
                    @Sendable func ask(_ n: Int) async throws -> (Int64, Int64) {
                        let reply = try await connection.sendRequest(["n": .int64(Int64(n))])
                        return (Int64(n), reply["answer"]?.int64Value ?? -1)
                    }
                    for n in 0..<1000 {
                        if #available(macOS 15, iOS 18, tvOS 18, watchOS 11, visionOS 2, *), n.isMultiple(of: 2) {
                            group.addTask(executorPreference: connection.executor) { try await ask(n) }
                        } else {
                            group.addTask { try await ask(n) }
                        }
                    }
                    var answers: [Int64: Int64] = [:]
                    for try await (n, answer) in group { answers[n] = answer }
                    return answers
                }
            }
            #expect(answers.count == 1000)
            #expect(answers.allSatisfy { $0.value == $0.key * 2 })
            connection.cancel()
            server.cancel()
            await serving.value
            }
            await OpenDescriptors.expectNoLeak(from: baseline, "1,000 concurrent requests")
        }

        /// On Linux each connection's thread waits with an epoll instance of its own: it must be
        /// closed with the connection, on both sides.
        @Test func everyConnectionsEpollInstanceIsClosedWithIt() async throws {
            #if os(Linux)
            // Dispatch's own epoll and timer descriptors exist from the first sleep on.
            try await Task.sleep(nanoseconds: 1_000_000)
            let before = OpenDescriptors.eventPollCount()
            let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
            let server = XPCServer(listener: listener) { _, _ in ["ok": true] }
            let serving = Task { await server.run() }
            let connections = (0..<8).map { _ in XPCConnection(endpoint: endpoint) }
            for connection in connections {
                _ = try await withTimeout { try await connection.sendRequest(["op": "ping"]) }
            }
            // Both ends of each connection read with one.
            #expect(OpenDescriptors.eventPollCount() >= before + 16)
            for connection in connections { connection.cancel() }
            server.cancel()
            await serving.value
            let settled = await eventually { OpenDescriptors.eventPollCount() <= before }
            #expect(settled, "epoll instances left: \(OpenDescriptors.eventPollCount() - before)")
            #endif
        }

        /// A server keeps a worker waiting while others handle messages, up to its maximum: with
        /// handlers that wait for one another, four at once are reached (not more), and none
        /// waits for a worker that is never started.
        @Test(arguments: [XPCServer.HandlerExecution.connectionExecutor, .concurrentPool])
        func handlersRunConcurrentlyUpToTheMaximum(_ execution: XPCServer.HandlerExecution) async throws {
            let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
            let inFlight = ConditionLock((now: 0, peak: 0))
            let server = XPCServer(
                listener: listener, maximumConcurrentMessagesPerConnection: 4, handlerExecution: execution
            ) { _, _ in
                inFlight.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
                _ = await eventually(5) { inFlight.withLock { $0.peak } >= 4 }
                inFlight.withLock { $0.now -= 1 }
                return ["ok": true]
            }
            let serving = Task { await server.run() }
            let connection = XPCConnection(endpoint: endpoint)
            let replies = try await withTimeout {
                try await withThrowingTaskGroup(of: XPCMessage.self) { group in
                    for n in 0..<8 { group.addTask { try await connection.sendRequest(["n": .int64(Int64(n))]) } }
                    var replies: [XPCMessage] = []
                    for try await reply in group { replies.append(reply) }
                    return replies
                }
            }
            #expect(replies.count == 8)
            #expect(inFlight.withLock { $0.peak } == 4)
            connection.cancel()
            server.cancel()
            await serving.value
        }

        /// Frames larger than the socket's send buffer leave part by the sender's own non-blocking
        /// write and part by the writer thread; small requests carrying descriptors queue behind
        /// them. Every reply must match its request, every descriptor must arrive with its frame.
        @Test func framesLargerThanTheSocketBufferInterleaveWithSmallRequestsAndDescriptors() async throws {
            let baseline = OpenDescriptors.count()
            do {
            let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
            let server = XPCServer(listener: listener) { received, _ in
                defer { received.closeAttachments() }
                var reply: XPCDictionary = ["n": received.message["n"] ?? .int64(-1)]
                if case .data(let blob)? = received.message["blob"] {
                    // Echoed, so the reply is as large as the request.
                    reply["blob"] = .data(blob)
                }
                if case .fd(let descriptor)? = received.attachments.first {
                    reply["fdIsOpen"] = .bool(fcntl(descriptor.rawValue, F_GETFD) >= 0)
                }
                return .dictionary(reply)
            }
            let serving = Task { await server.run() }
            let connection = XPCConnection(endpoint: endpoint)
            let (readEnd, writeEnd) = try makePipe()
            defer {
                try? readEnd.close()
                try? writeEnd.close()
            }
            let size = 6 << 20
            let results = try await withTimeout(60) {
                try await withThrowingTaskGroup(of: Bool.self) { group in
                    for n in 0..<12 {
                        group.addTask {
                            if n % 3 == 0 {
                                let blob = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ n) }
                                let reply = try await connection.sendRequest(["n": .int64(Int64(n)), "blob": .data(blob)])
                                return reply["n"]?.int64Value == Int64(n) && reply["blob"] == .data(blob)
                            }
                            let reply = try await connection.sendRequest(
                                ["n": .int64(Int64(n)), "fd": .fd(slot: 0)], attachments: [.fd(readEnd)])
                            return reply["n"]?.int64Value == Int64(n) && reply["fdIsOpen"] == .bool(true)
                        }
                    }
                    var results: [Bool] = []
                    for try await result in group { results.append(result) }
                    return results
                }
            }
            #expect(results.count == 12)
            #expect(results.allSatisfy { $0 })
            connection.cancel()
            server.cancel()
            await serving.value
            }
            await OpenDescriptors.expectNoLeak(from: baseline, "large frames with small ones")
        }

        @Test func typedValuesTravelThroughTheCodableBridge() async throws {
            struct Sum: Codable, Sendable { var a: Int; var b: Int; var tag: UUID }
            struct Total: Codable, Sendable { var sum: Int; var tag: UUID }
            let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
            let server = XPCServer(listener: listener) { received, _ in
                let request = try received.decode(Sum.self)
                try received.reply(encoding: Total(sum: request.a + request.b, tag: request.tag))
                return nil
            }
            let serving = Task { await server.run() }
            let connection = XPCConnection(endpoint: endpoint)
            let tag = UUID()
            let total = try await withTimeout {
                try await connection.sendRequest(encoding: Sum(a: 40, b: 2, tag: tag), decoding: Total.self)
            }
            #expect(total.sum == 42)
            #expect(total.tag == tag)
            connection.cancel()
            server.cancel()
            await serving.value
        }

        @Test func aRequestReleasedWithoutAReplyFailsWithNoReply() async throws {
            let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
            let server = XPCServer(listener: listener) { _, _ in nil }
            let serving = Task { await server.run() }
            let connection = XPCConnection(endpoint: endpoint)
            await #expect(throws: XPCTransportError.noReply) {
                try await withTimeout { try await connection.sendRequest(["op": "ignored"]) }
            }
            connection.cancel()
            server.cancel()
            await serving.value
        }

        @Test func aSecondReplyIsAlreadyRepliedEvenOnAnEndedConnection() async throws {
            let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
            let server = XPCServer(listener: listener) { received, connection in
                connection.cancel()
                // The first reply finds the connection ended; it still counts as the reply.
                #expect(throws: XPCTransportError.cancelled) { try received.reply(["ok": true]) }
                #expect(throws: XPCTransportError.alreadyReplied) { try received.reply(["again": true]) }
                return nil
            }
            let serving = Task { await server.run() }
            let connection = XPCConnection(endpoint: endpoint)
            await #expect(throws: XPCTransportError.self) {
                try await withTimeout { try await connection.sendRequest(["op": "x"]) }
            }
            connection.cancel()
            server.cancel()
            await serving.value
        }

        @Test func aReplyThatIsNotADictionaryIsRejectedOnBothSides() async throws {
            let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
            let server = XPCServer(listener: listener) { received, _ in
                #expect(throws: XPCTransportError.replyNotDictionary(.int64)) { try received.reply(5) }
                #expect(throws: XPCTransportError.replyNotExpected) {
                    try XPCReceivedMessage(message: nil, attachments: [], messageID: 1, replyContext: nil).reply([:])
                }
                try received.reply(["ok": true])
                #expect(throws: XPCTransportError.alreadyReplied) { try received.reply(["again": true]) }
                return nil
            }
            let serving = Task { await server.run() }
            let connection = XPCConnection(endpoint: endpoint)
            let reply = try await withTimeout { try await connection.sendRequest(["op": "x"]) }
            #expect(reply == ["ok": true])
            connection.cancel()
            server.cancel()
            await serving.value
        }

        @Test func suspendHoldsDeliveryAndAnUnbalancedResumeThrows() async throws {
            let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
            let accepted = Task { () -> XPCConnection? in
                for await connection in listener.connections { return connection }
                return nil
            }
            let client = XPCConnection(endpoint: endpoint)
            #expect(throws: XPCTransportError.unbalancedResume) { try client.resume() }
            try client.send(["n": 1])
            let server = try #require(try await withTimeout { await accepted.value })
            server.suspend()
            server.suspend()
            try client.send(["n": 2])
            let early = Task { await collectMessages(server, count: 2) }
            try await Task.sleep(nanoseconds: 50_000_000)
            try server.resume()
            try server.resume()
            let (messages, error) = try await withTimeout { await early.value }
            #expect(error == nil)
            #expect(messages.map { $0.message["n"] } == [1, 2])
            #expect(throws: XPCTransportError.unbalancedResume) { try server.resume() }
            client.cancel()
            #expect(await firstError(of: server) == .connectionClosed)
            #expect(throws: XPCTransportError.cancelled) { try client.send(["late": true]) }
            server.cancel()
            listener.cancel()
        }

        @Test func settingsAfterFirstUseAreRefused() async throws {
            let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
            let connection = XPCConnection(endpoint: endpoint)
            connection.activate()
            #expect(throws: XPCTransportError.alreadyActivated) { try connection.setPeerRequirement(.userID(0)) }
            listener.activate()
            #expect(throws: XPCTransportError.alreadyActivated) { try listener.setPeerRequirement(.userID(0)) }
            connection.cancel()
            listener.cancel()
        }

        @Test func aCancelledRequestTaskEndsWithCancelled() async throws {
            let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
            listener.activate()  // accepts, but nobody answers
            let connection = XPCConnection(endpoint: endpoint)
            let request = Task { try await connection.sendRequest(["op": "never answered"]) }
            try await Task.sleep(nanoseconds: 20_000_000)
            request.cancel()
            await #expect(throws: XPCTransportError.cancelled) { try await withTimeout { try await request.value } }
            connection.cancel()
            listener.cancel()
        }

        @Test func aListenerReplacesAStaleSocketAndUnlinksItsPathOnCancel() async throws {
            let scratch = try ScratchDirectory()
            defer { scratch.remove() }
            let path = scratch.socket()
            let first = try XPCListener(socketPath: path)
            #expect(throws: XPCTransportError.system(.addressInUse, during: .bind)) { try XPCListener(socketPath: path) }
            first.cancel()
            #expect(!FileManager.default.fileExists(atPath: path))
            // A socket file left behind by a listener that died.
            let stale = try Platform.makeSocket(type: Platform.streamSocketType)
            try Platform.bind(stale, toPath: path)
            Platform.close(stale)
            let second = try XPCListener(socketPath: path)
            second.cancel()
            #expect(throws: XPCTransportError.invalidSocketPath(String(repeating: "x", count: 200), maximumLength: Platform.maximumSocketPathLength)) {
                try XPCListener(socketPath: String(repeating: "x", count: 200))
            }
        }

        @Test func connectingToNothingIsAnErrorEvent() async throws {
            let scratch = try ScratchDirectory()
            defer { scratch.remove() }
            let connection = XPCConnection(socketPath: scratch.socket("absent.sock"))
            await #expect(throws: XPCTransportError.system(.noSuchFileOrDirectory, during: .connect)) {
                try await withTimeout { try await connection.sendRequest(["op": "x"]) }
            }
            #expect(await firstError(of: connection) == .system(.noSuchFileOrDirectory, during: .connect))
        }
    }
}
