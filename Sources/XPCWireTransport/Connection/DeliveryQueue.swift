/// A queue from the transport's threads to `async` consumers: one consumer through ``next()``,
/// or several at once through ``nextShared()`` (``XPCServer``'s workers, which are cancelled
/// together through ``cancelSharedConsumers()``).
///
/// Unlike `AsyncStream` it knows what is still buffered when it ends, so it can release what those
/// elements own (close their descriptors, cancel their connections), and it tells its producer when
/// a full buffer has room again (``init(dispose:sequenced:roomLimit:onRoom:)``), which is how a
/// connection stops reading while nobody consumes its events and starts again without a thread
/// waiting. A push with a consumer waiting resumes that consumer with the element directly.
final class DeliveryQueue<Element: Sendable>: Sendable {
    /// An element as a consumer takes it: with its place among the ``sequenced`` elements.
    struct Taken {
        let element: Element
        let ordinal: UInt64?
        /// Whether another shared consumer (``DeliveryQueue/nextShared()``) was still waiting
        /// when this element was taken: the server's workers start one more when none was.
        let othersWaiting: Bool
    }
    typealias Waiter = UnsafeContinuation<Taken?, Never>

    private struct State {
        /// Delivered slots are set to `nil` at once: a delivered element must not stay referenced
        /// (a request's reply context refers back to the connection).
        var buffer: [Element?] = []
        var head = 0
        /// Suspended consumers, first come first served. Each is resumed exactly once: by
        /// whoever takes it out of here under the lock (a push, finish, resume, a newer
        /// single consumer, or the cancellation handler).
        var waiters: [(id: UInt64, continuation: Waiter)] = []
        /// The ids of ``next()``'s waiters; ``nextShared()``'s wait with id 0.
        var nextWaiterID: UInt64 = 0
        var finished = false
        /// ``DeliveryQueue/cancelSharedConsumers()`` was called: shared takes return `nil`.
        var sharedCancelled = false
        var suspensions = 0
        /// The next ordinal for a ``DeliveryQueue/sequenced`` element.
        var nextOrdinal: UInt64 = 0
        /// See ``DeliveryQueue/roomLimit``.
        let roomLimit: Int
        /// A take brought the count below ``roomLimit``: the producer is to be told.
        var madeRoom = false

        init(roomLimit: Int) {
            self.roomLimit = roomLimit
        }

        var count: Int { buffer.count - head }

        mutating func popFirst() -> Element? {
            guard head < buffer.count else { return nil }
            let element = buffer[head]
            buffer[head] = nil
            head += 1
            if buffer.count - head == roomLimit - 1 { madeRoom = true }
            if head == buffer.count {
                buffer.removeAll(keepingCapacity: buffer.count <= 4096)
                head = 0
            } else if head >= 1024, head * 2 >= buffer.count {
                buffer.removeFirst(head)
                head = 0
            }
            return element
        }

        /// Numbers `element` if it is sequenced.
        mutating func taken(_ element: Element, sequenced: (Element) -> Bool) -> Taken {
            let othersWaiting = waiters.contains { $0.id == 0 }
            guard sequenced(element) else { return Taken(element: element, ordinal: nil, othersWaiting: othersWaiting) }
            defer { nextOrdinal += 1 }
            return Taken(element: element, ordinal: nextOrdinal, othersWaiting: othersWaiting)
        }

        /// Hands buffered elements to waiting consumers while delivery is not suspended, and
        /// `nil` to the rest once the queue is finished and drained. Returns the resumptions to
        /// make after unlocking.
        mutating func deliverToWaiters(sequenced: (Element) -> Bool) -> [(Waiter, Taken?)] {
            guard suspensions == 0, !waiters.isEmpty else { return [] }
            var resumptions: [(Waiter, Taken?)] = []
            while !waiters.isEmpty, let element = popFirst() {
                resumptions.append((waiters.removeFirst().continuation, taken(element, sequenced: sequenced)))
            }
            if finished, count == 0 {
                for waiter in waiters { resumptions.append((waiter.continuation, nil)) }
                waiters = []
            }
            return resumptions
        }
    }

