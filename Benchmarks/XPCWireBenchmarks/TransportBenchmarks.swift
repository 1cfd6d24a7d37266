import Benchmark
import Foundation
import XPCWire
import XPCWireTransport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Transport benchmarks (issue 8): `XPCConnection.sendRequest` to an in-process `XPCServer` over an
// anonymous listener, against the same envelope bytes written and read over a plain
// `socketpair(AF_UNIX, SOCK_STREAM)` with a thread echoing on the other end. One round trip per
// iteration; connections are made once, in each benchmark's setup. Target: the transport within
// 1.5× of raw for latency (`requestReply` vs `pingPong`) and throughput (`send1MiB`).
//
// The server runs its handlers on each connection's own thread (the default
// `XPCServer.HandlerExecution.connectionExecutor`). The harness calls each benchmark's closure
// once per sample from a task of its own, on the global executor, so in `requestReply` and
// `send1MiB` the reply resumes the caller on a pool thread. `requestReply.pool` runs the server's
// handlers on the global executor too (`.concurrentPool`). `requestReply.onExecutor` is a caller
// that stays on the client connection's executor (`withTaskExecutorPreference(connection.executor)`)
// for 1,000 round trips per sample, so each reply resumes it on the thread that read it; its
// counterpart `pingPong.x1000` makes 1,000 raw round trips per sample (both report the time per
// round trip).
//
//   swift package --disable-sandbox benchmark --filter 'transport/.*'

/// Registers the `transport/…` benchmarks.
func registerTransportBenchmarks() {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 10,
        scalingFactor: .one,
        maxDuration: .seconds(2),
        maxIterations: 20_000)

    let smallRequest: XPCMessage = ["op": "ping", "id": .int64(42), "flags": .uint64(3), "name": "transport"]
    let smallReply: XPCMessage = ["status": "ok", "id": .int64(42), "flags": .uint64(3), "host": "benchmark"]
    let blobRequest: XPCMessage = ["op": "store", "blob": .data(TransportFixture.blob(count: 1 << 20))]
    let tinyReply: XPCMessage = ["ok": true]

    registerPair(
        transportName: "transport/XPCConnection.requestReply", rawName: "transport/raw.socketpair.pingPong",
        request: smallRequest, reply: smallReply, configuration: configuration)
    registerTransport(
        "transport/XPCConnection.requestReply.pool", request: smallRequest, reply: smallReply, caller: .pool,
        execution: .concurrentPool, configuration: configuration)
    var thousand = configuration
    thousand.scalingFactor = .kilo
    thousand.maxIterations = 1_000
    thousand.maxDuration = .seconds(3)
    registerTransport(
        "transport/XPCConnection.requestReply.onExecutor", request: smallRequest, reply: smallReply,
        caller: .connectionExecutor, execution: .connectionExecutor, configuration: thousand)
    registerRaw("transport/raw.socketpair.pingPong.x1000", request: smallRequest, reply: smallReply, configuration: thousand)
    registerPair(
        transportName: "transport/XPCConnection.send1MiB", rawName: "transport/raw.socketpair.send1MiB",
        request: blobRequest, reply: tinyReply, configuration: configuration)
}

/// One transport benchmark and its raw-socketpair counterpart carrying the same bytes.
private func registerPair(
    transportName: String, rawName: String, request: XPCMessage, reply: XPCMessage,
    configuration: Benchmark.Configuration
) {
    registerTransport(
        transportName, request: request, reply: reply, caller: .pool, execution: .connectionExecutor,
        configuration: configuration)
    registerRaw(rawName, request: request, reply: reply, configuration: configuration)
}

/// Round trips of the same envelope bytes over a raw socketpair.
private func registerRaw(_ rawName: String, request: XPCMessage, reply: XPCMessage, configuration: Benchmark.Configuration) {
    let raw = Holder<RawSocketPairFixture>()
    Benchmark(rawName, configuration: configuration) { benchmark in
        guard let fixture = raw.value else { throw FixtureError.notSetUp }
        for _ in benchmark.scaledIterations {
            try fixture.roundTrip()
        }
    } setup: {
        let encoder = XPCWireEncoder()
        raw.value = try RawSocketPairFixture(request: try encoder.encode(request), reply: try encoder.encode(reply))
    } teardown: {
        raw.value?.close()
        raw.value = nil
    }
}

