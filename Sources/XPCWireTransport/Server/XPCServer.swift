import XPCWire

/// Serves a listener: accepts its connections and hands every incoming message to a handler.
///
/// Up to ``maximumConcurrentMessagesPerConnection`` handlers are in flight at a time on each
/// connection (more messages wait, and the connection stops reading when its buffer of
/// ``XPCConnection/Options/maximumBufferedEvents`` fills), on worker tasks of the server's
/// ``run()`` that each connection keeps while it is up. Where they run is the server's
/// ``handlerExecution``: by default on the connection's own thread, as XPC runs a connection's
/// handlers on its target queue (``HandlerExecution/connectionExecutor``: in flight together, but
/// one running at a time, the others waiting at their suspension points), or on Swift's global
/// concurrent executor (``HandlerExecution/concurrentPool``: running in parallel).
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
    /// It runs on its serving task's executor, as ``handlerExecution`` says, without a hop of its
    /// own (`nonisolated(nonsending)`); a handler isolated to an actor still runs on that actor.
    public typealias Handler = nonisolated(nonsending) @Sendable (XPCReceivedMessage, XPCConnection) async throws -> XPCMessage?
    /// Told of each message the connection's ``XPCMessageSchemas`` rejected (SPEC §9.2.9), on one
    /// of the connection's serving tasks, one call at a time and in the order the peer sent them;
    /// keep it short.
    public typealias RejectionHandler = @Sendable (XPCMessageRejection, XPCConnection) -> Void

    /// Where a server runs its handlers (SPEC §9.2.10).
    ///
    /// ```swift
    /// // Handlers that compute for long: let them run in parallel on the global executor.
    /// let server = XPCServer(listener: listener, handlerExecution: .concurrentPool) { received, _ in
    ///     ["digest": .data(expensiveDigest(of: received.message))]
    /// }
    /// ```
    public struct HandlerExecution: Sendable, Hashable, CustomStringConvertible {
        enum Kind: Hashable {
            case connectionExecutor
            case concurrentPool
        }

        let kind: Kind

        /// Handlers run on the connection's own thread (``XPCConnection/executor``), the thread
        /// that read their message: no thread is woken between reading a request and running its
        /// handler, nor between the handler's reply and the next read, so a request/reply round
        /// trip costs about what a blocking socket ping-pong does. A connection's handlers then
        /// run one at a time, interleaving at their suspension points, and the connection reads
        /// nothing while one computes; different connections run in parallel on their own threads.
        /// XPC's model: a connection's handlers run on its target queue.
        ///
        /// Where task executors do not exist (before macOS 15), handlers run on the global
        /// concurrent executor instead, as with ``concurrentPool``.
        public static let connectionExecutor = HandlerExecution(kind: .connectionExecutor)

        /// Handlers run on Swift's global concurrent executor, in parallel: a handler that computes
        /// for long does not hold up the connection's other handlers or its reading, at the cost of
        /// two thread wake-ups per request (the pool thread that runs the handler, and the
        /// connection's thread again for the next read).
        public static let concurrentPool = HandlerExecution(kind: .concurrentPool)

        /// ``connectionExecutor``: request/reply latency is what a transport modelled on XPC is
        /// judged by, and XPC itself runs a connection's handlers one at a time on the
        /// connection's queue. Choose ``concurrentPool`` for handlers that compute rather than wait.
        public static let `default` = connectionExecutor

        /// `connectionExecutor` or `concurrentPool`.
        public var description: String {
            switch kind {
            case .connectionExecutor: "connectionExecutor"
            case .concurrentPool: "concurrentPool"
            }
        }
    }

    /// The listener served.
    public let listener: XPCListener
    /// The most messages handled at once per connection.
    public let maximumConcurrentMessagesPerConnection: Int
    /// Where the handlers run. Default ``HandlerExecution/connectionExecutor``.
    public let handlerExecution: HandlerExecution
    private let handler: Handler
    private let rejectionHandler: RejectionHandler?
    private let connections = ConditionLock<[ObjectIdentifier: XPCConnection]>([:])

    /// A server for `listener` that calls `handler` for every message, and `rejectionHandler`
    /// for every message its schemas rejected, where `handlerExecution` says (by default on each
    /// connection's own thread).
    public init(
        listener: XPCListener, maximumConcurrentMessagesPerConnection: Int = 64,
        handlerExecution: HandlerExecution = .default,
        rejectionHandler: RejectionHandler? = nil, handler: @escaping Handler
    ) {
        self.listener = listener
        self.maximumConcurrentMessagesPerConnection = max(1, maximumConcurrentMessagesPerConnection)
        self.handlerExecution = handlerExecution
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
                // The connection's serving task and its workers (child tasks inherit the
                // preference) run on the connection's thread.
                if handlerExecution.kind == .connectionExecutor,
                    #available(macOS 15, iOS 18, tvOS 18, watchOS 11, visionOS 2, *)
                {
                    group.addTask(executorPreference: connection.executor) { await self.serve(connection) }
                } else {
                    group.addTask { await self.serve(connection) }
                }
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

    /// Serves one connection with worker tasks that take its events themselves (the connection's
    /// thread resumes a waiting worker with the message, which then runs the handler: no task is
    /// created per message and no serving loop stands in between; with
    /// ``HandlerExecution/connectionExecutor`` the worker runs on that same thread, in the same
    /// pass). A worker that takes a message while no other worker waits asks for one more, up to
    /// ``maximumConcurrentMessagesPerConnection``. Cancelling the serving task ends its waiting
    /// workers through one cancellation handler for all of them.
    private func serve(_ connection: XPCConnection) async {
        let key = ObjectIdentifier(connection)
        connections.withLock { $0[key] = connection }
        defer { connections.withLock { _ = $0.removeValue(forKey: key) } }
        let (spawnRequests, spawner) = AsyncStream<Void>.makeStream()
        let context = ServingContext(
            connection: connection, handler: handler, rejectionHandler: rejectionHandler,
            maximumWorkers: maximumConcurrentMessagesPerConnection, spawner: spawner)
        let events = connection.core.events
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await context.work() }
                for await _ in spawnRequests {
                    group.addTask { await context.work() }
                }
            }
        } onCancel: {
            events.cancelSharedConsumers()
        }
    }
}

