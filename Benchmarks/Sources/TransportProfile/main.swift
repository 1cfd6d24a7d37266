import Foundation
import XPCWire
import XPCWireTransport
import TransportFixtures

// TransportProfile (issue 8): round trips through `XPCConnection.sendRequest` to an in-process
// `XPCServer`, for profilers that want a plain process rather than the benchmark harness, and the
// paired comparison with a raw socketpair that `compare.sh` reports.
//
//   TransportProfile small|blob COUNT          through XPCConnection and XPCServer, handlers and
//                                              caller on the connections' executors
//   TransportProfile pool-small|pool-blob COUNT the same with handlers and caller on the global
//                                              executor (`.concurrentPool`, no preference)
//   TransportProfile raw-small|raw-blob COUNT  the same envelopes over a bare socketpair, echoed
//                                              by a thread (as the `transport/raw.*` benchmarks)
//   TransportProfile paired OUT.tsv [ROUNDS]   the benchmarks' three comparisons with raw, in
//                                              interleaved blocks (see Paired.swift); with
//                                              PAIRED_ONLY=SUFFIX, only the comparisons whose
//                                              benchmark name ends with SUFFIX
//
// Prints the wall-clock time per round trip. System calls and context switches per round trip:
// run it twice under the tool with two counts and divide the difference, e.g.
//
//   strace -f -c TransportProfile small 2000                (and 1000)
//   perf stat -e context-switches,task-clock TransportProfile small 20000   (and 10000)

// The work runs in a detached task (top-level code is on the main actor) while the main thread waits on a semaphore, not in an async `main`:
// `valgrind` cannot follow the main thread into libdispatch's `dispatch_main`, so this way the
// binary also runs under callgrind (instructions per round trip; see the optimisation log).
func profile() async throws {
    let arguments = CommandLine.arguments
    let mode = arguments.count > 1 ? arguments[1] : "small"

    if mode == "paired" {
        let output = arguments.count > 2 ? arguments[2] : "paired.tsv"
        let rounds = arguments.count > 3 ? Int(arguments[3]) ?? 200 : 200
        try await runPaired(rounds: rounds, output: output)
        return
    }

    let raw = mode.hasPrefix("raw-")
    let pool = mode.hasPrefix("pool-")
    let shape = raw ? String(mode.dropFirst(4)) : pool ? String(mode.dropFirst(5)) : mode
    let count = arguments.count > 2 ? Int(arguments[2]) ?? 1_000 : 1_000
    let exchange = shape == "blob" ? Exchange.blob : Exchange.small

    func report(_ elapsed: Duration) {
        print("\(mode): \(count) round trips, \(String(format: "%.2f", elapsed.nanoseconds / Double(count) / 1000)) us each")
    }

    if raw {
        let echo = try RawEcho(exchange)
        report(echo.roundTrips(count))
        echo.close()
    } else {
        let served = try await Served(exchange, handlers: pool ? .concurrentPool : .connectionExecutor)
        report(try await served.roundTrips(count, onConnectionExecutor: !pool))
        served.close()
    }
}

let finished = DispatchSemaphore(value: 0)
Task.detached {
    do {
        try await profile()
    } catch {
        print("TransportProfile: \(error)")
        exit(1)
    }
    finished.signal()
}
finished.wait()
