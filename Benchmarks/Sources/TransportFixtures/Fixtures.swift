import Foundation
import XPCWire
import XPCWireTransport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The two sides of the transport comparisons (issue 8), shared by the benchmarks
// (`XPCWireBenchmarks/TransportBenchmarks.swift`) and `TransportProfile`: the same messages
// through `XPCConnection` to an in-process `XPCServer`, and as envelope bytes over a bare
// socketpair.

/// `count` bytes of a fixed pseudo-random pattern (the benchmarks' 1 MiB payload).
public func blob(count: Int) -> [UInt8] {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 56)
    }
}

/// A request and its reply, as the benchmarks send them.
public struct Exchange: Sendable {
    public let request: XPCMessage
    public let reply: XPCMessage

    public init(request: XPCMessage, reply: XPCMessage) {
        self.request = request
        self.reply = reply
    }

    /// A small request/reply (latency).
    public static let small = Exchange(
        request: ["op": "ping", "id": .int64(42), "flags": .uint64(3), "name": "transport"],
        reply: ["status": "ok", "id": .int64(42), "flags": .uint64(3), "host": "benchmark"])

    /// A 1 MiB request and a tiny reply (throughput).
    public static let blob = Exchange(request: ["op": "store", "blob": .data(TransportFixtures.blob(count: 1 << 20))], reply: ["ok": true])
}

/// A bare `socketpair(AF_UNIX, SOCK_STREAM)` whose far end a thread serves: it reads each
/// request's bytes in full and writes the reply's bytes. `XPCWIRE_SNDBUF` sets `SO_SNDBUF` on
/// both ends.
public final class RawEcho: @unchecked Sendable {
    private let descriptor: Int32
    private let request: [UInt8]
    private var replyBuffer: [UInt8]

    public init(_ exchange: Exchange) throws {
        let encoder = XPCWireEncoder()
        request = try encoder.encode(exchange.request)
        let reply = try encoder.encode(exchange.reply)
        replyBuffer = [UInt8](repeating: 0, count: reply.count)
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, socketStream, 0, &pair) == 0 else { throw POSIXError(.EIO) }
        if let size = ProcessInfo.processInfo.environment["XPCWIRE_SNDBUF"].flatMap({ Int32($0) }) {
            for descriptor in pair {
                var value = size
                _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDBUF, &value, socklen_t(MemoryLayout<Int32>.size))
            }
        }
        descriptor = pair[0]
        let echo = pair[1]
        let requestSize = request.count
        Thread {
            var incoming = [UInt8](repeating: 0, count: requestSize)
            while Self.readExactly(echo, &incoming), Self.writeAll(echo, reply) {}
            closeDescriptor(echo)
        }.start()
        for _ in 0..<10 { _ = roundTrip() }
    }

    /// Writes the request and reads the whole reply; `false` if the far end is gone.
    public func roundTrip() -> Bool {
        writeRequest() && readReply()
    }

    /// Writes the request's bytes; `false` if the far end is gone.
    public func writeRequest() -> Bool { Self.writeAll(descriptor, request) }

    /// Reads one whole reply; `false` if the far end is gone.
    public func readReply() -> Bool { Self.readExactly(descriptor, &replyBuffer) }

    /// The time `count` round trips take.
    public func roundTrips(_ count: Int) -> Duration {
        let start = ContinuousClock.now
        for _ in 0..<count { _ = roundTrip() }
        return ContinuousClock.now - start
    }

    /// Closes our end; the thread sees end of file and exits.
    public func close() { closeDescriptor(descriptor) }

    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if written < 0, errno == EINTR { continue }
                if written <= 0 { return false }
                offset += written
            }
            return true
        }
    }

    private static func readExactly(_ descriptor: Int32, _ buffer: inout [UInt8]) -> Bool {
        buffer.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let got = read(descriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if got < 0, errno == EINTR { continue }
                if got <= 0 { return false }
                offset += got
            }
            return true
        }
    }
}

