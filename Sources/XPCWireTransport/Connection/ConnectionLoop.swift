import Foundation

/// The thread of one connection: it reads the connection's socket and runs the jobs of the tasks
/// that prefer the connection's executor (``XPCConnection/executor``), alternating between the two
/// (SPEC §9.2.10), the way an XPC connection runs its handlers on its target queue.
///
/// The loop runs queued jobs in order, then waits (``ReadinessWaiter``: `epoll` on Linux, `poll`
/// elsewhere) on the socket and a wake-up socket pair, and reads what the socket holds without
/// blocking (``FrameReader``), so a job never waits behind a read. A job enqueued from another
/// thread wakes the loop with one byte on the wake-up pair, and only when the loop is asleep in
/// that wait; a job enqueued by the loop itself (a reply resuming a caller, a request resuming a
/// handler) runs in the same pass, with no system call and no other thread woken. A job that sends
/// on its own connection never blocks: senders write with non-blocking `send`/`sendmsg` and leave
/// the rest to the writer thread.
///
/// The thread starts when the connection starts reading, or when a job arrives, and exits once
/// there is neither a socket to read (the connection ended) nor a queued job; a job that arrives
/// later starts it again.
final class ConnectionLoop: Sendable {
    /// What the loop reads between jobs: the connection's socket and its wake-up pair (a class,
    /// so that the loop's passes copy one reference rather than three).
    final class Source: Sendable {
        let reader: InboundReader
        let wakeRead: DescriptorHandle
        let wakeWrite: DescriptorHandle
        /// Waits for `wakeRead` and the reader's socket.
        let waiter: ReadinessWaiter

        init(reader: InboundReader, wakeRead: DescriptorHandle, wakeWrite: DescriptorHandle, waiter: ReadinessWaiter) {
            self.reader = reader
            self.wakeRead = wakeRead
            self.wakeWrite = wakeWrite
            self.waiter = waiter
        }
    }

    struct State {
        var jobs: [UnownedJob] = []
        /// A thread runs ``ConnectionLoop/run()``.
        var running = false
        /// The thread waits with no timeout (``ReadinessWaiter``): wake it with a byte.
        var sleeping = false
        /// Something changed while the thread was awake (room for events, the source went away):
        /// it looks again before it sleeps.
        var woken = false
        /// The thread that runs the loop, while it does.
        var thread: pthread_t?
        var source: Source?
        /// The connection ended: nothing is read any more, even if attached later (``attach(_:wake:)``
        /// may race with ``detach()`` when a connection is cancelled as it becomes ready).
        var detached = false
    }

    /// The most frames read in one pass before queued jobs get their turn.
    static let framesPerPass = 64

    let state = ConditionLock(State())

    /// Whether the calling thread is this loop's thread.
    var isCurrent: Bool {
        state.withLock { state in state.thread.map(Platform.isCurrentThread) ?? false }
    }

    /// Whether a thread runs the loop (for tests: it exits once the connection ended and no job waits).
    var isRunning: Bool { state.withLock { $0.running } }

    // MARK: - From other threads

    /// Queues a job; starts the thread, or wakes it, when needed.
    func schedule(_ job: UnownedJob) {
        let (start, wake) = state.withLock { state -> (Bool, DescriptorHandle?) in
            state.jobs.append(job)
            return state.nudge()
        }
        if start { startThread() }
        if let wake { Platform.sendWakeByte(wake.descriptor) }
    }

    /// Starts reading `reader`'s socket, waking the loop on `wake` (a connected socket pair: the
    /// end the loop reads, the end others write) and waiting for both with `waiter`. Does nothing
    /// once ``detach()`` was called.
    func attach(_ reader: InboundReader, wake: (read: DescriptorHandle, write: DescriptorHandle), waiter: ReadinessWaiter) {
        let start = state.withLock { state -> Bool in
            if state.detached { return false }
            state.source = Source(reader: reader, wakeRead: wake.read, wakeWrite: wake.write, waiter: waiter)
            state.woken = true
            if state.running { return false }
            state.running = true
            return true
        }
        if start { startThread() }
    }

    /// Stops reading for good (the connection ended); queued jobs still run.
    func detach() {
        let wake = state.withLock { state -> DescriptorHandle? in
            let source = state.source
            state.source = nil
            state.detached = true
            state.woken = true
            guard state.sleeping else { return nil }
            state.sleeping = false
            return source?.wakeWrite
        }
        if let wake { Platform.sendWakeByte(wake.descriptor) }
    }