    private let state: ConditionLock<State>
    private let dispose: @Sendable (Element) -> Void
    private let sequenced: @Sendable (Element) -> Bool
    /// How many buffered elements make the queue full (``hasRoom``).
    let roomLimit: Int
    private let onRoom: (@Sendable () -> Void)?

    /// `dispose` releases an element that will never be delivered; `sequenced` picks the
    /// elements that ``nextShared()`` numbers 0, 1, 2, … in queue order, so that concurrent
    /// consumers can still handle those in order; `onRoom` is called (outside the lock) whenever
    /// a consumer takes the queue from `roomLimit` buffered elements to one less.
    init(
        dispose: @escaping @Sendable (Element) -> Void, sequenced: @escaping @Sendable (Element) -> Bool = { _ in false },
        roomLimit: Int = .max, onRoom: (@Sendable () -> Void)? = nil
    ) {
        self.dispose = dispose
        self.sequenced = sequenced
        self.roomLimit = max(1, roomLimit)
        self.onRoom = onRoom
        self.state = ConditionLock(State(roomLimit: max(1, roomLimit)))
    }

    /// Whether the producer may add another element: fewer than ``roomLimit`` are buffered and
    /// the queue is not finished.
    var hasRoom: Bool { state.withLock { !$0.finished && $0.count < roomLimit } }

    /// Tells the producer of room made by a take, if any.
    private func reportRoom(_ made: Bool) {
        if made, let onRoom { onRoom() }
    }

    deinit {
        state.withLock { state in
            while let element = state.popFirst() { dispose(element) }
        }
    }

    /// How many elements wait to be delivered.
    var bufferedCount: Int { state.withLock { $0.count } }

    /// How many consumers wait for an element (for tests).
    var waitingCount: Int { state.withLock { $0.waiters.count } }

    /// Adds an element; after ``finish(discardingBuffered:)`` it is disposed instead. Returns
    /// ``hasRoom`` as it is after the push, so a producer that pushes knows without asking again:
    /// only a push takes the room away, and a take that gives it back calls `onRoom`.
    @discardableResult
    func push(_ element: Element) -> Bool {
        let sequenced = self.sequenced
        let (accepted, resumed, room): (Bool, (Waiter, Taken)?, Bool) = state.withLock { state in
            guard !state.finished else { return (false, nil, false) }
            if state.suspensions == 0, state.count == 0, !state.waiters.isEmpty {
                let waiter = state.waiters.removeFirst().continuation
                return (true, (waiter, state.taken(element, sequenced: sequenced)), state.count < roomLimit)
            }
            state.buffer.append(element)
            return (true, nil, state.count < roomLimit)
        }
        if !accepted { dispose(element) }
        if let (waiter, taken) = resumed { waiter.resume(returning: taken) }
        return room
    }

    /// Ends the queue: buffered elements are still delivered, unless `discardingBuffered`, in
    /// which case they are disposed; `last` (if any) is delivered after them, then `nil`.
    func finish(discardingBuffered: Bool = false, last: Element? = nil) {
        let sequenced = self.sequenced
        let (accepted, discarded, resumptions): (Bool, [Element], [(Waiter, Taken?)]) = state.withLock { state in
            guard !state.finished else { return (false, [], []) }
            state.finished = true
            var discarded: [Element] = []
            if discardingBuffered {
                while let element = state.popFirst() { discarded.append(element) }
            }
            if let last { state.buffer.append(last) }
            return (true, discarded, state.deliverToWaiters(sequenced: sequenced))
        }
        discarded.forEach(dispose)
        if !accepted, let last { dispose(last) }
        for (waiter, taken) in resumptions { waiter.resume(returning: taken) }
    }

