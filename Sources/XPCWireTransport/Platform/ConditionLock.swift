#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// State guarded by a condition variable (`pthread_mutex_t` + `pthread_cond_t`), for the
/// transport's threads and tasks alike. Never held across a system call that blocks or an `await`.
///
/// One allocation: the state, the mutex and the condition live in a single heap object (a
/// `ManagedBuffer` whose tail holds the two pthread objects, which never move).
///
/// `@unchecked Sendable`: `state` is only read or written between `pthread_mutex_lock` and
/// `pthread_mutex_unlock` of the object's own mutex, in every method below.
final class ConditionLock<State>: @unchecked Sendable {
    private let storage: ConditionLockStorage<State>

    init(_ state: State) {
        storage = ConditionLockStorage.make(state)
    }

    /// Runs `body` with the lock held.
    @inline(__always)
    func withLock<T>(_ body: (inout State) throws -> T) rethrows -> T {
        try storage.withPointers { state, mutex, _ in
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return try body(&state.pointee)
        }
    }

    /// Waits until `ready` holds, then runs `body`, all with the lock held. Blocks the calling
    /// thread: use only on the transport's own threads.
    func wait<T>(until ready: (State) -> Bool, then body: (inout State) -> T) -> T {
        storage.withPointers { state, mutex, condition in
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            while !ready(state.pointee) { pthread_cond_wait(condition, mutex) }
            return body(&state.pointee)
        }
    }

    /// Wakes every thread in ``wait(until:then:)`` to re-check.
    func broadcast() {
        storage.withPointers { _, mutex, condition in
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
    }

    /// Runs `body` with the lock held and wakes every waiter afterwards.
    func withLockThenBroadcast<T>(_ body: (inout State) throws -> T) rethrows -> T {
        try storage.withPointers { state, mutex, condition in
            pthread_mutex_lock(mutex)
            defer {
                pthread_cond_broadcast(condition)
                pthread_mutex_unlock(mutex)
            }
            return try body(&state.pointee)
        }
    }
}

/// The pthread objects behind a ``ConditionLock``, in the tail of its storage.
struct ConditionLockPrimitives {
    var mutex = pthread_mutex_t()
    var condition = pthread_cond_t()

    // Both are stored properties, so `offset(of:)` always answers; the fallbacks are the
    // declaration-order offsets. Computed rather than `static let`: the optimizer folds them to
    // constants, where a stored static costs a `swift_once` check on every lock.
    @inline(__always) static var mutexOffset: Int { MemoryLayout<Self>.offset(of: \.mutex) ?? 0 }
    @inline(__always) static var conditionOffset: Int {
        MemoryLayout<Self>.offset(of: \.condition) ?? MemoryLayout<pthread_mutex_t>.stride
    }
}

/// The heap object of a ``ConditionLock``: its state as the header, the mutex and the condition
/// as the one tail element.
final class ConditionLockStorage<State>: ManagedBuffer<State, ConditionLockPrimitives> {
    static func make(_ state: State) -> ConditionLockStorage<State> {
        let buffer = create(minimumCapacity: 1) { _ in state }
        // `create` allocates an instance of the class it is called on.
        let storage = unsafeDowncast(buffer, to: ConditionLockStorage<State>.self)
        storage.withUnsafeMutablePointerToElements { primitives in
            primitives.initialize(to: ConditionLockPrimitives())
        }
        storage.withPointers { _, mutex, condition in
            pthread_mutex_init(mutex, nil)
            pthread_cond_init(condition, nil)
        }
        return storage
    }

    @inline(__always)
    func withPointers<T>(
        _ body: (UnsafeMutablePointer<State>, UnsafeMutablePointer<pthread_mutex_t>, UnsafeMutablePointer<pthread_cond_t>) throws -> T
    ) rethrows -> T {
        try withUnsafeMutablePointers { state, primitives in
            let raw = UnsafeMutableRawPointer(primitives)
            let mutex = (raw + ConditionLockPrimitives.mutexOffset).assumingMemoryBound(to: pthread_mutex_t.self)
            let condition = (raw + ConditionLockPrimitives.conditionOffset).assumingMemoryBound(to: pthread_cond_t.self)
            return try body(state, mutex, condition)
        }
    }

    deinit {
        withPointers { _, mutex, condition in
            pthread_mutex_destroy(mutex)
            pthread_cond_destroy(condition)
        }
        // The header (the state) is destroyed by `ManagedBuffer` itself; the tail element is ours.
        _ = withUnsafeMutablePointerToElements { primitives in primitives.deinitialize(count: 1) }
    }
}
