#if os(Linux) || os(Android)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CXPCWireTransportShim
import SystemPackage

extension Platform {
    /// `SOCK_STREAM`.
    static var streamSocketType: CInt { CInt(SOCK_STREAM.rawValue) }
    /// `SOCK_DGRAM`.
    static var datagramSocketType: CInt { CInt(SOCK_DGRAM.rawValue) }
    /// `SHUT_RDWR`.
    static var shutdownBoth: CInt { CInt(SHUT_RDWR) }

    /// `socket(AF_UNIX, type | SOCK_CLOEXEC, 0)`.
    static func makeSocket(type: CInt) throws(Errno) -> CInt {
        try retrying { socket(AF_UNIX, type | CInt(SOCK_CLOEXEC.rawValue), 0) }
    }

    /// `socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0)`.
    static func makeSocketPair(type: CInt) throws(Errno) -> (CInt, CInt) {
        var pair: [CInt] = [-1, -1]
        _ = try retrying { socketpair(AF_UNIX, type | CInt(SOCK_CLOEXEC.rawValue), 0, &pair) }
        return (pair[0], pair[1])
    }

    /// `accept4(SOCK_CLOEXEC)`.
    static func accept(_ listener: CInt) throws(Errno) -> CInt {
        try retrying { cxpcwire_accept_cloexec(listener) }
    }

    /// `pipe2(O_CLOEXEC)`.
    static func makePipe() throws(Errno) -> (read: CInt, write: CInt) {
        var pair: [CInt] = [-1, -1]
        _ = try retrying { cxpcwire_pipe_cloexec(&pair) }
        return (pair[0], pair[1])
    }

    /// Nothing to do on Linux: `MSG_NOSIGNAL` on every send keeps `SIGPIPE` away.
    static func prepareSocket(_ descriptor: CInt) {}

    /// Nothing to do on Linux: `MSG_CMSG_CLOEXEC` set close-on-exec atomically.
    static func prepareReceivedDescriptor(_ descriptor: CInt) {}

    /// Linux's `sockaddr_un` has no length field.
    static func setSocketAddressLength(_ address: inout sockaddr_un) {}
}
#endif
