import Foundation
import SystemPackage
import Testing
import XPCWire
@testable import XPCWireTransport

extension TransportTests {
    /// The transport between processes: this test process and `xpcwire serve` / `xpcwire send`.
    @Suite(.enabled(if: CLI.isAvailable, "the built xpcwire executable was not found next to the test bundle; set XPCWIRE_CLI"))
    struct CrossProcess {
        @Test func requestReplyAndFireAndForgetWithAServeProcess() async throws {
            await ProcessWarmUp.run()
            let baseline = OpenDescriptors.count()
            let scratch = try ScratchDirectory()
            defer { scratch.remove() }
            let (serve, path) = try await startServe(in: scratch)
            do {
                let connection = XPCConnection(socketPath: path)
                try connection.send(["note": "fire and forget"])
                let reply = try await withTimeout { try await connection.sendRequest(["op": "echo", "n": 42]) }
                #expect(reply["n"] == 42)
                #expect(reply["op"] == "echo")
                let served = try #require(reply["served"])
                // XPCServer runs handlers concurrently: the fire-and-forget message's handler may
                // count it before or after this request's (the total is checked below).
                #expect(served["count"] == .uint64(1) || served["count"] == .uint64(2))
                #expect(served["peer-pid"] == .int64(Int64(ProcessInfo.processInfo.processIdentifier)))
                #expect(connection.peerCredentials?.processID == serve.process.processIdentifier)
                connection.cancel()
            }
            await serve.stop()
            #expect(serve.printed.contains("stopped after 2 messages"))
            await OpenDescriptors.expectNoLeak(from: baseline, "cross-process request/reply")
        }

