import SystemPackage

/// How an endpoint is realised on sockets (SPEC §9.2.6).
///
/// A listener owns a *connector*: a `SOCK_DGRAM` socket pair. It reads one end; the other end is
/// the endpoint's descriptor, which travels in endpoint slots. To connect through an endpoint, a
/// process makes a `SOCK_STREAM` socket pair, sends one end over the endpoint as `SCM_RIGHTS` with
/// the one-byte datagram `0x43` ("C"), closes its copy of that end and keeps the other as its
/// connection. The listener accepts every such datagram that carries exactly one Unix-domain
/// stream socket as a new connection, and ignores (closing what came with them) all others.
enum EndpointConnector {
    /// The datagram that asks for a connection.
    static let connectRequest: UInt8 = 0x43

    /// Makes a connector: (the end the listener reads, the endpoint's end).
    static func makeConnector() throws(XPCTransportError) -> (listening: DescriptorHandle, endpoint: DescriptorHandle) {
        do {
            let (listening, endpoint) = try Platform.makeSocketPair(type: Platform.datagramSocketType)
            return (DescriptorHandle(adopting: listening), DescriptorHandle(adopting: endpoint))
        } catch {
            throw .system(error, during: .socket)
        }
    }

    /// Client side: sends a fresh socket pair end through `endpoint` and returns the other end.
    /// `isCancelled` is polled while the connector's queue is full.
    static func connect(through endpoint: DescriptorHandle, isCancelled: () -> Bool) throws(XPCTransportError) -> DescriptorHandle {
        let mine: CInt
        let theirs: CInt
        do {
            (mine, theirs) = try Platform.makeSocketPair(type: Platform.streamSocketType)
        } catch {
            throw .system(error, during: .socket)
        }
        let connection = DescriptorHandle(adopting: mine)
        defer { Platform.close(theirs) }
        var request = connectRequest
        while true {
            do {
                _ = try withUnsafeBytes(of: &request) { (bytes) throws(Errno) in
                    try SocketMessageIO.send(endpoint.descriptor, bytes: bytes, descriptors: [theirs], flags: Platform.dontWait)
                }
                return connection
            } catch .resourceTemporarilyUnavailable, .noBufferSpace {
                // The listener is not keeping up; wait for room, but not past cancellation.
                if isCancelled() { throw .cancelled }
                _ = try? Platform.poll([endpoint.descriptor], writable: true, timeout: 200)
            } catch .connectionRefused, .brokenPipe, .socketNotConnected {
                throw .system(.connectionRefused, during: .connect)
            } catch {
                throw .system(error, during: .connect)
            }
        }
    }

    /// Listener side: reads one connection request from the connector; `nil` for a datagram that
    /// is not a valid request (whatever came with it is closed).
    static func acceptRequest(on listening: DescriptorHandle, control: UnsafeMutableRawPointer) throws(Errno) -> DescriptorHandle? {
        var byte: UInt8 = 0
        let received = try withUnsafeMutableBytes(of: &byte) { (buffer) throws(Errno) in
            try SocketMessageIO.receive(listening.descriptor, into: buffer, control: control)
        }
        guard received.count == 1, byte == connectRequest, !received.controlTruncated,
            received.descriptors.count == 1, let descriptor = received.descriptors.first,
            Platform.isUnixStreamSocket(descriptor)
        else {
            Descriptors.close(received.descriptors)
            return nil
        }
        Platform.prepareSocket(descriptor)
        return DescriptorHandle(adopting: descriptor)
    }
}
