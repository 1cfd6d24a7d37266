/// A single-consumer queue from the transport's threads to an `async` iterator.
///
/// Unlike `AsyncStream` it knows what is still buffered when it ends, so it can release what those
/// elements own (close their descriptors, cancel their connections), and it lets a producer thread
/// wait for room, which is how a connection stops reading when nobody consumes its events.
final class DeliveryQueue<Element: Sendable>: Sendable {
    private struct State {
        /// Delivered slots are set to `nil` at once: a delivered element must not stay referenced
        /// (a request's reply context refers back to the connection).
        var buffer: [Element?] = []
        var head = 0
        /// The suspended consumer. Resumed exactly once: by whoever takes it out of here under the
        /// lock (a push, finish, resume, a second consumer, or the cancellation handler).
        var waiter: UnsafeContinuation<Element?, Never>?
        var waiterID: UInt64 = 0
        var finished = false
        var suspensions = 0

        var count: Int { buffer.count - head }

        mutating func popFirst() -> Element? {
            guard head < buffer.count else { return nil }
            let element = buffer[head]
            buffer[head] = nil
            head += 1
            if head == buffer.count {
                buffer.removeAll(keepingCapacity: buffer.count <= 4096)
                head = 0
            } else if head >= 1024, head * 2 >= buffer.count {
                buffer.removeFirst(head)
                head = 0
            }
            return element
        }
    }

    private let state = ConditionLock(State())
    private let dispose: @Sendable (Element) -> Void

    /// `dispose` releases an element that will never be delivered.
    init(dispose: @escaping @Sendable (Element) -> Void) {
        self.dispose = dispose
    }

    deinit {
        state.withLock { state in
            while let element = state.popFirst() { dispose(element) }
        }
    }

    /// How many elements wait to be delivered.
    var bufferedCount: Int { state.withLock { $0.count } }

    /// Adds an element; after ``finish(discardingBuffered:)`` it is disposed instead.
    func push(_ element: Element) {
        let (accepted, resumed): (Bool, UnsafeContinuation<Element?, Never>?) = state.withLockThenBroadcast { state in
            guard !state.finished else { return (false, nil) }
            if state.suspensions == 0, state.count == 0, let waiter = state.waiter {
                state.waiter = nil
                return (true, waiter)
            }
            state.buffer.append(element)
            return (true, nil)
        }
        if !accepted { dispose(element) }
        resumed?.resume(returning: element)
    }

    /// Ends the queue: buffered elements are still delivered, unless `discardingBuffered`, in
    /// which case they are disposed; `last` (if any) is delivered after them, then `nil`.
    func finish(discardingBuffered: Bool = false, last: Element? = nil) {
        let (accepted, discarded, resumed, element): (Bool, [Element], UnsafeContinuation<Element?, Never>?, Element?) =
            state.withLockThenBroadcast { state in
                guard !state.finished else { return (false, [], nil, nil) }
                state.finished = true
                var discarded: [Element] = []
                if discardingBuffered {
                    while let element = state.popFirst() { discarded.append(element) }
                }
                if let last { state.buffer.append(last) }
                guard state.suspensions == 0, let waiter = state.waiter else { return (true, discarded, nil, nil) }
                state.waiter = nil
                return (true, discarded, waiter, state.popFirst())
            }
        discarded.forEach(dispose)
        if !accepted, let last { dispose(last) }
        resumed?.resume(returning: element)
    }

    /// Disposes every buffered element, finished or not; later pushes are disposed too.
    func discardAll() {
        let discarded = state.withLockThenBroadcast { state -> [Element] in
            state.finished = true
            var discarded: [Element] = []
            while let element = state.popFirst() { discarded.append(element) }
            return discarded
        }
        discarded.forEach(dispose)
    }

    /// Holds back delivery until a matching ``resumeDelivery()``.
    func suspendDelivery() {
        state.withLock { $0.suspensions += 1 }
    }

    /// Undoes one ``suspendDelivery()``; `false` when there was none to undo.
    func resumeDelivery() -> Bool {
        let (balanced, resumed, element): (Bool, UnsafeContinuation<Element?, Never>?, Element?) = state.withLockThenBroadcast { state in
            guard state.suspensions > 0 else { return (false, nil, nil) }
            state.suspensions -= 1
            guard state.suspensions == 0, let waiter = state.waiter else { return (true, nil, nil) }
            if let element = state.popFirst() {
                state.waiter = nil
                return (true, waiter, element)
            }
            if state.finished {
                state.waiter = nil
                return (true, waiter, nil)
            }
            return (true, nil, nil)
        }
        resumed?.resume(returning: element)
        return balanced
    }

    /// Blocks the calling (transport) thread while `limit` or more elements wait and the queue is
    /// not finished. Returns `false` once the queue is finished.
    func waitForRoom(limit: Int) -> Bool {
        state.wait(until: { $0.finished || $0.count < limit }, then: { !$0.finished })
    }

    /// The next element, or `nil` once the queue is finished and drained (or the task cancelled).
    func next() async -> Element? {
        let id = state.withLock { state -> UInt64 in
            state.waiterID += 1
            return state.waiterID
        }
        return await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Element?, Never>) in
                let immediate: (Bool, Element?) = state.withLockThenBroadcast { state in
                    if Task.isCancelled { return (true, nil) }
                    if state.suspensions == 0, let element = state.popFirst() { return (true, element) }
                    if state.finished, state.count == 0 { return (true, nil) }
                    if let previous = state.waiter {
                        // A second concurrent consumer: the earlier one ends.
                        previous.resume(returning: nil)
                    }
                    state.waiter = continuation
                    state.waiterID = id
                    return (false, nil)
                }
                if immediate.0 { continuation.resume(returning: immediate.1) }
            }
        } onCancel: {
            let waiter: UnsafeContinuation<Element?, Never>? = state.withLock { state in
                guard state.waiterID == id, let waiter = state.waiter else { return nil }
                state.waiter = nil
                return waiter
            }
            waiter?.resume(returning: nil)
        }
    }
}
