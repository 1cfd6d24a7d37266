#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CXPCWireTransportShim
import SystemPackage

/// The POSIX calls the transport makes, each retried on `EINTR` and throwing `Errno`.
///
/// Calls whose spelling differs between Linux and Darwin (close-on-exec at creation, `accept4`,
/// `SO_NOSIGPIPE`, the socket type constants) live in `Platform+Linux.swift` and
/// `Platform+Darwin.swift`; nothing outside this folder and `Socket/` touches libc.
enum Platform {
    /// The current `errno` as a typed error.
    static var currentErrno: Errno { Errno(rawValue: errno) }

    /// Runs a call that returns -1 and sets `errno` on failure, retrying on `EINTR`.
    @inline(__always)
    static func retrying<T: FixedWidthInteger>(_ body: () -> T) throws(Errno) -> T {
        while true {
            let result = body()
            if result != -1 { return result }
            let error = currentErrno
            if error != .interrupted { throw error }
        }
    }

    /// `close(2)`; errors are ignored (the descriptor is gone either way, and retrying is unsafe).
    static func close(_ descriptor: CInt) {
        _ = systemClose(descriptor)
    }

    /// `fcntl(F_DUPFD_CLOEXEC)`: a new descriptor for the same open file, closed on `exec`.
    static func duplicate(_ descriptor: CInt) throws(Errno) -> CInt {
        try retrying { fcntl(descriptor, F_DUPFD_CLOEXEC, 0) }
    }

    /// `shutdown(SHUT_RDWR)`: wakes every thread blocked on the socket; errors are ignored.
    static func shutdown(_ descriptor: CInt) {
        _ = systemShutdown(descriptor, shutdownBoth)
    }

    /// `listen(2)`.
    static func listen(_ descriptor: CInt, backlog: CInt) throws(Errno) {
        _ = try retrying { systemListen(descriptor, backlog) }
    }

    /// `unlink(2)`.
    static func unlink(_ path: String) throws(Errno) {
        _ = try retrying { systemUnlink(path) }
    }

    /// `MSG_DONTWAIT`: one non-blocking `sendmsg` without touching the descriptor's flags, which
    /// other processes holding the same socket share.
    static var dontWait: CInt { cxpcwire_msg_dontwait() }

    /// A file's device and inode.
    struct FileIdentity: Hashable, Sendable {
        var device: UInt64
        var inode: UInt64
    }

