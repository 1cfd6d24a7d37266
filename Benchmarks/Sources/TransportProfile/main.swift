import Foundation
import XPCWire
import XPCWireTransport

// TransportProfile (issue 8): round trips through `XPCConnection.sendRequest` to an in-process
// `XPCServer`, for profilers that want a plain process rather than the benchmark harness.
//
//   TransportProfile small|blob COUNT          through XPCConnection and XPCServer, handlers and
//                                              caller on the connections' executors
//   TransportProfile pool-small|pool-blob COUNT the same with handlers and caller on the global
//                                              executor (`.concurrentPool`, no preference)
//   TransportProfile raw-small|raw-blob COUNT  the same envelopes over a bare socketpair, echoed
//                                              by a thread (as the `transport/raw.*` benchmarks)
//
// Prints the wall-clock time per round trip. Instructions, system calls and context switches per
// round trip: run it twice under the tool with two counts and divide the difference, e.g.
//
//   valgrind --tool=callgrind TransportProfile small 2000   (and 1000)
//   strace -f -c TransportProfile small 2000                (and 1000)
//   perf stat -e context-switches,task-clock TransportProfile small 20000   (and 10000)

let arguments = CommandLine.arguments
let mode = arguments.count > 1 ? arguments[1] : "small"
let raw = mode.hasPrefix("raw-")
let pool = mode.hasPrefix("pool-")
let shape = raw ? String(mode.dropFirst(4)) : pool ? String(mode.dropFirst(5)) : mode
let count = arguments.count > 2 ? Int(arguments[2]) ?? 1_000 : 1_000

func blob(count: Int) -> [UInt8] {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 56)
    }
}

let request: XPCMessage
let reply: XPCMessage
if shape == "blob" {
    request = ["op": "store", "blob": .data(blob(count: 1 << 20))]
    reply = ["ok": true]
} else {
    request = ["op": "ping", "id": .int64(42), "flags": .uint64(3), "name": "transport"]
    reply = ["status": "ok", "id": .int64(42), "flags": .uint64(3), "host": "benchmark"]
}

if raw {
    let encoder = XPCWireEncoder()
    let nanoseconds = try rawRoundTrips(count, request: try encoder.encode(request), reply: try encoder.encode(reply))
    print("\(mode): \(count) round trips, \(String(format: "%.2f", nanoseconds / Double(count) / 1000)) us each")
    exit(0)
}

/// Writes `request` and reads `reply.count` bytes `count` times over a socketpair whose other end
/// a thread serves; returns the nanoseconds taken.
func rawRoundTrips(_ count: Int, request: [UInt8], reply: [UInt8]) throws -> Double {
    var pair: [Int32] = [-1, -1]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else { throw POSIXError(.EIO) }
    if let size = ProcessInfo.processInfo.environment["XPCWIRE_SNDBUF"].flatMap({ Int32($0) }) {
        for descriptor in pair {
            var value = size
            _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDBUF, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }
    @Sendable func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
    @Sendable func readExactly(_ descriptor: Int32, _ buffer: inout [UInt8]) -> Bool {
        buffer.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let got = read(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if got <= 0 { return false }
                offset += got
            }
            return true
        }
    }
    let echo = pair[1]
    let requestSize = request.count
    let thread = Thread {
        var incoming = [UInt8](repeating: 0, count: requestSize)
        while readExactly(echo, &incoming) { writeAll(echo, reply) }
        close(echo)
    }
    thread.start()
    var replyBuffer = [UInt8](repeating: 0, count: reply.count)
    for _ in 0..<10 {
        writeAll(pair[0], request)
        _ = readExactly(pair[0], &replyBuffer)
    }
    let start = ContinuousClock.now
    for _ in 0..<count {
        writeAll(pair[0], request)
        _ = readExactly(pair[0], &replyBuffer)
    }
    let elapsed = ContinuousClock.now - start
    close(pair[0])
    return Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
}

let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
let server = XPCServer(listener: listener, handlerExecution: pool ? .concurrentPool : .connectionExecutor) { received, _ in
    received.expectsReply ? reply : nil
}
let serverTask = Task { await server.run() }
let connection = XPCConnection(endpoint: endpoint)
_ = try await connection.sendRequest(["op": "warm-up"])
for _ in 0..<10 { _ = try await connection.sendRequest(request) }

/// The measured loop, off the main actor (as the benchmark harness runs it), so that every
/// round trip does not also hop to the main actor and back.
/// On the connection's executor unless `pool`: each reply resumes the loop on the thread that read it.
@concurrent
func roundTrips(_ count: Int, _ connection: XPCConnection, _ request: XPCMessage, pool: Bool) async throws -> Duration {
    func measure() async throws -> Duration {
        let start = ContinuousClock.now
        for _ in 0..<count {
            _ = try await connection.sendRequest(request)
        }
        return ContinuousClock.now - start
    }
    if !pool, #available(macOS 15, *) {
        return try await withTaskExecutorPreference(connection.executor) { try await measure() }
    }
    return try await measure()
}

let elapsed = try await roundTrips(count, connection, request, pool: pool)
let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
print("\(shape): \(count) round trips, \(String(format: "%.2f", nanoseconds / Double(count) / 1000)) us each")
connection.cancel()
server.cancel()
serverTask.cancel()