/// Where a benchmark's caller waits for its replies.
private enum Caller {
    /// The harness's own task, on the global executor.
    case pool
    /// The client connection's executor, for all the round trips of a sample.
    case connectionExecutor
}

/// Round trips through `XPCConnection.sendRequest` to an in-process `XPCServer` whose handlers run
/// where `execution` says.
private func registerTransport(
    _ name: String, request: XPCMessage, reply: XPCMessage, caller: Caller, execution: XPCServer.HandlerExecution,
    configuration: Benchmark.Configuration
) {
    let transport = Holder<TransportFixture>()
    Benchmark(name, configuration: configuration) { benchmark in
        guard let fixture = transport.value else { throw FixtureError.notSetUp }
        let connection = fixture.connection
        func roundTrips() async throws {
            for _ in benchmark.scaledIterations {
                blackHole(try await connection.sendRequest(request))
            }
        }
        if case .connectionExecutor = caller, #available(macOS 15, *) {
            try await withTaskExecutorPreference(connection.executor) { try await roundTrips() }
        } else {
            try await roundTrips()
        }
    } setup: {
        transport.value = try await TransportFixture(reply: reply, execution: execution)
    } teardown: {
        transport.value?.close()
        transport.value = nil
    }
}

private enum FixtureError: Error {
    case notSetUp
    case system(String, Int32)
    case peerClosed
}

/// A value set in a benchmark's setup and read by its body and teardown.
private final class Holder<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value?

    var value: Value? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// An anonymous listener served by an `XPCServer` that answers every request with `reply`, and a
/// connected client.
private final class TransportFixture: Sendable {
    let server: XPCServer
    let connection: XPCConnection
    private let serverTask: Task<Void, Never>

    init(reply: XPCMessage, execution: XPCServer.HandlerExecution) async throws {
        let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
        server = XPCServer(listener: listener, handlerExecution: execution) { received, _ in
            received.expectsReply ? reply : nil
        }
        let server = self.server
        serverTask = Task { await server.run() }
        connection = XPCConnection(endpoint: endpoint)
        // Connect and complete the handshake outside the measurement.
        _ = try await connection.sendRequest(["op": "warm-up"])
    }

    func close() {
        connection.cancel()
        server.cancel()
        serverTask.cancel()
    }

    /// `count` bytes of a fixed pseudo-random pattern.
    static func blob(count: Int) -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
    }
}

/// A `socketpair(AF_UNIX, SOCK_STREAM)`; a thread on the far end reads each request's bytes in
/// full and answers with the reply's bytes.
private final class RawSocketPairFixture: @unchecked Sendable {
    private let descriptor: Int32
    private let request: [UInt8]
    private var replyBuffer: [UInt8]

    init(request: [UInt8], reply: [UInt8]) throws {
        var pair: [Int32] = [-1, -1]
        #if canImport(Glibc)
        let type = Int32(SOCK_STREAM.rawValue)
        #else
        let type = SOCK_STREAM
        #endif
        guard socketpair(AF_UNIX, type, 0, &pair) == 0 else { throw FixtureError.system("socketpair", errno) }
        descriptor = pair[0]
        self.request = request
        replyBuffer = [UInt8](repeating: 0, count: reply.count)
        let echoDescriptor = pair[1]
        let requestSize = request.count
        let thread = Thread {
            var incoming = [UInt8](repeating: 0, count: requestSize)
            while (try? Self.readExactly(echoDescriptor, into: &incoming)) != nil,
                (try? Self.writeAll(echoDescriptor, reply)) != nil {}
            closeDescriptor(echoDescriptor)
        }
        thread.start()
        // Warm the path once outside the measurement.
        try roundTrip()
    }

    /// Writes the request and reads the whole reply.
    func roundTrip() throws {
        try Self.writeAll(descriptor, request)
        try Self.readExactly(descriptor, into: &replyBuffer)
    }

    /// Closes our end; the echo thread sees end of file and exits.
    func close() {
        closeDescriptor(descriptor)
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw FixtureError.system("write", errno)
                }
                offset += written
            }
        }
    }

    private static func readExactly(_ descriptor: Int32, into buffer: inout [UInt8]) throws {
        try buffer.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let count = read(descriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw FixtureError.system("read", errno)
                }
                if count == 0 { throw FixtureError.peerClosed }
                offset += count
            }
        }
    }
}

private func closeDescriptor(_ descriptor: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(descriptor)
    #else
    _ = Darwin.close(descriptor)
    #endif
}
