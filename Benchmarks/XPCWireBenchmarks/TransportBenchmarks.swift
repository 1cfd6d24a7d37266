import Benchmark
import Foundation
import TransportFixtures
import XPCWire
import XPCWireTransport

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
// round trip). Both sides come from `Sources/TransportFixtures`, which `TransportProfile paired`
// uses too.
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

    registerPair(
        transportName: "transport/XPCConnection.requestReply", rawName: "transport/raw.socketpair.pingPong",
        exchange: .small, configuration: configuration)
    registerTransport(
        "transport/XPCConnection.requestReply.pool", exchange: .small, onConnectionExecutor: false,
        handlers: .concurrentPool, configuration: configuration)
    var thousand = configuration
    thousand.scalingFactor = .kilo
    thousand.maxIterations = 1_000
    thousand.maxDuration = .seconds(3)
    registerTransport(
        "transport/XPCConnection.requestReply.onExecutor", exchange: .small, onConnectionExecutor: true,
        handlers: .connectionExecutor, configuration: thousand)
    registerRaw("transport/raw.socketpair.pingPong.x1000", exchange: .small, configuration: thousand)
    registerPair(
        transportName: "transport/XPCConnection.send1MiB", rawName: "transport/raw.socketpair.send1MiB",
        exchange: .blob, configuration: configuration)
}

/// One transport benchmark, its caller on the global executor, and its raw-socketpair
/// counterpart carrying the same bytes.
private func registerPair(transportName: String, rawName: String, exchange: Exchange, configuration: Benchmark.Configuration) {
    registerTransport(
        transportName, exchange: exchange, onConnectionExecutor: false, handlers: .connectionExecutor,
        configuration: configuration)
    registerRaw(rawName, exchange: exchange, configuration: configuration)
}

/// Round trips of the exchange's envelope bytes over a raw socketpair.
private func registerRaw(_ rawName: String, exchange: Exchange, configuration: Benchmark.Configuration) {
    let raw = Holder<RawEcho>()
    Benchmark(rawName, configuration: configuration) { benchmark in
        guard let echo = raw.value else { throw FixtureError.notSetUp }
        for _ in benchmark.scaledIterations {
            guard echo.roundTrip() else { throw FixtureError.peerClosed }
        }
    } setup: {
        raw.value = try RawEcho(exchange)
    } teardown: {
        raw.value?.close()
        raw.value = nil
    }
}

/// Round trips through `XPCConnection.sendRequest` to an in-process `XPCServer` whose handlers run
/// where `handlers` says; the caller on the global executor or, with `onConnectionExecutor`,
/// preferring the client connection's executor for all the round trips of a sample.
private func registerTransport(
    _ name: String, exchange: Exchange, onConnectionExecutor: Bool, handlers: XPCServer.HandlerExecution,
    configuration: Benchmark.Configuration
) {
    let served = Holder<Served>()
    Benchmark(name, configuration: configuration) { benchmark in
        guard let served = served.value else { throw FixtureError.notSetUp }
        blackHole(try await served.roundTrips(benchmark.scaledIterations.count, onConnectionExecutor: onConnectionExecutor))
    } setup: {
        served.value = try await Served(exchange, handlers: handlers)
    } teardown: {
        served.value?.close()
        served.value = nil
    }
}

private enum FixtureError: Error {
    case notSetUp
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