    /// Makes the loop look again at what it waits for (its events have room again).
    func wake() {
        let wake = state.withLock { state -> DescriptorHandle? in
            state.woken = true
            guard state.sleeping else { return nil }
            state.sleeping = false
            return state.source?.wakeWrite
        }
        if let wake { Platform.sendWakeByte(wake.descriptor) }
    }

    private func startThread() {
        let thread = Thread { [self] in run() }
        thread.name = "XPCWire connection"
        thread.start()
    }

    // MARK: - The loop

    private enum Plan {
        case exit
        /// Run the jobs just taken.
        case runJobs
        /// Wait for the wake-up pair (and the socket, if `socket`) up to `timeout` ms, then read
        /// what the socket has; jobs just taken run after that.
        case poll(socket: Bool, timeout: CInt)
        /// Read what the reader holds, without polling.
        case read
    }

    /// Runs jobs and reads, one pass at a time, with one lock per pass to plan it (and one more
    /// after a `poll` that slept): each pass takes the jobs queued so far and decides, from what
    /// the loop knows of its reader, whether to run them, read, or wait.
    private func run() {
        state.withLock { $0.thread = Platform.currentThread }
        var batch: [UnownedJob] = []
        // The source as of the last plan; only this thread reads with it.
        var source: Source?
        // The last read stopped at a full events buffer: ask the queue before reading again.
        var inputFull = false
        var ranJobs = false
        while true {
            ranJobs = !batch.isEmpty
            for job in batch { run(job) }
            batch.removeAll(keepingCapacity: true)

            if inputFull, let reader = source?.reader, reader.hasRoom { inputFull = false }
            let wantsInput = source != nil && !inputFull
            // Frames the reader already holds are read without asking the socket first.
            let buffered = wantsInput && (source?.reader.hasBufferedInput ?? false)
            let plan = state.withLock { state -> Plan in
                let jobsWaiting = !state.jobs.isEmpty
                if jobsWaiting { swap(&batch, &state.jobs) }
                let woken = state.woken
                state.woken = false
                guard let current = state.source else {
                    source = nil
                    if jobsWaiting || woken { return .runJobs }
                    state.running = false
                    state.thread = nil
                    return .exit
                }
                // A source attached since the last plan is looked at in the next pass.
                let socket = wantsInput && current === source
                if current !== source {
                    source = current
                    inputFull = false
                }
                // Between two batches of jobs, a look at the socket, so that jobs that keep
                // queueing jobs do not keep the connection from reading.
                if jobsWaiting { return socket && ranJobs ? .poll(socket: true, timeout: 0) : .runJobs }
                if woken { return socket ? .poll(socket: true, timeout: 0) : .runJobs }
                if socket, buffered { return .read }
                state.sleeping = true
                return .poll(socket: socket, timeout: -1)
            }
            let jobsQueued = { self.state.withLock { !$0.jobs.isEmpty } }
            switch plan {
            case .exit:
                return
            case .runJobs:
                continue
            case .read:
                if let source { inputFull = source.reader.readAvailable(jobsQueued: jobsQueued) }
            case .poll(let socket, let timeout):
                guard let source else { continue }
                let ready: (wake: Bool, socket: Bool)
                do {
                    ready = try source.waiter.wait(forSocket: socket, timeout: timeout)
                } catch {
                    if timeout != 0 { state.withLock { $0.sleeping = false } }
                    source.reader.fail(.system(error, during: .receive))
                    continue
                }
                var current = true
                if timeout != 0 {
                    current = state.withLock { state -> Bool in
                        state.sleeping = false
                        return state.source === source
                    }
                }
                if ready.wake { Platform.drainWakeBytes(source.wakeRead.descriptor) }
                if ready.socket || (socket && buffered), current {
                    inputFull = source.reader.readAvailable(jobsQueued: jobsQueued)
                }
            }
        }
    }

    private func run(_ job: UnownedJob) {
        if #available(macOS 15, iOS 18, tvOS 18, watchOS 11, visionOS 2, *) {
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

extension ConnectionLoop.State {
    /// After a job was queued: whether to start the thread (now marked running), or which wake-up
    /// socket to write to.
    mutating func nudge() -> (start: Bool, wake: DescriptorHandle?) {
        if !running {
            running = true
            return (true, nil)
        }
        guard sleeping else { return (false, nil) }
        sleeping = false
        return (false, source?.wakeWrite)
    }
}

/// The connection's executor (``XPCConnection/executor``): jobs run on the connection's thread.
@available(macOS 15, iOS 18, tvOS 18, watchOS 11, visionOS 2, *)
extension ConnectionLoop: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        schedule(UnownedJob(job))
    }
}
