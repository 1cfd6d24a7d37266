import XPCWire

/// Serves a listener: accepts its connections and hands every incoming message to a handler,
/// concurrently.
///
/// The handler runs in a task per message, up to ``maximumConcurrentMessagesPerConnection`` at a
/// time on each connection (more wait, and the connection stops reading when its buffer fills).
/// For a request, the dictionary the handler returns is the reply; a handler that returns `nil`
/// or throws without having replied itself sends none, and the requester gets
/// ``XPCTransportError/noReply``.
///
/// With message schemas (``setMessageSchemas(_:)``, or the listener's), a message that does not
/// match its kind's schema never reaches the handler: it goes to the `rejectionHandler`, if any,
/// and a rejected request's requester gets ``XPCTransportError/requestRejected(reasons:)``.
///
/// ```swift
/// let server = XPCServer(listener: try XPCListener(socketPath: "/tmp/demo.sock")) { received, _ in
///     guard received.expectsReply else { return nil }
///     return ["echo": received.message]
/// }
/// await server.run()   // until server.cancel()
/// ```
public final class XPCServer: Sendable {
    /// Handles one message; for a request, returns the reply (or replies itself and returns `nil`).
    /// The second argument is the connection the message came on, for sending back to the peer.
    public typealias Handler = @Sendable (XPCReceivedMessage, XPCConnection) async throws -> XPCMessage?
    /// Told of each message the connection's ``XPCMessageSchemas`` rejected (SPEC §9.2.9), on the
    /// connection's serving task, in order with its messages; keep it short.
    public typealias RejectionHandler = @Sendable (XPCMessageRejection, XPCConnection) -> Void

    /// The listener served.
    public let listener: XPCListener
    /// The most messages handled at once per connection.
    public let maximumConcurrentMessagesPerConnection: Int
    private let handler: Handler
    private let rejectionHandler: RejectionHandler?
    private let connections = ConditionLock<[ObjectIdentifier: XPCConnection]>([:])

    /// A server for `listener` that calls `handler` for every message, and `rejectionHandler`
    /// for every message its schemas rejected.
    public init(
        listener: XPCListener, maximumConcurrentMessagesPerConnection: Int = 64,
        rejectionHandler: RejectionHandler? = nil, handler: @escaping Handler
    ) {
        self.listener = listener
        self.maximumConcurrentMessagesPerConnection = max(1, maximumConcurrentMessagesPerConnection)
        self.rejectionHandler = rejectionHandler
        self.handler = handler
    }

    /// Sets the schemas every served connection checks before the handler sees a message
    /// (``XPCListener/setMessageSchemas(_:)``); call before ``run()``.
    ///
    /// ```swift
    /// let server = XPCServer(listener: listener, rejectionHandler: { rejection, _ in print(rejection) }) { received, _ in
    ///     ["sum": .int64((received.message["a"]?.int64Value ?? 0) + (received.message["b"]?.int64Value ?? 0))]
    /// }
    /// try server.setMessageSchemas(XPCMessageSchemas(schemas: [
    ///     "add": .dictionary([.required("kind", .string()), .required("a", .int64()), .required("b", .int64())]),
    /// ]))
    /// await server.run()
    /// ```
    ///
    /// - Throws: ``XPCTransportError/alreadyActivated`` once the listener has started.
    public func setMessageSchemas(_ schemas: XPCMessageSchemas?) throws(XPCTransportError) {
        try listener.setMessageSchemas(schemas)
    }

    /// Accepts and serves connections until the listener is cancelled (``cancel()``) or the task
    /// is, then waits for the connections' handlers to finish.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for await connection in listener.connections {
                group.addTask { await self.serve(connection) }
            }
        }
    }

    /// Cancels the listener and every connection being served.
    public func cancel() {
        listener.cancel()
        let active = connections.withLock { connections in
            defer { connections = [:] }
            return Array(connections.values)
        }
        for connection in active { connection.cancel() }
    }

    private func serve(_ connection: XPCConnection) async {
        let key = ObjectIdentifier(connection)
        connections.withLock { $0[key] = connection }
        defer { connections.withLock { _ = $0.removeValue(forKey: key) } }
        let handler = self.handler
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for await event in connection.events {
                let received: XPCReceivedMessage
                switch event {
                case .message(let message):
                    received = message
                case .rejected(let rejection):
                    rejectionHandler?(rejection, connection)
                    continue
                case .error:
                    return
                }
                if running >= maximumConcurrentMessagesPerConnection {
                    await group.next()
                    running -= 1
                }
                running += 1
                group.addTask {
                    guard let reply = try? await handler(received, connection) else { return }
                    if received.expectsReply { try? received.reply(reply) }
                }
            }
        }
    }
}
