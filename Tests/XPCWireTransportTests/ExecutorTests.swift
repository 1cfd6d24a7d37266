import Foundation
import Testing
import XPCWire
@testable import XPCWireTransport

extension TransportTests {
    /// SPEC §9.2.10: each connection's thread reads its socket and runs the jobs of the tasks that
    /// prefer the connection's executor; `XPCServer` runs its handlers there unless told to use
    /// the global executor.
    @Suite struct ConnectionExecutor {
        @available(macOS 15, iOS 18, tvOS 18, watchOS 11, visionOS 2, *)
        @Test(arguments: [XPCServer.HandlerExecution.connectionExecutor, .concurrentPool])
        func handlersRunWhereTheServersHandlerExecutionSays(_ execution: XPCServer.HandlerExecution) async throws {
            let baseline = OpenDescriptors.count()
            do {
                let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
                let server = XPCServer(listener: listener, handlerExecution: execution) { received, connection in
                    let before = connection.core.loop.isCurrent
                    await Task.yield()
                    return ["before": .bool(before), "after": .bool(connection.core.loop.isCurrent), "echo": received.message]
                }
                #expect(server.handlerExecution == execution)
                let serving = Task { await server.run() }
                let connection = XPCConnection(endpoint: endpoint)
                for n in 0..<20 {
                    let reply = try await withTimeout { try await connection.sendRequest(["n": .int64(Int64(n))]) }
                    let onConnectionThread = execution == .connectionExecutor
                    #expect(reply["before"] == .bool(onConnectionThread))
                    #expect(reply["after"] == .bool(onConnectionThread))
                    #expect(reply["echo"] == ["n": .int64(Int64(n))])
                }
                connection.cancel()
                server.cancel()
                await serving.value
            }
            await OpenDescriptors.expectNoLeak(from: baseline, "handlers (\(execution))")
        }

        /// The server's workers wait for messages without a cancellation handler each: one handler
        /// per connection ends them all when the task running ``XPCServer/run()`` is cancelled.
        /// Here several workers per connection wait (after concurrent requests made them) on two
        /// connections; cancelling the task must end `run()`, and the server lets go of its
        /// connections, so the clients' next requests fail instead of hanging.
        @Test(arguments: [XPCServer.HandlerExecution.connectionExecutor, .concurrentPool])
        func cancellingTheServingTaskEndsEveryWaitingWorker(_ execution: XPCServer.HandlerExecution) async throws {
            let baseline = OpenDescriptors.count()
            do {
                let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
                let server = XPCServer(listener: listener, handlerExecution: execution) { received, _ in
                    await Task.yield()
                    return ["echo": received.message]
                }
                let serving = Task { await server.run() }
                let clients = [XPCConnection(endpoint: endpoint), XPCConnection(endpoint: endpoint)]
                for client in clients {
                    let replies = try await withTimeout {
                        try await withThrowingTaskGroup(of: Bool.self) { group in
                            for n in 0..<8 {
                                group.addTask { try await client.sendRequest(["n": .int64(Int64(n))])["echo"] == ["n": .int64(Int64(n))] }
                            }
                            return try await group.reduce(into: [Bool]()) { $0.append($1) }
                        }
                    }
                    #expect(replies == Array(repeating: true, count: 8))
                }
                serving.cancel()
                // Awaiting `serving.value` cannot be cut short, so a hang would hang the test run:
                // a separate task waits, and the test gives up after 20 seconds.
                let ended = ConditionLockFlag()
                Task {
                    await serving.value
                    _ = ended.setOnce()
                }
                #expect(await eventually(20) { ended.isSet }, "run() must return once its task is cancelled")
                for client in clients {
                    let outcome = try await withTimeout(20, "a request after the server stopped") { () -> XPCTransportError? in
                        do throws(XPCTransportError) {
                            _ = try await client.sendRequest(["after": true])
                            return nil
                        } catch {
                            return error
                        }
                    }
                    #expect(outcome != nil, "the server no longer answers, and the request must say so")
                    client.cancel()
                }
                server.cancel()
            }
            await OpenDescriptors.expectNoLeak(from: baseline, "serving task cancelled (\(execution))")
        }

        @available(macOS 15, iOS 18, tvOS 18, watchOS 11, visionOS 2, *)
        @Test func aCallerOnTheConnectionsExecutorIsResumedOnTheConnectionsThread() async throws {
            let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
            let server = XPCServer(listener: listener) { received, _ in ["echo": received.message] }
            let serving = Task { await server.run() }
            let connection = XPCConnection(endpoint: endpoint)
            let (replies, everyResumeOnLoop) = try await withTimeout {
                try await withTaskExecutorPreference(connection.executor) {
                    var replies: [XPCMessage] = []
                    var onLoop = true
                    for n in 0..<50 {
                        replies.append(try await connection.sendRequest(["n": .int64(Int64(n))]))
                        onLoop = onLoop && connection.core.loop.isCurrent
                    }
                    return (replies, onLoop)
                }
            }
            #expect(everyResumeOnLoop)
            #expect(replies.map { $0["echo"] } == (0..<50).map { ["n": .int64(Int64($0))] as XPCMessage? })
            // Without the preference the caller is not on the connection's thread.
            _ = try await withTimeout { try await connection.sendRequest(["n": 50]) }
            #expect(!connection.core.loop.isCurrent)
            connection.cancel()
            server.cancel()
            await serving.value
        }

