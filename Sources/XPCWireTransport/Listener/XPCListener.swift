import Foundation
import SystemPackage
import XPCWire

/// Accepts connections: on a socket path (`bind(2)` + `listen(2)`), through its ``endpoint``, or
/// both (SPEC §9.2).
///
/// Accepting starts on ``activate()`` or when ``connections`` is first iterated; until then the
/// kernel queues connecting peers. Each accepted connection is already active: it checks the peer
/// against the listener's ``PeerSecurityRequirement`` and starts reading, checking every message
/// against the listener's ``XPCMessageSchemas`` (``setMessageSchemas(_:)``).
///
/// ```swift
/// let listener = try XPCListener(socketPath: "/tmp/demo.sock")
/// for await connection in listener.connections {
///     Task {
///         for await case .message(let received) in connection.events where received.expectsReply {
///             try? received.reply(["echo": received.message])
///         }
///     }
/// }
/// ```
///
/// A listener uses one thread to accept. ``cancel()`` stops it, unlinks the path it bound and
/// closes its sockets; connections already accepted stay up.
public final class XPCListener: Sendable {
    /// How a listener binds and what its connections use.
    public struct Options: Sendable {
        /// Options for every accepted connection.
        public var connectionOptions = XPCConnection.Options()
        /// The `listen(2)` backlog. Default 128.
        public var backlog: Int32 = 128
        /// When the path exists and is a socket nobody listens on (`connect` is refused), unlink
        /// it and bind again. Default `true`.
        public var replacesStaleSocket = true
        /// The requirement every accepted peer must meet; see also
        /// ``XPCListener/setPeerRequirement(_:)``. Default none.
        public var peerRequirement: PeerSecurityRequirement?

        /// The default options.
        public init() {}
    }

    /// The accepted connections, in the order they arrived; they end when the listener is
    /// cancelled. Iterate from one task at a time.
    public struct Connections: AsyncSequence, Sendable {
        /// An accepted connection.
        public typealias Element = XPCConnection

        let listener: XPCListener

        /// Iterates the connections, starting the listener.
        public func makeAsyncIterator() -> Iterator {
            listener.activate()
            return Iterator(listener: listener)
        }

        /// Iterates the connections; holds the listener while it does.
        public struct Iterator: AsyncIteratorProtocol {
            let listener: XPCListener

            /// The next connection, or `nil` once the listener is cancelled (or the task is).
            public mutating func next() async -> XPCConnection? {
                await listener.core.accepted.next()
            }
        }
    }

    let core: ListenerCore

    /// Binds a listening socket at `socketPath` (`socket`, `bind`, `listen`).
    ///
    /// - Throws: ``XPCTransportError/invalidSocketPath(_:maximumLength:)``, or
    ///   ``XPCTransportError/system(_:during:)`` (`EADDRINUSE` when another listener owns the path).
    public init(socketPath: String, options: Options = Options()) throws(XPCTransportError) {
        core = try ListenerCore(socketPath: socketPath, options: options)
    }

    init(anonymousWith options: Options) throws(XPCTransportError) {
        core = try ListenerCore(socketPath: nil, options: options)
    }

    deinit {
        core.cancel()
    }

    /// The path the listener is bound to; `nil` for an anonymous listener.
    public var socketPath: String? { core.socketPath }

    /// An endpoint that reaches this listener (SPEC §9.2.6). Every listener has one.
    public var endpoint: XPCEndpoint { XPCEndpoint(storage: core.endpointStorage) }

    /// The accepted connections.
    public var connections: Connections { Connections(listener: self) }

    /// Requires every accepted peer to satisfy `requirement`; call before ``activate()``.
    ///
    /// A peer that fails it gets a connection that delivers no message and whose events end with
    /// ``XPCTransportError/peerRequirementFailed(_:_:)``.
    public func setPeerRequirement(_ requirement: PeerSecurityRequirement) throws(XPCTransportError) {
        try core.setRequirement(requirement)
    }

