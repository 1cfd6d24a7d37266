import Foundation
import SystemPackage
import Testing
import XPCWire
@testable import XPCWireTransport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every transport test, one at a time: the descriptor counts of one test must not see another's
/// sockets. Nested suites live in the other files.
@Suite(.serialized) struct TransportTests {}

/// A bounded wait elapsed: the operation hung.
struct TimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out: \(what)" }
}

/// Runs `body`, failing with ``TimedOut`` after `seconds` (a hang guard, never a timing assertion).
func withTimeout<T: Sendable>(
    _ seconds: Double = 20, _ what: String = "operation", _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TimedOut(what: what) }
        return value
    }
}

/// Polls `condition` every 10 ms until it holds or `seconds` pass; returns whether it held.
func eventually(_ seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(nanoseconds: 10_000_000)
    }
    return condition()
}

/// Open descriptors of this process.
enum OpenDescriptors {
    /// The number of open descriptors, not counting the one used to list them, nor (on Linux) the
    /// `anon_inode` descriptors (epoll, eventfd, timerfd) that Dispatch and the runtime create
    /// lazily. The transport's own `anon_inode` descriptors, one epoll instance per connection
    /// thread, are counted by ``eventPollCount()``.
    static func count() -> Int {
        if FileManager.default.fileExists(atPath: "/proc/self/fd") {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            let runtime = entries.filter { entry in
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + entry)) ?? ""
                return target.hasPrefix("anon_inode:")
            }
            return entries.count - runtime.count - 1
        }
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/dev/fd")) ?? []).count - 1
    }

    /// The number of open epoll instances (Linux; 0 elsewhere).
    static func eventPollCount() -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.filter { entry in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + entry)) == "anon_inode:[eventpoll]"
        }.count
    }

    /// What each open descriptor refers to (Linux), for leak reports.
    static func listing() -> String {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.compactMap { entry in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + entry)).map { "\(entry)→\($0)" }
        }.sorted().joined(separator: " ")
    }

    /// Expects the count to come back to `baseline` once the transport's threads have let go of
    /// their sockets (bounded wait).
    static func expectNoLeak(from baseline: Int, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) async {
        let settled = await eventually { count() <= baseline }
        #expect(settled, "descriptors leaked by \(what): \(baseline) before, \(count()) after: \(listing())", sourceLocation: sourceLocation)
    }
}

/// A fresh directory for socket files, removed by `remove()`.
struct ScratchDirectory {
    let path: String

    init() throws {
        let base = FileManager.default.fileExists(atPath: "/tmp") ? "/tmp" : NSTemporaryDirectory()
        path = base + "/xpcwt-" + String(UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func socket(_ name: String = "s.sock") -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The built `xpcwire` executable, next to the test bundle (or `XPCWIRE_CLI`).
enum CLI {
    static let url: URL? = {
        var candidates: [URL] = []
        if let override = ProcessInfo.processInfo.environment["XPCWIRE_CLI"] {
            candidates.append(URL(fileURLWithPath: override))
        }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        candidates.append(exe.deletingLastPathComponent().appendingPathComponent("xpcwire"))
        if let main = Bundle.main.executableURL {
            candidates.append(main.deletingLastPathComponent().appendingPathComponent("xpcwire"))
        }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("xpcwire"))
        }
        if let argument = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: argument).deletingLastPathComponent().appendingPathComponent("xpcwire"))
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }?.resolvingSymlinksInPath()
    }()

    static var isAvailable: Bool { url != nil }
}

/// A child process with piped standard streams, read on a thread of its own.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let lock = NSLock()
    private var collected = Data()
    private var readerDone = false

    /// Starts `executable` with `arguments`; standard output is collected, standard input stays
    /// open until ``closeInput()``. `standardOutput` replaces the output pipe when given.
    init(_ executable: URL, _ arguments: [String], standardOutput: FileHandle? = nil) throws {
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = standardOutput ?? output
        process.standardError = FileHandle.standardError
        try process.run()
        // The child has its copies; without ours the reader sees end of file when the child exits.
        try? output.fileHandleForWriting.close()
        try? input.fileHandleForReading.close()
        let reader = output.fileHandleForReading
        if standardOutput == nil {
            Thread.detachNewThread { [self] in
                while true {
                    let chunk = reader.availableData
                    if chunk.isEmpty { break }
                    lock.lock()
                    collected.append(chunk)
                    lock.unlock()
                }
                try? reader.close()
                lock.lock()
                readerDone = true
                lock.unlock()
            }
        } else {
            try? reader.close()
            readerDone = true
        }
    }

    private var isReaderDone: Bool {
        lock.lock()
        defer { lock.unlock() }
        return readerDone
    }

    /// Everything the child printed so far.
    var printed: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: collected, as: UTF8.self)
    }

    /// Waits (bounded) until the child printed `text`.
    func waitForOutput(containing text: String, seconds: Double = 20) async throws {
        guard await eventually(seconds, { printed.contains(text) }) else {
            throw TimedOut(what: "child output \(String(reflecting: text)); got \(String(reflecting: printed))")
        }
    }

    /// Waits (bounded) for the child to exit and returns its status.
    @discardableResult
    func waitForExit(seconds: Double = 20) async throws -> Int32 {
        guard await eventually(seconds, { !process.isRunning }) else {
            process.terminate()
            throw TimedOut(what: "child exit")
        }
        return process.terminationStatus
    }

    /// Closes the child's standard input (`serve --until-stdin-closes` then stops).
    func closeInput() {
        try? input.fileHandleForWriting.close()
    }

    /// Stops the child and releases the pipes.
    func stop() async {
        closeInput()
        if (try? await waitForExit(seconds: 10)) == nil, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            _ = await eventually(5) { !process.isRunning }
        }
        _ = await eventually(10) { isReaderDone }
    }
}