    /// `stat(2)`: the identity of the file at `path`, if there is one.
    static func fileIdentity(of path: String) -> FileIdentity? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return FileIdentity(device: UInt64(truncatingIfNeeded: status.st_dev), inode: UInt64(truncatingIfNeeded: status.st_ino))
    }

    /// `getpid(2)`.
    static var processID: Int32 { Int32(getpid()) }

    /// `bind(2)` to a filesystem path.
    static func bind(_ descriptor: CInt, toPath path: String) throws(XPCTransportError) {
        var address = try socketAddress(path)
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                Result { () throws(Errno) in
                    try retrying { systemBind(descriptor, address, socklen_t(MemoryLayout<sockaddr_un>.size)) }
                }
            }
        }
        do { _ = try result.get() } catch { throw .system(error, during: .bind) }
    }

    /// `connect(2)` to a filesystem path.
    static func connect(_ descriptor: CInt, toPath path: String) throws(XPCTransportError) {
        var address = try socketAddress(path)
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                Result { () throws(Errno) in
                    try retrying { systemConnect(descriptor, address, socklen_t(MemoryLayout<sockaddr_un>.size)) }
                }
            }
        }
        do { _ = try result.get() } catch { throw .system(error, during: .connect) }
    }

    /// The longest socket path `sockaddr_un` holds, without its terminating NUL.
    static var maximumSocketPathLength: Int {
        MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1
    }

    /// A `sockaddr_un` for `path`.
    static func socketAddress(_ path: String) throws(XPCTransportError) -> sockaddr_un {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count <= maximumSocketPathLength, !bytes.contains(0) else {
            throw .invalidSocketPath(path, maximumLength: maximumSocketPathLength)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        setSocketAddressLength(&address)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }

    /// `poll(2)` on `descriptors` for readability (`writable` selects `POLLOUT` instead); returns
    /// the indices that are ready. `timeout` in milliseconds, -1 for none.
    static func poll(_ descriptors: [CInt], writable: Bool = false, timeout: CInt) throws(Errno) -> [Int] {
        let events = Int16(writable ? POLLOUT : POLLIN)
        var entries = descriptors.map { pollfd(fd: $0, events: events, revents: 0) }
        let count = entries.count
        _ = try retrying { entries.withUnsafeMutableBufferPointer { systemPoll($0.baseAddress, nfds_t(count), timeout) } }
        return entries.indices.filter { entries[$0].revents != 0 }
    }

    /// `setsockopt(SO_SNDBUF)` to at least `size` bytes, best effort: the kernel caps the value
    /// (`net.core.wmem_max` on Linux), and a smaller buffer only means more, shorter writes.
    static func requestSendBuffer(_ descriptor: CInt, size: Int) {
        var current: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        if getsockopt(descriptor, SOL_SOCKET, SO_SNDBUF, &current, &length) == 0, Int(current) >= size { return }
        var wanted = CInt(clamping: size)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDBUF, &wanted, socklen_t(MemoryLayout<CInt>.size))
    }

    /// `poll(2)` for readability on `wake` and, when given, `socket`, without allocating: whether
    /// each is ready (an error or hang-up counts as ready: the next read reports it). `timeout` in
    /// milliseconds, -1 for none.
    static func pollReadable(wake: CInt, socket: CInt?, timeout: CInt) throws(Errno) -> (wake: Bool, socket: Bool) {
        let events = Int16(POLLIN)
        var entries = (pollfd(fd: wake, events: events, revents: 0), pollfd(fd: socket ?? -1, events: events, revents: 0))
        let count = nfds_t(socket == nil ? 1 : 2)
        _ = try withUnsafeMutableBytes(of: &entries) { (raw) throws(Errno) -> CInt in
            let first = raw.baseAddress?.assumingMemoryBound(to: pollfd.self)
            return try retrying { systemPoll(first, count, timeout) }
        }
        return (entries.0.revents != 0, socket != nil && entries.1.revents != 0)
    }

    /// Writes one byte to a wake-up socket with `MSG_DONTWAIT`; a full buffer already wakes the
    /// reader, so errors are ignored.
    static func sendWakeByte(_ descriptor: CInt) {
        var byte: UInt8 = 1
        _ = send(descriptor, &byte, 1, dontWait | cxpcwire_msg_nosignal())
    }

    /// Reads and discards whatever a wake-up socket holds (`recv` with `MSG_DONTWAIT`).
    static func drainWakeBytes(_ descriptor: CInt) {
        var bytes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        while true {
            let count = withUnsafeMutableBytes(of: &bytes) { raw in recv(descriptor, raw.baseAddress, raw.count, dontWait) }
            if count > 0 { continue }
            if count < 0, errno == EINTR { continue }
            return
        }
    }

    /// `pthread_self(3)`: the calling thread.
    static var currentThread: pthread_t { pthread_self() }

    /// `pthread_equal(3)`: whether `thread` is the calling thread.
    static func isCurrentThread(_ thread: pthread_t) -> Bool { pthread_equal(thread, pthread_self()) != 0 }

    /// `fstat(2)`: whether `descriptor` is a socket.
    static func isSocket(_ descriptor: CInt) -> Bool {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return false }
        return (status.st_mode & S_IFMT) == S_IFSOCK
    }

    /// `getsockopt(SO_TYPE)` and `getsockname(2)`: whether `descriptor` is a Unix-domain stream socket.
    static func isUnixStreamSocket(_ descriptor: CInt) -> Bool {
        var type: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_TYPE, &type, &length) == 0, type == streamSocketType else {
            return false
        }
        var address = sockaddr_storage()
        var addressLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &addressLength) }
        }
        return named == 0 && CInt(address.ss_family) == AF_UNIX
    }

    /// The peer's credentials (see `cxpcwire_get_peer_credentials`).
    static func peerCredentials(of descriptor: CInt) throws(Errno) -> XPCPeerCredentials {
        var raw = cxpcwire_peer_credentials()
        guard cxpcwire_get_peer_credentials(descriptor, &raw) == 0 else { throw currentErrno }
        return XPCPeerCredentials(
            processID: raw.has_pid != 0 ? raw.pid : nil,
            effectiveUserID: raw.effective_uid,
            effectiveGroupID: raw.effective_gid,
            auditSessionID: raw.has_audit_session_id != 0 ? raw.audit_session_id : nil)
    }

    /// The executable of a process (see `cxpcwire_executable_path`).
    static func executablePath(ofProcess pid: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = buffer.withUnsafeMutableBufferPointer { pointer -> CInt in
            guard let base = pointer.baseAddress else { return -1 }
            return cxpcwire_executable_path(pid, base, pointer.count)
        }
        guard length > 0 else { return nil }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

// The libc functions whose names the enum's own methods shadow.
private func systemClose(_ descriptor: CInt) -> CInt { close(descriptor) }
private func systemShutdown(_ descriptor: CInt, _ how: CInt) -> CInt { shutdown(descriptor, how) }
private func systemListen(_ descriptor: CInt, _ backlog: CInt) -> CInt { listen(descriptor, backlog) }
private func systemUnlink(_ path: String) -> CInt { unlink(path) }
private func systemBind(_ descriptor: CInt, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> CInt {
    bind(descriptor, address, length)
}
private func systemConnect(_ descriptor: CInt, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> CInt {
    connect(descriptor, address, length)
}
private func systemPoll(_ entries: UnsafeMutablePointer<pollfd>?, _ count: nfds_t, _ timeout: CInt) -> CInt {
    poll(entries, count, timeout)
}
