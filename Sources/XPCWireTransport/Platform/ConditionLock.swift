import Foundation

/// State guarded by a condition variable (`pthread_mutex_t` + `pthread_cond_t` through
/// `NSCondition`), for the transport's threads and tasks alike. Never held across a system call
/// that blocks or an `await`.
final class ConditionLock<State>: @unchecked Sendable {
    private let condition = NSCondition()
    private var state: State

    init(_ state: State) {
        self.state = state
    }

    /// Runs `body` with the lock held.
    func withLock<T>(_ body: (inout State) throws -> T) rethrows -> T {
        condition.lock()
        defer { condition.unlock() }
        return try body(&state)
    }

    /// Waits until `ready` holds, then runs `body`, all with the lock held. Blocks the calling
    /// thread: use only on the transport's own threads.
    func wait<T>(until ready: (State) -> Bool, then body: (inout State) -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        while !ready(state) { condition.wait() }
        return body(&state)
    }

    /// Wakes every thread in ``wait(until:then:)`` to re-check.
    func broadcast() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// Runs `body` with the lock held and wakes every waiter afterwards.
    func withLockThenBroadcast<T>(_ body: (inout State) throws -> T) rethrows -> T {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try body(&state)
    }
}