        @Test func theSendCommandGetsAReplyFromThisProcess() async throws {
            await ProcessWarmUp.run()
            let baseline = OpenDescriptors.count()
            let scratch = try ScratchDirectory()
            defer { scratch.remove() }
            do {
                let listener = try XPCListener(socketPath: scratch.socket())
                let server = XPCServer(listener: listener) { received, connection in
                    ["got": received.message, "from": .int64(Int64(connection.peerCredentials?.processID ?? -1))]
                }
                let serving = Task { await server.run() }
                let cli = try #require(CLI.url)
                let send = try ChildProcess(cli, ["send", scratch.socket(), #"{"dictionary": [["q", {"string": "hi"}]]}"#, "--compact"])
                #expect(try await send.waitForExit() == 0)
                let printed = send.printed
                #expect(printed.contains(#"["got",{"dictionary":[["q",{"string":"hi"}]]}]"#))
                #expect(printed.contains(#"["from",{"int64":"\#(send.process.processIdentifier)"}]"#))
                await send.stop()
                server.cancel()
                await serving.value
            }
            await OpenDescriptors.expectNoLeak(from: baseline, "xpcwire send")
        }

        @Test func tenThousandMessagesFromAnotherProcessArriveInOrder() async throws {
            let scratch = try ScratchDirectory()
            defer { scratch.remove() }
            let (serve, path) = try await startServe(in: scratch)
            do {
                let connection = XPCConnection(socketPath: path)
                let collecting = Task { await collectMessages(connection, count: 10_000) }
                let reply = try await withTimeout { try await connection.sendRequest(["op": "burst", "count": 10_000]) }
                #expect(reply["count"] == 10_000)
                let (messages, error) = try await withTimeout { await collecting.value }
                #expect(error == nil)
                #expect(messages.map { $0.message["seq"]?.int64Value ?? -1 } == (0..<10_000).map { Int64($0) })
                connection.cancel()
            }
            await serve.stop()
        }

        @Test func aPipeWriteEndSentToAnotherProcessWritesBackToUs() async throws {
            await ProcessWarmUp.run()
            let baseline = OpenDescriptors.count()
            let scratch = try ScratchDirectory()
            defer { scratch.remove() }
            let (serve, path) = try await startServe(in: scratch)
            do {
                let (readEnd, writeEnd) = try makePipe()
                defer { try? readEnd.close() }
                let connection = XPCConnection(socketPath: path)
                let text = "written by another process\n"
                // Fire and forget, then a request: both write through the same passed descriptor.
                try connection.send(["op": "write", "fd": .fd(slot: 0), "text": .string(text)], attachments: [.fd(writeEnd)])
                let reply = try await withTimeout {
                    try await connection.sendRequestReceivingAttachments(
                        ["op": "write", "fd": .fd(slot: 0), "text": .string(text)], attachments: [.fd(writeEnd)])
                }
                try writeEnd.close()  // ours; the transport sent duplicates
                #expect(reply.attachments.count == 1)  // the server sent its copy back
                reply.closeAttachments()
                connection.cancel()
                let bytes = try await readExactly(2 * text.utf8.count, from: readEnd)
                #expect(String(decoding: bytes, as: UTF8.self) == text + text)
            }
            await serve.stop()
            await OpenDescriptors.expectNoLeak(from: baseline, "passing a pipe")
        }

        @Test func anEndpointHandedFromAThroughBReachesAFromC() async throws {
            await ProcessWarmUp.run()
            let baseline = OpenDescriptors.count()
            let scratch = try ScratchDirectory()
            defer { scratch.remove() }
            // A and C are serve processes; this process is B, which only passes the endpoint on.
            let (processA, pathA) = try await startServe(in: scratch, name: "a.sock")
            let (processC, pathC) = try await startServe(in: scratch, name: "c.sock")
            do {
                let toA = XPCConnection(socketPath: pathA)
                let offer = try await withTimeout { try await toA.sendRequestReceivingAttachments(["op": "endpoint"]) }
                guard case .endpoint(let handle)? = offer.attachments.first, offer.message["endpoint"] == .endpoint(slot: 0) else {
                    Issue.record("no endpoint in \(offer.message)")
                    return
                }
                let endpoint = XPCEndpoint(adopting: handle)
                toA.cancel()
                let toC = XPCConnection(socketPath: pathC)
                let relayed = try await withTimeout {
                    try await toC.sendRequest(
                        ["op": "relay", "endpoint": .endpoint(slot: 0), "message": ["hello": "from C"]],
                        attachments: [endpoint.attachment])
                }
                toC.cancel()
                let answer = try #require(relayed["relayed"])
                #expect(answer["hello"] == "from C")
                #expect(answer["served"]?["pid"] == .int64(Int64(processA.process.processIdentifier)))
                #expect(answer["served"]?["peer-pid"] == .int64(Int64(processC.process.processIdentifier)))
            }
            await processA.stop()
            await processC.stop()
            await OpenDescriptors.expectNoLeak(from: baseline, "an endpoint through three processes")
        }

        @Test func aListenerRequirementRejectsAnotherProcessAndAcceptsItsExecutable() async throws {
            await ProcessWarmUp.run()
            let baseline = OpenDescriptors.count()
            let scratch = try ScratchDirectory()
            defer { scratch.remove() }
            let cli = try #require(CLI.url)
            do {
                var options = XPCListener.Options()
                options.peerRequirement = .executablePath("/nonexistent/xpcwire")
                let listener = try XPCListener(socketPath: scratch.socket(), options: options)
                let watching = Task { () -> XPCTransportError? in
                    for await connection in listener.connections { return await firstError(of: connection) }
                    return nil
                }
                let send = try ChildProcess(cli, ["send", scratch.socket(), #"{"dictionary": []}"#])
                #expect(try await send.waitForExit() != 0)
                let error = try await withTimeout { await watching.value }
                guard case .peerRequirementFailed(let credentials, .executablePath(required: "/nonexistent/xpcwire", _))? = error else {
                    Issue.record("expected an executable path failure, got \(String(describing: error))")
                    return
                }
                #expect(credentials?.processID == send.process.processIdentifier)
                await send.stop()
                listener.cancel()
            }
            do {
                var options = XPCListener.Options()
                options.peerRequirement = .executablePath(cli.path).and(.userID(UInt32(getuid())))
                let listener = try XPCListener(socketPath: scratch.socket(), options: options)
                let server = XPCServer(listener: listener) { _, _ in ["accepted": true] }
                let serving = Task { await server.run() }
                let send = try ChildProcess(cli, ["send", scratch.socket(), #"{"dictionary": []}"#, "--compact"])
                #expect(try await send.waitForExit() == 0)
                #expect(send.printed.contains(#"["accepted",{"bool":true}]"#))
                await send.stop()
                server.cancel()
                await serving.value
            }
            await OpenDescriptors.expectNoLeak(from: baseline, "a rejected peer process")
        }

        @Test func aPeerKilledMidFrameIsAnErrorEventNotAHang() async throws {
            await ProcessWarmUp.run()
            let baseline = OpenDescriptors.count()
            let scratch = try ScratchDirectory()
            defer { scratch.remove() }
            do {
                let (listener, _) = try XPCEndpoint.anonymousChannel()
                let watching = Task { () -> XPCTransportError? in
                    for await connection in listener.connections { return await firstError(of: connection) }
                    return nil
                }
                // The peer process gets the raw socket as its standard output, writes a hello and the
                // first half of a frame, and kills itself.
                let envelope = try XPCWireEncoder().encode(["data": .data(Array(repeating: 7, count: 1000))])
                let partial = helloFrame + Array(frameBytes(.message, id: 1, envelope: envelope).prefix(500))
                let file = scratch.path + "/partial.bin"
                try Data(partial).write(to: URL(fileURLWithPath: file))
                let socket = try rawPeer(of: listener)
                let peer = try ChildProcess(
                    URL(fileURLWithPath: "/bin/sh"), ["-c", "cat \"$0\"; kill -KILL $$", file],
                    standardOutput: FileHandle(fileDescriptor: socket.descriptor, closeOnDealloc: false))
                _ = consume socket  // our copy closes; the child holds the only other one
                try await peer.waitForExit()
                let error = try await withTimeout { await watching.value }
                #expect(error == .peerClosedMidFrame(receivedBytes: 500, frameSize: FrameHeader.size + envelope.count))
                await peer.stop()
                listener.cancel()
            }
            await OpenDescriptors.expectNoLeak(from: baseline, "a peer killed mid-frame")
        }
    }
}