/// One served connection: its handlers, its worker count and the order of its rejections.
private final class ServingContext: Sendable {
    let connection: XPCConnection
    let handler: XPCServer.Handler
    let rejectionHandler: XPCServer.RejectionHandler?
    let maximumWorkers: Int
    let spawner: AsyncStream<Void>.Continuation
    /// How many workers there are (they are only ever added, while the connection is served).
    let workers = ConditionLock(1)
    let rejections = RejectionGate()

    init(
        connection: XPCConnection, handler: @escaping XPCServer.Handler, rejectionHandler: XPCServer.RejectionHandler?,
        maximumWorkers: Int, spawner: AsyncStream<Void>.Continuation
    ) {
        self.connection = connection
        self.handler = handler
        self.rejectionHandler = rejectionHandler
        self.maximumWorkers = maximumWorkers
        self.spawner = spawner
    }

    /// A worker: takes events until the connection ends (or the task is cancelled).
    nonisolated(nonsending) func work() async {
        let events = connection.core.events
        while true {
            guard let taken = await events.nextShared() else {
                spawner.finish()
                return
            }
            // The last waiting worker took this message: start another for the next one (the
            // queue knows who waits, so a message costs no lock of ours).
            if !taken.othersWaiting {
                let spawn = workers.withLock { total -> Bool in
                    guard total < maximumWorkers else { return false }
                    total += 1
                    return true
                }
                if spawn { spawner.yield() }
            }
            switch taken.element {
            case .message(let received):
                await handle(received)
            case .rejected(let rejection):
                if let rejectionHandler {
                    rejections.deliver(rejection, ordinal: taken.ordinal) { rejectionHandler($0, connection) }
                }
            case .error:
                spawner.finish()
                return
            }
        }
    }

    @inline(__always)
    nonisolated(nonsending) private func handle(_ received: XPCReceivedMessage) async {
        guard let reply = try? await handler(received, connection) else { return }
        if received.expectsReply { try? received.reply(reply) }
    }
}

/// Calls the rejection handler for a connection's rejections one at a time and in the order the
/// connection delivered them, whichever worker took each: a worker that finds nobody calling
/// calls for every rejection that is next in line, including those other workers leave meanwhile.
private final class RejectionGate: Sendable {
    struct State {
        var next: UInt64 = 0
        var waiting: [UInt64: XPCMessageRejection] = [:]
        var calling = false
    }

    let state = ConditionLock(State())

    func deliver(_ rejection: XPCMessageRejection, ordinal: UInt64?, to call: (XPCMessageRejection) -> Void) {
        guard let ordinal else {
            call(rejection)
            return
        }
        let first = state.withLock { state -> Bool in
            state.waiting[ordinal] = rejection
            if state.calling { return false }
            state.calling = true
            return true
        }
        guard first else { return }
        while true {
            let ready = state.withLock { state -> [XPCMessageRejection] in
                var ready: [XPCMessageRejection] = []
                while let next = state.waiting.removeValue(forKey: state.next) {
                    ready.append(next)
                    state.next += 1
                }
                if ready.isEmpty { state.calling = false }
                return ready
            }
            if ready.isEmpty { return }
            ready.forEach(call)
        }
    }
}