    /// Disposes every buffered element, finished or not; later pushes are disposed too.
    func discardAll() {
        let (discarded, waiters) = state.withLock { state -> ([Element], [Waiter]) in
            state.finished = true
            var discarded: [Element] = []
            while let element = state.popFirst() { discarded.append(element) }
            defer { state.waiters = [] }
            return (discarded, state.waiters.map(\.continuation))
        }
        discarded.forEach(dispose)
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    /// Holds back delivery until a matching ``resumeDelivery()``.
    func suspendDelivery() {
        state.withLock { $0.suspensions += 1 }
    }

    /// Undoes one ``suspendDelivery()``; `false` when there was none to undo.
    func resumeDelivery() -> Bool {
        let sequenced = self.sequenced
        let (balanced, resumptions, madeRoom): (Bool, [(Waiter, Taken?)], Bool) = state.withLock { state in
            guard state.suspensions > 0 else { return (false, [], false) }
            state.suspensions -= 1
            let resumptions = state.deliverToWaiters(sequenced: sequenced)
            defer { state.madeRoom = false }
            return (true, resumptions, state.madeRoom)
        }
        for (waiter, taken) in resumptions { waiter.resume(returning: taken) }
        reportRoom(madeRoom)
        return balanced
    }

    /// The next element, or `nil` once the queue is finished and drained (or the task cancelled).
    /// For one consumer at a time: a consumer that starts waiting ends any other that waits.
    nonisolated(nonsending) func next() async -> Element? {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return await withTaskCancellationHandler {
            await take(shared: false, id: id)
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: nil)
        }?.element
    }

    /// The next element and, for a sequenced one, its ordinal; `nil` once the queue is finished
    /// and drained, or once ``cancelSharedConsumers()`` was called. Any number of consumers may
    /// wait at once; each element goes to one of them, the longest waiting first.
    ///
    /// Task cancellation does not end a wait here: the consumers' owner cancels them all at once
    /// with ``cancelSharedConsumers()`` (from one cancellation handler around all of them, rather
    /// than one per call, which costs a status record and executor hops every time).
    @inline(__always)
    nonisolated(nonsending) func nextShared() async -> Taken? {
        await take(shared: true, id: 0)
    }

    /// Ends the waits in ``nextShared()``, now and from now on (they return `nil`); buffered
    /// elements stay for ``next()`` or disposal.
    func cancelSharedConsumers() {
        let ended = state.withLock { state -> [Waiter] in
            state.sharedCancelled = true
            var ended: [Waiter] = []
            state.waiters.removeAll { waiter in
                guard waiter.id == 0 else { return false }
                ended.append(waiter.continuation)
                return true
            }
            return ended
        }
        for waiter in ended { waiter.resume(returning: nil) }
    }

    /// Takes the next element, or waits for it as waiter `id` (0 for a shared consumer).
    @inline(__always)
    nonisolated(nonsending) private func take(shared: Bool, id: UInt64) async -> Taken? {
        let sequenced = self.sequenced
        return await withUnsafeContinuation { (continuation: Waiter) in
            let (immediate, ended, madeRoom): ((Bool, Taken?), [Waiter], Bool) = state.withLock { state in
                if shared ? state.sharedCancelled : Task.isCancelled { return ((true, nil), [], false) }
                if state.suspensions == 0, let element = state.popFirst() {
                    defer { state.madeRoom = false }
                    return ((true, state.taken(element, sequenced: sequenced)), [], state.madeRoom)
                }
                if state.finished, state.count == 0 { return ((true, nil), [], false) }
                var ended: [Waiter] = []
                if !shared {
                    // A second concurrent consumer: the earlier ones end.
                    ended = state.waiters.map(\.continuation)
                    state.waiters = []
                }
                state.waiters.append((id, continuation))
                return ((false, nil), ended, false)
            }
            for waiter in ended { waiter.resume(returning: nil) }
            reportRoom(madeRoom)
            if immediate.0 { continuation.resume(returning: immediate.1) }
        }
    }
}
