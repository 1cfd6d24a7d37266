#if canImport(Darwin)
import Darwin
import SystemPackage

extension Platform {
    /// `SOCK_STREAM`.
    static var streamSocketType: CInt { SOCK_STREAM }
    /// `SOCK_DGRAM`.
    static var datagramSocketType: CInt { SOCK_DGRAM }
    /// `SHUT_RDWR`.
    static var shutdownBoth: CInt { SHUT_RDWR }

    /// `socket(AF_UNIX, type, 0)`, then `FD_CLOEXEC` and `SO_NOSIGPIPE` (Darwin has no `SOCK_CLOEXEC`).
    static func makeSocket(type: CInt) throws(Errno) -> CInt {
        let descriptor = try retrying { socket(AF_UNIX, type, 0) }
        setCloseOnExec(descriptor)
        prepareSocket(descriptor)
        return descriptor
    }

    /// `socketpair(AF_UNIX, type, 0)`, then `FD_CLOEXEC` and `SO_NOSIGPIPE` on both ends.
    static func makeSocketPair(type: CInt) throws(Errno) -> (CInt, CInt) {
        var pair: [CInt] = [-1, -1]
        _ = try retrying { socketpair(AF_UNIX, type, 0, &pair) }
        for descriptor in pair {
            setCloseOnExec(descriptor)
            prepareSocket(descriptor)
        }
        return (pair[0], pair[1])
    }

    /// `accept(2)`, then `FD_CLOEXEC` and `SO_NOSIGPIPE`.
    static func accept(_ listener: CInt) throws(Errno) -> CInt {
        let descriptor = try retrying { Darwin.accept(listener, nil, nil) }
        setCloseOnExec(descriptor)
        prepareSocket(descriptor)
        return descriptor
    }

    /// `pipe(2)`, then `FD_CLOEXEC` on both ends.
    static func makePipe() throws(Errno) -> (read: CInt, write: CInt) {
        var pair: [CInt] = [-1, -1]
        _ = try retrying { pipe(&pair) }
        pair.forEach(setCloseOnExec)
        return (pair[0], pair[1])
    }

    /// `setsockopt(SO_NOSIGPIPE)`: Darwin's per-socket stand-in for `MSG_NOSIGNAL`.
    static func prepareSocket(_ descriptor: CInt) {
        var on: CInt = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<CInt>.size))
    }

    /// `fcntl(F_SETFD, FD_CLOEXEC)`: Darwin has no `MSG_CMSG_CLOEXEC`, so a `fork`+`exec` in
    /// another thread between `recvmsg` and this call can inherit the descriptor.
    static func prepareReceivedDescriptor(_ descriptor: CInt) {
        setCloseOnExec(descriptor)
    }

    /// Darwin's `sockaddr_un` carries its length.
    static func setSocketAddressLength(_ address: inout sockaddr_un) {
        address.sun_len = UInt8(MemoryLayout<sockaddr_un>.size)
    }

    private static func setCloseOnExec(_ descriptor: CInt) {
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
    }
}
#endif
