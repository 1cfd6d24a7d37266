#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CXPCWireTransportShim
import SystemPackage

/// The one blocking call of a connection's thread (``ConnectionLoop``): waits until its wake-up
/// socket or, when the loop wants input, its socket is readable.
///
/// On Linux it is an epoll instance that keeps both descriptors registered (level-triggered, so
/// it answers as `poll` would): a wait then costs no setting up and tearing down of wait-queue
/// entries, which `poll(2)` does on every call, twice per round trip. The socket is taken out of
/// the interest set while the loop wants no input (its events buffer is full), so that a
/// readable or hung-up socket does not wake it over and over. Elsewhere it calls `poll(2)`.
///
/// `@unchecked Sendable`: created on the writer thread and from then on used by the loop's thread
/// alone (one thread at a time), like the ``InboundReader`` it waits for.
final class ReadinessWaiter: @unchecked Sendable {
    private let wake: CInt
    private let socket: CInt
    #if os(Linux) || os(Android)
    private let instance: CInt
    /// Whether `socket` is in the interest set.
    private var socketRegistered = false

    private static let wakeToken: UInt64 = 0
    private static let socketToken: UInt64 = 1
    #endif

    /// A waiter for `wake` (the loop's end of its wake-up pair) and `socket`, both owned by the
    /// caller and kept open as long as the waiter is used.
    init(wake: CInt, socket: CInt) throws(Errno) {
        self.wake = wake
        self.socket = socket
        #if os(Linux) || os(Android)
        instance = try Platform.retrying { epoll_create1(CInt(EPOLL_CLOEXEC)) }
        do throws(Errno) {
            try Self.control(instance, EPOLL_CTL_ADD, wake, token: Self.wakeToken)
        } catch {
            Platform.close(instance)
            throw error
        }
        #endif
    }

    #if os(Linux) || os(Android)
    deinit {
        Platform.close(instance)
    }

    private static func control(_ instance: CInt, _ operation: CInt, _ descriptor: CInt, token: UInt64) throws(Errno) {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = token
        _ = try Platform.retrying { epoll_ctl(instance, operation, descriptor, &event) }
    }
    #endif

    /// Waits up to `timeout` milliseconds (-1: without limit) until the wake-up socket, or the
    /// socket if `forSocket`, is readable (or at an end, or in error); returns which.
    func wait(forSocket: Bool, timeout: CInt) throws(Errno) -> (wake: Bool, socket: Bool) {
        #if os(Linux) || os(Android)
        if forSocket != socketRegistered {
            try Self.control(instance, forSocket ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, socket, token: Self.socketToken)
            socketRegistered = forSocket
        }
        var events = (epoll_event(), epoll_event())
        let count = try withUnsafeMutableBytes(of: &events) { (raw) throws(Errno) -> CInt in
            let first = raw.baseAddress?.assumingMemoryBound(to: epoll_event.self)
            return try Platform.retrying { epoll_wait(instance, first, 2, timeout) }
        }
        var ready = (wake: false, socket: false)
        func note(_ event: epoll_event) {
            if event.data.u64 == Self.wakeToken { ready.wake = true } else { ready.socket = true }
        }
        if count > 0 { note(events.0) }
        if count > 1 { note(events.1) }
        return ready
        #else
        return try Platform.pollReadable(wake: wake, socket: forSocket ? socket : nil, timeout: timeout)
        #endif
    }
}
