import Foundation
import XPCWire
import XPCWireTransport
import TransportFixtures

// The transport target (issue 8) compares two ways of moving the same bytes, and on a shared
// machine the time of a round trip is mostly the scheduler's: separate benchmarks, run a minute
// apart, see different loads, and their fastest samples are rare moments of luck (raw's fastest
// small round trip is a quarter of its median). Here each comparison runs as `rounds` pairs of
// blocks, raw and ours back to back (alternating which goes first), so both halves of a pair see
// the same load; the ratio of a pair is ours ÷ raw, and the median of those ratios is reported
// with its quartiles. The three comparisons are the benchmarks': a small request/reply called
// from the global executor (`transport/XPCConnection.requestReply`), the same called from the
// client connection's executor (`…requestReply.onExecutor`), and a 1 MiB request with a tiny
// reply (`…send1MiB`), the server's handlers on each connection's executor.

/// One comparison: its name, which exchange, where the caller waits, round trips per block.
private struct Comparison {
    let name: String
    let exchange: Exchange
    let onConnectionExecutor: Bool
    let perBlock: Int
    /// Whether raw's caller is shaped like ours on the global executor (``RawAsyncEcho``: a
    /// task awaits a continuation that a reader thread resumes) rather than a thread blocking
    /// in `read` (``RawEcho``).
    var asyncRaw = false
}

/// Runs the three comparisons and writes one line per comparison to `output`: name, rounds,
/// round trips per block, median raw and ours nanoseconds per round trip, and the first
/// quartile, median and third quartile of the pairs' ratios.
func runPaired(rounds: Int, output: String) async throws {
    let comparisons = [
        Comparison(name: "transport/XPCConnection.requestReply", exchange: .small, onConnectionExecutor: false, perBlock: 50),
        Comparison(name: "transport/XPCConnection.requestReply.onExecutor", exchange: .small, onConnectionExecutor: true, perBlock: 50),
        Comparison(name: "transport/XPCConnection.send1MiB", exchange: .blob, onConnectionExecutor: false, perBlock: 4),
        Comparison(
            name: "transport/XPCConnection.requestReply.vsAsyncRaw", exchange: .small, onConnectionExecutor: false, perBlock: 50,
            asyncRaw: true),
    ]
    var lines = ["# name\trounds\tround trips per block\traw ns\tours ns\tratio q1\tratio median\tratio q3"]
    let only = ProcessInfo.processInfo.environment["PAIRED_ONLY"]
    for comparison in comparisons where only.map({ comparison.name.hasSuffix($0) }) ?? true {
        let raw = comparison.asyncRaw ? nil : try RawEcho(comparison.exchange)
        let asyncRaw = comparison.asyncRaw ? try RawAsyncEcho(comparison.exchange) : nil
        let served = try await Served(comparison.exchange, handlers: .connectionExecutor)
        func rawBlock() async -> Double {
            if let raw { return raw.roundTrips(comparison.perBlock).nanoseconds }
            return await asyncRaw?.roundTrips(comparison.perBlock).nanoseconds ?? 0
        }
        var rawTimes: [Double] = []
        var ourTimes: [Double] = []
        var ratios: [Double] = []
        for round in 0..<rounds {
            let rawFirst = round % 2 == 0
            var rawTime = 0.0
            if rawFirst { rawTime = await rawBlock() }
            let ourTime = try await served.roundTrips(comparison.perBlock, onConnectionExecutor: comparison.onConnectionExecutor).nanoseconds
            if !rawFirst { rawTime = await rawBlock() }
            rawTimes.append(rawTime / Double(comparison.perBlock))
            ourTimes.append(ourTime / Double(comparison.perBlock))
            ratios.append(ourTime / rawTime)
        }
        raw?.close()
        asyncRaw?.close()
        served.close()
        let line = [
            comparison.name, String(rounds), String(comparison.perBlock),
            String(format: "%.0f", quantile(rawTimes, 0.5)), String(format: "%.0f", quantile(ourTimes, 0.5)),
            String(format: "%.3f", quantile(ratios, 0.25)), String(format: "%.3f", quantile(ratios, 0.5)),
            String(format: "%.3f", quantile(ratios, 0.75)),
        ].joined(separator: "\t")
        print(line)
        lines.append(line)
    }
    try (lines.joined(separator: "\n") + "\n").write(toFile: output, atomically: true, encoding: .utf8)
}

/// The `q` quantile of `values` (nearest rank); 0 when empty.
private func quantile(_ values: [Double], _ q: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let index = min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))
    return sorted[index]
}