    /// Checks every message and request that accepted peers send against `schemas` before
    /// delivering it (SPEC §9.2.9); `nil` checks nothing. Call before ``activate()``.
    ///
    /// Every connection accepted afterwards starts with these schemas, as if set with
    /// ``XPCConnection/setMessageSchemas(_:)``; they replace the
    /// ``XPCConnection/Options/messageSchemas`` of ``Options/connectionOptions``.
    ///
    /// - Throws: ``XPCTransportError/alreadyActivated`` once the listener has started.
    public func setMessageSchemas(_ schemas: XPCMessageSchemas?) throws(XPCTransportError) {
        try core.setSchemas(schemas)
    }

    /// Starts accepting. Does nothing if already started or cancelled.
    public func activate() {
        core.activate()
    }

    /// Stops accepting, unlinks the socket path, closes the listening sockets and cancels accepted
    /// connections that were never handed out. The endpoint stops connecting (`ECONNREFUSED`).
    public func cancel() {
        core.cancel()
    }
}

/// The machinery behind an ``XPCListener``: the listening sockets and the accepting thread.
final class ListenerCore: Sendable {
    struct State {
        var started = false
        var cancelled = false
        var requirement: PeerSecurityRequirement?
        var schemas: XPCMessageSchemas?
        var pathSocket: DescriptorHandle?
        var connector: DescriptorHandle?
        var wakeRead: DescriptorHandle?
        var wakeWrite: DescriptorHandle?
        /// The bound socket's identity, so that cancel unlinks only our own socket.
        var boundIdentity: Platform.FileIdentity?
    }

    let socketPath: String?
    let options: XPCListener.Options
    let endpointStorage: DescriptorHandle
    let state: ConditionLock<State>
    let accepted = DeliveryQueue<XPCConnection> { $0.cancel() }

    init(socketPath: String?, options: XPCListener.Options) throws(XPCTransportError) {
        self.socketPath = socketPath
        self.options = options
        let (connector, endpoint) = try EndpointConnector.makeConnector()
        endpointStorage = endpoint
        let wake: (read: CInt, write: CInt)
        do {
            wake = try Platform.makePipe()
        } catch {
            throw .system(error, during: .plumbing)
        }
        var initial = State()
        initial.requirement = options.peerRequirement
        initial.schemas = options.connectionOptions.messageSchemas
        initial.connector = connector
        initial.wakeRead = DescriptorHandle(adopting: wake.read)
        initial.wakeWrite = DescriptorHandle(adopting: wake.write)
        if let socketPath {
            let socket = try Self.bindListeningSocket(at: socketPath, options: options)
            initial.pathSocket = socket
            initial.boundIdentity = Platform.fileIdentity(of: socketPath)
        }
        state = ConditionLock(initial)
    }

    private static func bindListeningSocket(at path: String, options: XPCListener.Options) throws(XPCTransportError) -> DescriptorHandle {
        func attempt() throws(XPCTransportError) -> DescriptorHandle {
            let socket: DescriptorHandle
            do {
                socket = DescriptorHandle(adopting: try Platform.makeSocket(type: Platform.streamSocketType))
            } catch {
                throw .system(error, during: .socket)
            }
            try Platform.bind(socket.descriptor, toPath: path)
            do {
                try Platform.listen(socket.descriptor, backlog: options.backlog)
            } catch {
                throw .system(error, during: .listen)
            }
            return socket
        }
        do {
            return try attempt()
        } catch .system(.addressInUse, during: .bind) where options.replacesStaleSocket && isStale(path) {
            try? Platform.unlink(path)
            return try attempt()
        }
    }

    /// A socket file nobody listens on: `connect(2)` is refused.
    private static func isStale(_ path: String) -> Bool {
        guard let probe = try? Platform.makeSocket(type: Platform.streamSocketType) else { return false }
        defer { Platform.close(probe) }
        do {
            try Platform.connect(probe, toPath: path)
            return false
        } catch .system(.connectionRefused, _) {
            return true
        } catch {
            return false
        }
    }

