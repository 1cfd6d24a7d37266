import ArgumentParser
import Foundation
import SystemPackage
import XPCWire
import XPCWireTransport

extension XPCWireCommand {
    /// `xpcwire serve PATH`: an echo server over the socket transport (SPEC §9.2).
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Listen on a Unix-domain socket and echo each request back with an added key.",
            discussion: """
                Prints one line when it is ready. Every request is answered with its own dictionary plus \
                "served": {"count", "pid", "peer-pid"}, and with its attachments sent back. Requests with \
                an "op" key do more: "write" writes "text" to the descriptor in "fd"; "endpoint" replies \
                with an endpoint to this server; "relay" connects through the endpoint in "endpoint" and \
                relays the request in "message"; "burst" sends "count" messages {"seq": n} before replying. \
                Messages that want no reply are counted (and "write" is carried out).
                """)

        @Argument(help: "The socket path to listen on.")
        var path: String

        @Flag(help: "Exit when standard input reaches end of file (for a supervised child process).")
        var untilStdinCloses = false

        @Option(help: "Accept only peers with this effective user id.")
        var requireUid: UInt32?

        @Option(help: "Accept only peers running this executable (absolute path, symbolic links resolved).")
        var requireExecutable: String?

        func run() throws {
            var options = XPCListener.Options()
            var requirements: [PeerSecurityRequirement] = []
            if let requireUid { requirements.append(.userID(requireUid)) }
            if let requireExecutable { requirements.append(.executablePath(requireExecutable)) }
            if !requirements.isEmpty { options.peerRequirement = .all(requirements) }
            let listener: XPCListener
            do {
                listener = try XPCListener(socketPath: path, options: options)
            } catch {
                FileIO.printError("xpcwire serve: \(error)")
                throw ExitCode(1)
            }
            let counter = ServeCounter()
            let server = XPCServer(listener: listener) { received, connection in
                try await ServeHandler.handle(received, on: connection, listener: listener, counter: counter)
            }
            let stop: @Sendable () -> Void = { server.cancel() }
            let signals = Self.onTerminationSignals(stop)
            if untilStdinCloses {
                Thread.detachNewThread {
                    _ = FileHandle.standardInput.readDataToEndOfFile()
                    stop()
                }
            }
            print("xpcwire serve: listening on \(path) (pid \(ProcessInfo.processInfo.processIdentifier))")
            fflush(nil)
            try AsyncBridge.run { await server.run() }
            withExtendedLifetime(signals) {}
            print("xpcwire serve: stopped after \(counter.value) messages")
        }

        /// SIGINT and SIGTERM cancel the server, so the socket path is unlinked.
        static func onTerminationSignals(_ stop: @escaping @Sendable () -> Void) -> [DispatchSourceSignal] {
            [SIGINT, SIGTERM].map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler(handler: stop)
                source.resume()
                return source
            }
        }
    }
}

/// Counts the messages a server handled.
final class ServeCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count: UInt64 = 0

    /// Counts one more message and returns the new total.
    func increment() -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }

    /// The total so far.
    var value: UInt64 {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}

/// What `xpcwire serve` does with one message.
enum ServeHandler {
    static func handle(
        _ received: XPCReceivedMessage, on connection: XPCConnection, listener: XPCListener, counter: ServeCounter
    ) async throws -> XPCMessage? {
        let count = counter.increment()
        var adopted = false
        defer { if !adopted { received.closeAttachments() } }
        let request = received.message.dictionaryValue ?? XPCDictionary()
        var served: XPCDictionary = [
            "count": .uint64(count),
            "pid": .int64(Int64(ProcessInfo.processInfo.processIdentifier)),
        ]
        if let peer = connection.peerCredentials?.processID { served["peer-pid"] = .int64(Int64(peer)) }
        switch request["op"]?.stringValue {
        case "write":
            if let slot = request["fd"]?.fdSlot, Int(slot) < received.attachments.count,
                case .fd(let descriptor) = received.attachments[Int(slot)], let text = request["text"]?.stringValue
            {
                _ = try descriptor.writeAll(Array(text.utf8))
            }
        case "endpoint" where received.expectsReply:
            try received.reply(["endpoint": .endpoint(slot: 0), "served": .dictionary(served)], attachments: [listener.endpoint.attachment])
            return nil
        case "relay" where received.expectsReply:
            guard let slot = request["endpoint"]?.endpointSlot, Int(slot) < received.attachments.count,
                case .endpoint(let handle) = received.attachments[Int(slot)], let message = request["message"]
            else { return nil }
            adopted = true
            for (index, attachment) in received.attachments.enumerated() where index != Int(slot) {
                if case .fd(let descriptor) = attachment { try? descriptor.close() }
            }
            let relay = XPCConnection(endpoint: XPCEndpoint(adopting: handle))
            defer { relay.cancel() }
            let answer = try await relay.sendRequest(message)
            try received.reply(["relayed": answer, "served": .dictionary(served)])
            return nil
        case "burst":
            let total = request["count"]?.int64Value ?? 0
            for sequence in 0..<max(0, total) { try connection.send(["seq": .int64(sequence)]) }
        default:
            break
        }
        guard received.expectsReply else { return nil }
        var reply = request
        reply["served"] = .dictionary(served)
        try received.reply(.dictionary(reply), attachments: received.attachments)
        return nil
    }
}

/// Runs async work from a synchronous command (the root command is synchronous): the calling
/// thread waits while the work runs on Swift concurrency's threads.
enum AsyncBridge {
    static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                box.result = .success(try await body())
            } catch {
                box.result = .failure(error)
            }
            done.signal()
        }
        done.wait()
        guard let result = box.result else { throw ExitCode(1) }
        return try result.get()
    }

    private final class ResultBox<T: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: Result<T, any Error>?

        var result: Result<T, any Error>? {
            get {
                lock.lock()
                defer { lock.unlock() }
                return stored
            }
            set {
                lock.lock()
                stored = newValue
                lock.unlock()
            }
        }
    }
}