/// Foundation's `Process` opens descriptors of its own the first time it is used (a socket pair
/// for its monitoring thread); run one child first so that leak counts see only the transport.
enum ProcessWarmUp {
    private static let done = ConditionLockFlag()

    static func run() async {
        guard done.setOnce() else { return }
        if let child = try? ChildProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "exit 0"]) {
            await child.stop()
        }
    }
}

/// A flag set once, thread-safely.
final class ConditionLockFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var set = false

    /// `true` the first time only.
    func setOnce() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if set { return false }
        set = true
        return true
    }

    /// Whether it was set.
    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return set
    }
}

/// An `xpcwire serve` child on a socket in `directory`, ready to accept.
func startServe(in directory: ScratchDirectory, name: String = "serve.sock", extra: [String] = []) async throws -> (ChildProcess, String) {
    guard let cli = CLI.url else { throw TimedOut(what: "no CLI") }
    let path = directory.socket(name)
    let child = try ChildProcess(cli, ["serve", path, "--until-stdin-closes"] + extra)
    try await child.waitForOutput(containing: "listening on")
    return (child, path)
}

/// Collects the messages of a connection's events until `count` arrived or an error ended them;
/// rejections (SPEC §9.2.9) are skipped.
func collectMessages(_ connection: XPCConnection, count: Int) async -> ([XPCReceivedMessage], XPCTransportError?) {
    var messages: [XPCReceivedMessage] = []
    for await event in connection.events {
        switch event {
        case .message(let received):
            messages.append(received)
            if messages.count == count { return (messages, nil) }
        case .rejected:
            continue
        case .error(let error):
            return (messages, error)
        }
    }
    return (messages, nil)
}

/// The first error event of a connection, skipping (and releasing) messages and rejections.
func firstError(of connection: XPCConnection) async -> XPCTransportError? {
    for await event in connection.events {
        switch event {
        case .message(let received): received.closeAttachments()
        case .rejected: continue
        case .error(let error): return error
        }
    }
    return nil
}

/// Collects a connection's first `count` events (messages, rejections, the error).
func collectEvents(_ connection: XPCConnection, count: Int) async -> [XPCConnection.Event] {
    var events: [XPCConnection.Event] = []
    for await event in connection.events {
        events.append(event)
        if events.count == count { break }
    }
    return events
}

/// A pipe whose ends close with the returned handles.
func makePipe() throws -> (read: FileDescriptor, write: FileDescriptor) {
    let pipe = try FileDescriptor.pipe()
    return (pipe.readEnd, pipe.writeEnd)
}

/// Runs `body` with a fresh pipe, closes both ends, and then expects the process to hold no more
/// descriptors than before (`what` names the case in the failure).
func withPipe(
    expectingNoLeak what: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (_ readEnd: FileDescriptor, _ writeEnd: FileDescriptor) async throws -> Void
) async throws {
    let baseline = OpenDescriptors.count()
    do {
        let (readEnd, writeEnd) = try makePipe()
        defer {
            try? readEnd.close()
            try? writeEnd.close()
        }
        try await body(readEnd, writeEnd)
    }
    await OpenDescriptors.expectNoLeak(from: baseline, what, sourceLocation: sourceLocation)
}

/// Reads (bounded) exactly `count` bytes from `descriptor`.
func readExactly(_ count: Int, from descriptor: FileDescriptor, seconds: Double = 20) async throws -> [UInt8] {
    var bytes: [UInt8] = []
    let deadline = Date().addingTimeInterval(seconds)
    while bytes.count < count {
        guard Date() < deadline else { throw TimedOut(what: "reading \(count) bytes, got \(bytes.count)") }
        let ready = (try? Platform.poll([descriptor.rawValue], timeout: 100)) ?? []
        guard !ready.isEmpty else { continue }
        var buffer = [UInt8](repeating: 0, count: count - bytes.count)
        let read = try buffer.withUnsafeMutableBytes { try descriptor.read(into: $0) }
        if read == 0 { break }
        bytes.append(contentsOf: buffer.prefix(read))
    }
    return bytes
}

/// A connection to `listener` through its endpoint, as raw bytes: the test plays a misbehaving
/// peer. Returns the client end.
func rawPeer(of listener: XPCListener) throws -> DescriptorHandle {
    try EndpointConnector.connect(through: listener.endpoint.storage) { false }
}

/// Writes bytes to a raw peer socket, with descriptors on the first `sendmsg`.
func rawSend(_ socket: DescriptorHandle, _ bytes: [UInt8], descriptors: [CInt] = []) throws {
    _ = try bytes.withUnsafeBytes { raw in
        try SocketMessageIO.send(socket.descriptor, bytes: raw, descriptors: descriptors)
    }
}

/// A frame's bytes: header plus envelope.
func frameBytes(_ kind: FrameKind, id: UInt64, replyID: UInt64 = 0, envelope: [UInt8], declaredLength: Int? = nil) -> [UInt8] {
    var bytes: [UInt8] = []
    FrameHeader(kind: kind, envelopeLength: declaredLength ?? envelope.count, messageID: id, replyID: replyID).write(to: &bytes)
    return bytes + envelope
}

/// The hello a raw peer sends.
var helloFrame: [UInt8] { frameBytes(.hello, id: 0, envelope: Handshake.helloEnvelope) }
