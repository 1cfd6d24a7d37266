#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CXPCWireTransportShim
import SystemPackage

/// `sendmsg(2)` and `recvmsg(2)` with `SCM_RIGHTS` descriptors: the transport's only pointer work.
enum SocketMessageIO {
    /// The most descriptors one `sendmsg` carries (Linux's `SCM_MAX_FD`).
    static let maximumDescriptorsPerMessage = Int(CXPCWIRE_MAX_FDS_PER_MESSAGE)

    /// Bytes of control buffer that hold ``maximumDescriptorsPerMessage`` descriptors.
    static let controlCapacity = cxpcwire_cmsg_space(maximumDescriptorsPerMessage * MemoryLayout<CInt>.size)

    /// `sendmsg(2)`: sends a prefix of `first` followed by `second` (gathered from both, so a
    /// frame's header and envelope leave in one call without being copied together), with
    /// `descriptors` as `SCM_RIGHTS` when not empty; or, for up to ``contiguousSendLimit`` bytes
    /// and no descriptors, `send(2)` of the two copied together.
    ///
    /// Returns how many bytes the kernel took (at least 1 when the buffers are not both empty). The
    /// kernel duplicates the descriptors into the message; the caller still owns its own.
    static func send(
        _ socket: CInt, _ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
        descriptors: [CInt], flags: CInt = 0
    ) throws(Errno) -> Int {
        let total = first.count + second.count
        if descriptors.isEmpty, total <= contiguousSendLimit {
            // A small frame without descriptors: one `send(2)` of a copy on the stack. The kernel
            // takes it for less than a `sendmsg` (no message header or vectors to import): about
            // 0.4 µs less per round trip of two small frames on a socket pair here.
            let sendFlags = flags | cxpcwire_msg_nosignal()
            return try withUnsafeTemporaryAllocation(byteCount: max(1, total), alignment: 1) { buffer in
                UnsafeMutableRawBufferPointer(rebasing: buffer[..<first.count]).copyMemory(from: first)
                UnsafeMutableRawBufferPointer(rebasing: buffer[first.count..<total]).copyMemory(from: second)
                return Result { () throws(Errno) -> Int in
                    try Platform.retrying { systemSend(socket, buffer.baseAddress, total, sendFlags) }
                }
            }.get()
        }
        var vectors = (
            iovec(iov_base: UnsafeMutableRawPointer(mutating: first.baseAddress), iov_len: first.count),
            iovec(iov_base: UnsafeMutableRawPointer(mutating: second.baseAddress), iov_len: second.count))
        let vectorCount = second.isEmpty ? 1 : 2
        return try withUnsafeMutableBytes(of: &vectors) { (raw) throws(Errno) -> Int in
            try send(socket, vectors: raw.baseAddress?.assumingMemoryBound(to: iovec.self), count: vectorCount, descriptors: descriptors, flags: flags)
        }
    }

    /// `sendmsg(2)` gathering from `pieces` in order, less their first `skipping` bytes (empty
    /// pieces are left out; at most ``maximumGatheredBuffers`` are passed); see
    /// ``send(_:_:_:descriptors:flags:)``. The `iovec`s live in temporary storage.
    static func send(
        _ socket: CInt, gathering pieces: UnsafeBufferPointer<UnsafeRawBufferPointer>, skipping: Int,
        descriptors: [CInt], flags: CInt = 0
    ) throws(Errno) -> Int {
        try withUnsafeTemporaryAllocation(of: iovec.self, capacity: max(1, min(pieces.count, maximumGatheredBuffers))) { vectors in
            var skip = skipping
            var count = 0
            for piece in pieces where count < vectors.count {
                if skip >= piece.count {
                    skip -= piece.count
                    continue
                }
                let rest = UnsafeRawBufferPointer(rebasing: piece[skip...])
                skip = 0
                vectors[count] = iovec(iov_base: UnsafeMutableRawPointer(mutating: rest.baseAddress), iov_len: rest.count)
                count += 1
            }
            return Result { () throws(Errno) -> Int in
                try send(socket, vectors: vectors.baseAddress, count: count, descriptors: descriptors, flags: flags)
            }
        }.get()
    }

    /// Frames up to this size without descriptors are copied together and sent with `send(2)`.
    static let contiguousSendLimit = 1024

    /// The most buffers one gathered `sendmsg` takes (well under every platform's `IOV_MAX`).
    static let maximumGatheredBuffers = 64