/// An `XPCServer` on an anonymous listener answering every request with the exchange's reply,
/// and a connected client.
public final class Served: Sendable {
    public let connection: XPCConnection
    public let request: XPCMessage
    private let server: XPCServer
    private let serverTask: Task<Void, Never>

    public init(_ exchange: Exchange, handlers: XPCServer.HandlerExecution) async throws {
        let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
        let reply = exchange.reply
        server = XPCServer(listener: listener, handlerExecution: handlers) { received, _ in
            received.expectsReply ? reply : nil
        }
        let server = self.server
        serverTask = Task { await server.run() }
        connection = XPCConnection(endpoint: endpoint)
        request = exchange.request
        _ = try await connection.sendRequest(["op": "warm-up"])
        for _ in 0..<10 { _ = try await connection.sendRequest(request) }
    }

    /// The time `count` round trips take, the caller on the global executor or, with
    /// `onConnectionExecutor`, preferring the client connection's executor (each reply then
    /// resumes it on the thread that read it). Off the main actor, as the benchmark harness runs
    /// it, so that no round trip also hops to the main actor and back.
    @concurrent
    public func roundTrips(_ count: Int, onConnectionExecutor: Bool) async throws -> Duration {
        let connection = self.connection
        let request = self.request
        func measure() async throws -> Duration {
            let start = ContinuousClock.now
            for _ in 0..<count { _ = try await connection.sendRequest(request) }
            return ContinuousClock.now - start
        }
        if onConnectionExecutor, #available(macOS 15, *) {
            return try await withTaskExecutorPreference(connection.executor) { try await measure() }
        }
        return try await measure()
    }

    public func close() {
        connection.cancel()
        server.cancel()
        serverTask.cancel()
    }
}

#if canImport(Glibc)
private let socketStream = Int32(SOCK_STREAM.rawValue)
#else
private let socketStream = SOCK_STREAM
#endif

private func closeDescriptor(_ descriptor: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(descriptor)
    #else
    _ = Darwin.close(descriptor)
    #endif
}

extension Duration {
    /// The duration in nanoseconds.
    public var nanoseconds: Double { Double(components.seconds) * 1e9 + Double(components.attoseconds) / 1e9 }
}

/// The raw socketpair of ``RawEcho`` with the caller's side shaped like an async client's: a
/// thread reads each reply and resumes the caller's continuation, and the caller (a task on
/// whatever executor it runs on) writes its request and awaits that continuation. What it adds
/// to ``RawEcho`` is exactly the cost of a reply reaching a task through another thread.
public final class RawAsyncEcho: @unchecked Sendable {
    private let echo: RawEcho
    private let lock = NSLock()
    private var waiting: UnsafeContinuation<Void, Never>?

    public init(_ exchange: Exchange) throws {
        echo = try RawEcho(exchange)
        let echo = self.echo
        Thread { [self] in
            while echo.readReply() { resumeWaiting() }
            // The far end is gone: nobody waits for a reply that will not come.
            resumeWaiting()
        }.start()
    }

    /// Writes the request, and returns once the reader thread has read the whole reply.
    public func roundTrip() async {
        await withUnsafeContinuation { continuation in
            lock.lock()
            waiting = continuation
            lock.unlock()
            if !echo.writeRequest() { resumeWaiting() }
        }
    }

    /// Resumes the caller waiting for a reply, if any.
    private func resumeWaiting() {
        lock.lock()
        let continuation = waiting
        waiting = nil
        lock.unlock()
        continuation?.resume()
    }

    /// The time `count` round trips take, the caller on the global executor.
    @concurrent
    public func roundTrips(_ count: Int) async -> Duration {
        let start = ContinuousClock.now
        for _ in 0..<count { await roundTrip() }
        return ContinuousClock.now - start
    }

    public func close() { echo.close() }
}