        /// A handler on the connection's thread sends more than the socket holds (the writer thread
        /// takes the rest) and then waits for a request of its own to the client: the reply must be
        /// read by the very thread the handler runs on, between its jobs.
        @available(macOS 15, iOS 18, tvOS 18, watchOS 11, visionOS 2, *)
        @Test func aHandlerThatSendsAndRequestsOnItsOwnConnectionDoesNotDeadlock() async throws {
            let baseline = OpenDescriptors.count()
            do {
                let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
                let blob = [UInt8](repeating: 0x5A, count: 64 << 10)
                let messageCount = 200
                let server = XPCServer(listener: listener) { _, connection in
                    for n in 0..<messageCount {
                        try connection.send(["n": .int64(Int64(n)), "blob": .data(blob)])
                    }
                    let answer = try await connection.sendRequest(["question": "sum"])
                    return ["clientSaid": answer["answer"] ?? .null, "onConnectionThread": .bool(connection.core.loop.isCurrent)]
                }
                let serving = Task { await server.run() }
                let connection = XPCConnection(endpoint: endpoint)
                let client = Task { () -> Int in
                    var received = 0
                    for await event in connection.events {
                        guard case .message(let message) = event else { break }
                        if message.expectsReply {
                            try? message.reply(["answer": .int64(Int64(received))])
                        } else if message.message["blob"] == .data(blob) {
                            received += 1
                        }
                    }
                    return received
                }
                let reply = try await withTimeout(60) { try await connection.sendRequest(["op": "go"]) }
                #expect(reply["clientSaid"] == .int64(Int64(messageCount)))
                #expect(reply["onConnectionThread"] == .bool(true))
                connection.cancel()
                #expect(try await withTimeout { await client.value } == messageCount)
                server.cancel()
                await serving.value
            }
            await OpenDescriptors.expectNoLeak(from: baseline, "a handler sending on its own connection")
        }

        /// Jobs queued on the connection's thread while the connection is cancelled still run (each
        /// task ends, its request failing with `cancelled`), and then the thread exits; a task that
        /// prefers the executor afterwards gets a thread again.
        @available(macOS 15, iOS 18, tvOS 18, watchOS 11, visionOS 2, *)
        @Test func cancellingWithJobsQueuedRunsThemAllAndTheThreadThenExits() async throws {
            let baseline = OpenDescriptors.count()
            do {
                let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
                listener.activate()  // accepts, but nobody answers
                let connection = XPCConnection(endpoint: endpoint)
                let executor = connection.executor
                let loop = connection.core.loop
                // Park one request on the executor, so that the connection is up and read.
                let parked = Task(executorPreference: executor) { () -> XPCTransportError? in
                    do throws(XPCTransportError) {
                        _ = try await connection.sendRequest(["op": "never answered"])
                        return nil
                    } catch {
                        return error
                    }
                }
                #expect(await eventually { connection.core.state.withLock { $0.pending.count } == 1 })
                // Hold the connection's thread in a job, queue more jobs behind it, cancel.
                let holdingStarted = ConditionLock(false)
                let gate = ConditionLock(false)
                let holding = Task(executorPreference: executor) {
                    holdingStarted.withLock { $0 = true }
                    gate.wait(until: { $0 }, then: { _ in })
                }
                #expect(await eventually { holdingStarted.withLock { $0 } })
                let queued = (0..<100).map { n in
                    Task(executorPreference: executor) { () -> Bool in
                        let onThread = loop.isCurrent
                        let failed: Bool
                        do throws(XPCTransportError) {
                            _ = try await connection.sendRequest(["n": .int64(Int64(n))])
                            failed = false
                        } catch {
                            failed = error == .cancelled
                        }
                        return onThread && failed
                    }
                }
                #expect(await eventually { loop.state.withLock { $0.jobs.count } == 100 })
                connection.cancel()
                gate.withLockThenBroadcast { $0 = true }
                await holding.value
                for task in queued { #expect(try await withTimeout { await task.value }) }
                #expect(try await withTimeout { await parked.value } == .cancelled)
                #expect(await eventually { !loop.isRunning }, "the connection's thread exits")
                // A later job starts it again, and it exits again once idle.
                let late = Task(executorPreference: executor) { loop.isCurrent }
                #expect(try await withTimeout { await late.value })
                #expect(await eventually { !loop.isRunning })
                listener.cancel()
            }
            await OpenDescriptors.expectNoLeak(from: baseline, "cancel with jobs queued")
        }

        /// The connection's thread never blocks for backpressure: with its events buffer full it
        /// stops reading the socket, runs jobs meanwhile, and reads on when a consumer makes room.
        @available(macOS 15, iOS 18, tvOS 18, watchOS 11, visionOS 2, *)
        @Test func aFullEventsBufferStopsReadingWithoutBlockingTheThread() async throws {
            var options = XPCListener.Options()
            options.connectionOptions.maximumBufferedEvents = 4
            let (listener, endpoint) = try XPCEndpoint.anonymousChannel(options: options)
            let accepted = Task { () -> XPCConnection? in
                for await connection in listener.connections { return connection }
                return nil
            }
            let client = XPCConnection(endpoint: endpoint)
            try client.send(["n": 0])
            let server = try #require(try await withTimeout { await accepted.value })
            server.suspend()
            let count = 1000
            for n in 1..<count { try client.send(["n": .int64(Int64(n))]) }
            #expect(await eventually { server.core.events.bufferedCount == 4 })
            // Reading stopped at the limit, and the thread still runs jobs.
            let ran = try await withTimeout {
                await Task(executorPreference: server.executor) { server.core.loop.isCurrent }.value
            }
            #expect(ran)
            #expect(server.core.events.bufferedCount == 4)
            try server.resume()
            let (messages, error) = try await withTimeout { await collectMessages(server, count: count) }
            #expect(error == nil)
            #expect(messages.map { $0.message["n"]?.int64Value } == (0..<Int64(count)).map { $0 })
            client.cancel()
            server.cancel()
            listener.cancel()
        }
    }
}