    /// `sendmsg(2)` of `count` prepared `iovec`s; see ``send(_:_:_:descriptors:flags:)``.
    static func send(
        _ socket: CInt, vectors: UnsafeMutablePointer<iovec>?, count vectorCount: Int, descriptors: [CInt], flags: CInt
    ) throws(Errno) -> Int {
        let sendFlags = flags | cxpcwire_msg_nosignal()
        var message = msghdr()
        message.msg_iov = vectors
        message.msg_iovlen = numericCast(vectorCount)
        if descriptors.isEmpty {
            return try Platform.retrying { sendmsg(socket, &message, sendFlags) }
        }
        let payloadLength = descriptors.count * MemoryLayout<CInt>.size
        let space = cxpcwire_cmsg_space(payloadLength)
        let control = UnsafeMutableRawPointer.allocate(byteCount: space, alignment: MemoryLayout<cmsghdr>.alignment)
        defer { control.deallocate() }
        control.initializeMemory(as: UInt8.self, repeating: 0, count: space)
        message.msg_control = control
        message.msg_controllen = numericCast(space)
        guard let header = cxpcwire_cmsg_firsthdr(&message) else { throw Errno.invalidArgument }
        header.pointee.cmsg_level = SOL_SOCKET
        header.pointee.cmsg_type = cxpcwire_scm_rights()
        header.pointee.cmsg_len = numericCast(cxpcwire_cmsg_len(payloadLength))
        let data = UnsafeMutableRawPointer(cxpcwire_cmsg_data(header))
        descriptors.withUnsafeBytes { raw in
            if let base = raw.baseAddress { data.copyMemory(from: base, byteCount: payloadLength) }
        }
        return try Platform.retrying { sendmsg(socket, &message, sendFlags) }
    }

    /// `sendmsg(2)` of a prefix of `bytes`; see ``send(_:_:_:descriptors:flags:)``.
    static func send(_ socket: CInt, bytes: UnsafeRawBufferPointer, descriptors: [CInt], flags: CInt = 0) throws(Errno) -> Int {
        try send(socket, bytes, descriptors: descriptors, flags: flags)
    }

    /// What one `recvmsg` returned.
    struct Received {
        /// Bytes read; 0 means end of file.
        var count: Int
        /// Descriptors that arrived, now owned by the caller, close-on-exec.
        var descriptors: [CInt]
        /// `MSG_CTRUNC`: descriptors were lost because the control buffer was too small.
        var controlTruncated: Bool
    }

    /// `recvmsg(2)` into `buffer`, with room for ``maximumDescriptorsPerMessage`` descriptors in
    /// `control` (``controlCapacity`` bytes, aligned for `cmsghdr`). `MSG_CMSG_CLOEXEC` on Linux,
    /// plus `flags` (`MSG_DONTWAIT` for a read that must not block).
    static func receive(
        _ socket: CInt, into buffer: UnsafeMutableRawBufferPointer, control: UnsafeMutableRawPointer, flags: CInt = 0
    ) throws(Errno) -> Received {
        var vector = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
        return try withUnsafeMutablePointer(to: &vector) { (vector) throws(Errno) -> Received in
            var message = msghdr()
            message.msg_iov = vector
            message.msg_iovlen = 1
            message.msg_control = control
            message.msg_controllen = numericCast(controlCapacity)
            let count = try Platform.retrying { recvmsg(socket, &message, cxpcwire_msg_cmsg_cloexec() | flags) }
            var descriptors: [CInt] = []
            if message.msg_controllen > 0 {
                // The control data the kernel wrote ends here. When it truncated the data
                // (MSG_CTRUNC), a header's cmsg_len may claim more than that: read only what is there.
                let controlEnd = UnsafeRawPointer(control) + min(Int(message.msg_controllen), controlCapacity)
                var next = cxpcwire_cmsg_firsthdr(&message)
                while let header = next {
                    if header.pointee.cmsg_level == SOL_SOCKET, header.pointee.cmsg_type == cxpcwire_scm_rights() {
                        let data = UnsafeRawPointer(cxpcwire_cmsg_data(header))
                        let dataLength = min(Int(header.pointee.cmsg_len) - cxpcwire_cmsg_len(0), controlEnd - data)
                        for index in 0..<max(0, dataLength / MemoryLayout<CInt>.size) {
                            let descriptor = data.loadUnaligned(fromByteOffset: index * MemoryLayout<CInt>.size, as: CInt.self)
                            Platform.prepareReceivedDescriptor(descriptor)
                            descriptors.append(descriptor)
                        }
                    }
                    next = cxpcwire_cmsg_nxthdr(&message, header)
                }
            }
            let truncated = (message.msg_flags & cxpcwire_msg_ctrunc()) != 0
            return Received(count: count, descriptors: descriptors, controlTruncated: truncated)
        }
    }
}

/// `send(2)`, which the enum's own methods shadow.
private func systemSend(_ socket: CInt, _ bytes: UnsafeRawPointer?, _ count: Int, _ flags: CInt) -> Int {
    send(socket, bytes, count, flags)
}