    func setRequirement(_ requirement: PeerSecurityRequirement) throws(XPCTransportError) {
        let accepted = state.withLock { state -> Bool in
            guard !state.started, !state.cancelled else { return false }
            state.requirement = requirement
            return true
        }
        guard accepted else { throw .alreadyActivated }
    }

    func setSchemas(_ schemas: XPCMessageSchemas?) throws(XPCTransportError) {
        let accepted = state.withLock { state -> Bool in
            guard !state.started, !state.cancelled else { return false }
            state.schemas = schemas
            return true
        }
        guard accepted else { throw .alreadyActivated }
    }

    func activate() {
        typealias Sources = (DescriptorHandle?, DescriptorHandle, DescriptorHandle, PeerSecurityRequirement?, XPCMessageSchemas?)
        let sources = state.withLock { state -> Sources? in
            guard !state.started, !state.cancelled, let connector = state.connector, let wake = state.wakeRead else { return nil }
            state.started = true
            return (state.pathSocket, connector, wake, state.requirement, state.schemas)
        }
        guard let (pathSocket, connector, wake, requirement, schemas) = sources else { return }
        var withSchemas = options.connectionOptions
        withSchemas.messageSchemas = schemas
        let connectionOptions = withSchemas
        let thread = Thread { [self] in
            acceptLoop(
                pathSocket: pathSocket, connector: connector, wake: wake, requirement: requirement,
                connectionOptions: connectionOptions)
        }
        thread.name = "XPCWire listener"
        thread.start()
    }

    func cancel() {
        let taken = state.withLock { state -> (DescriptorHandle?, Platform.FileIdentity?)? in
            guard !state.cancelled else { return nil }
            state.cancelled = true
            let wake = state.wakeWrite
            state.pathSocket = nil
            state.connector = nil
            state.wakeRead = nil
            state.wakeWrite = nil
            return (wake, state.boundIdentity)
        }
        guard let (wake, identity) = taken else { return }
        if let wake {
            var byte: UInt8 = 1
            _ = withUnsafeBytes(of: &byte) { try? SocketMessageIO.send(wake.descriptor, bytes: $0, descriptors: []) }
        }
        if let socketPath, let identity, Platform.fileIdentity(of: socketPath) == identity {
            try? Platform.unlink(socketPath)
        }
        accepted.finish(discardingBuffered: true)
    }

    private func acceptLoop(
        pathSocket: DescriptorHandle?, connector: DescriptorHandle, wake: DescriptorHandle, requirement: PeerSecurityRequirement?,
        connectionOptions: XPCConnection.Options
    ) {
        let control = UnsafeMutableRawPointer.allocate(
            byteCount: SocketMessageIO.controlCapacity, alignment: MemoryLayout<Int>.alignment)
        defer { control.deallocate() }
        var sources = [wake.descriptor, connector.descriptor]
        if let pathSocket { sources.append(pathSocket.descriptor) }
        while !state.withLock({ $0.cancelled }) {
            let ready: [Int]
            do {
                ready = try Platform.poll(sources, timeout: -1)
            } catch {
                break
            }
            if ready.contains(0) { break }
            if ready.contains(1), let socket = try? EndpointConnector.acceptRequest(on: connector, control: control) {
                hand(socket, requirement: requirement, options: connectionOptions)
            }
            if ready.contains(2), let pathSocket {
                do {
                    hand(
                        DescriptorHandle(adopting: try Platform.accept(pathSocket.descriptor)), requirement: requirement,
                        options: connectionOptions)
                } catch .resourceTemporarilyUnavailable, .connectionAbort {
                    continue
                } catch {
                    // EMFILE and the like: back off instead of spinning on a ready socket.
                    _ = try? Platform.poll([wake.descriptor], timeout: 100)
                }
            }
        }
    }

    private func hand(_ socket: DescriptorHandle, requirement: PeerSecurityRequirement?, options: XPCConnection.Options) {
        let core = ConnectionCore(target: .accepted(socket), options: options)
        if let requirement { try? core.setRequirement(requirement) }
        let connection = XPCConnection(core: core)
        core.activate()
        accepted.push(connection)
    }
}
