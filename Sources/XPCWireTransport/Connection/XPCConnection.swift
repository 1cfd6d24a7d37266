import SystemPackage
import XPCWire

/// A connection to a peer over a Unix-domain stream socket, carrying XPCWire messages with their
/// descriptors (SPEC §9.2).
///
/// A connection made with ``init(socketPath:options:)`` or ``init(endpoint:options:)`` is lazy: it
/// connects when the first message is sent (or on ``activate()``). Messages are delivered in order
/// through ``events``; replies go to the ``sendRequest(_:attachments:)`` that is waiting for them.
/// With ``setMessageSchemas(_:)``, messages that do not match their kind's schema are rejected
/// before delivery (``Event/rejected(_:)``).
///
/// ```swift
/// let connection = XPCConnection(socketPath: "/tmp/demo.sock")
/// try connection.send(["op": "hello"])                      // fire and forget
/// let reply = try await connection.sendRequest(["op": "add", "a": 1, "b": 2])
/// print(reply["sum"]?.int64Value ?? 0)
/// connection.cancel()
/// ```
///
/// Each active connection uses two threads, so that no blocking system call runs on Swift
/// concurrency's threads: a writer, and the connection's own thread, which reads the socket and
/// runs the jobs of tasks that prefer the connection's ``executor`` (SPEC §9.2.10). A sender
/// writes its own frame with a non-blocking `sendmsg` when nothing is queued before it, and leaves
/// to the writer thread only what the socket cannot take at once. Cancelling the connection, or
/// releasing the last reference to it (``events`` holds one while it is iterated), stops them and
/// closes the socket.
public final class XPCConnection: Sendable {
    /// How a connection reads and writes.
    public struct Options: Sendable {
        /// The largest frame (24-byte header plus envelope) sent or accepted. Default 64 MiB plus
        /// the header, matching the decoder's default `maximumMessageSize`.
        public var maximumFrameSize = FrameHeader.size + XPCWireLimits().maximumMessageSize
        /// The strict decoder's options for every received envelope (SPEC §6). Default: defaults.
        public var decodingOptions = XPCWireDecodingOptions()
        /// How many undelivered messages may wait in ``XPCConnection/events`` before the
        /// connection stops reading from the socket. Default 1024.
        public var maximumBufferedEvents = 1024
        /// The schemas every received message and request must match before it is delivered
        /// (SPEC §9.2.9); see also ``XPCConnection/setMessageSchemas(_:)``. Default none.
        public var messageSchemas: XPCMessageSchemas?

        /// The default options.
        public init() {}
    }

    /// What a connection delivers.
    public enum Event: Sendable {
        /// A message from the peer (a request when ``XPCReceivedMessage/expectsReply``).
        case message(XPCReceivedMessage)
        /// A message or request from the peer failed the connection's ``XPCMessageSchemas`` and
        /// was not delivered; its attachments are closed, and a requester was told. The connection
        /// goes on: more events follow.
        case rejected(XPCMessageRejection)
        /// The connection ended; this is the last event.
        case error(XPCTransportError)
    }

    /// The connection's events, in the order the peer sent them; they end after one
    /// ``Event/error(_:)``. Iterate them from one task at a time.
    public struct Events: AsyncSequence, Sendable {
        /// An event.
        public typealias Element = Event

        let connection: XPCConnection

        /// Iterates the events.
        public func makeAsyncIterator() -> Iterator {
            Iterator(connection: connection)
        }

        /// Iterates the events; holds the connection while it does.
        public struct Iterator: AsyncIteratorProtocol {
            let connection: XPCConnection

            /// The next event, or `nil` after the last one or when the task is cancelled.
            public mutating func next() async -> Event? {
                await connection.core.events.next()
            }
        }
    }

    let core: ConnectionCore

    init(core: ConnectionCore) {
        self.core = core
    }

    /// A connection to the listener bound at `socketPath`; it connects (`connect(2)`) on first use.
    public convenience init(socketPath: String, options: Options = Options()) {
        self.init(core: ConnectionCore(target: .path(socketPath), options: options))
    }

    /// A connection to the listener behind `endpoint` (SPEC §9.2.6); it connects on first use.
    public convenience init(endpoint: XPCEndpoint, options: Options = Options()) {
        self.init(core: ConnectionCore(target: .endpoint(endpoint.storage), options: options))
    }

    deinit {
        core.release()
    }

    /// The connection's events: messages from the peer, then the error that ended it.
    public var events: Events { Events(connection: self) }

    /// The peer's credentials, once connected (SPEC §9.2.7).
    public var peerCredentials: XPCPeerCredentials? { core.peerCredentials }

    /// Requires the peer to satisfy `requirement`; call before first use.
    ///
    /// - Throws: ``XPCTransportError/alreadyActivated`` once the connection has started.
    public func setPeerRequirement(_ requirement: PeerSecurityRequirement) throws(XPCTransportError) {
        try core.setRequirement(requirement)
    }

    /// Checks every message and request the peer sends against `schemas` before delivering it;
    /// `nil` checks nothing. Call before first use (SPEC §9.2.9).
    ///
    /// A message that fails is not delivered: its attachments are closed and ``events`` delivers
    /// ``Event/rejected(_:)`` in its place. A request that fails is answered at once, and the
    /// requester's `sendRequest` throws ``XPCTransportError/requestRejected(reasons:)``. Replies
    /// to this side's own requests are not checked.
    ///
    /// ```swift
    /// let connection = XPCConnection(endpoint: endpoint)
    /// try connection.setMessageSchemas(XPCMessageSchemas(schemas: [
    ///     "progress": .dictionary([.required("kind", .string()), .required("done", .uint64())]),
    /// ]))
    /// ```
    ///
    /// - Throws: ``XPCTransportError/alreadyActivated`` once the connection has started.
    public func setMessageSchemas(_ schemas: XPCMessageSchemas?) throws(XPCTransportError) {
        try core.setSchemas(schemas)
    }

    /// The connection's executor: a task that prefers it runs on the connection's own thread, the
    /// thread that reads the connection's socket (SPEC §9.2.10).
    ///
    /// A reply then resumes its `sendRequest` on the thread that read it, and a message or request
    /// resumes a task waiting in ``events`` there, with no hop to Swift's global executor: a round
    /// trip wakes one thread on each side, as a blocking socket ping-pong does. This is how
    /// ``XPCServer`` runs its handlers by default (``XPCServer/HandlerExecution/connectionExecutor``).
    ///
    /// ```swift
    /// let reply = try await withTaskExecutorPreference(connection.executor) {
    ///     try await connection.sendRequest(["op": "ping"])   // resumed on the connection's thread
    /// }
    /// ```
    ///
    /// Jobs on this executor share the thread with the connection's reading, one at a time: while
    /// one computes, the connection reads nothing. Keep work done here short, or move it to
    /// another executor. A task that prefers the executor of a connection that ended still runs;
    /// the thread exits once no job is queued and starts again for a later one. Like every task
    /// executor, it is a preference: an actor-isolated function still runs on its actor.
    @available(macOS 15, iOS 18, tvOS 18, watchOS 11, visionOS 2, *)
    public var executor: any TaskExecutor { core.loop }

    /// Connects now instead of on the first send. Does nothing if already started.
    public func activate() {
        core.activate()
    }

    /// Sends a message that wants no reply. Returns once it is queued, in order after every
    /// message sent before it.
    ///
    /// The attachments fill the message's fd and endpoint slots in order; the transport sends
    /// duplicates (`fcntl(F_DUPFD_CLOEXEC)`), so you keep and may close your descriptors at once.
    ///
    /// - Throws: encoding errors, ``XPCTransportError/tooManyAttachments(count:limit:)``,
    ///   ``XPCTransportError/frameTooLarge(size:limit:)``, or the error that ended the connection.
    public func send(_ message: XPCMessage, attachments: [XPCAttachment] = []) throws(XPCTransportError) {
        let envelope = try Self.encodeSegmented(message, attachments: attachments)
        let frame = try OutgoingFrame.make(
            kind: .message, envelope: envelope, attachments: attachments, maximumFrameSize: core.options.maximumFrameSize)
        try core.enqueue(frame)
    }

    /// Sends a request and returns the reply's message (a dictionary, SPEC §9.2.4).
    ///
    /// Descriptors that come with the reply are closed; use
    /// ``sendRequestReceivingAttachments(_:attachments:)`` to keep them.
    ///
    /// It runs where its caller runs (`nonisolated(nonsending)`: on the caller's actor, or on the
    /// executor its task prefers), encoding and writing the request without a hop, and the reply
    /// resumes the caller there. A caller that prefers ``executor`` is resumed on the thread that
    /// read the reply; any other waits for its executor to run it (a pool thread's wake-up).
    ///
    /// - Throws: the errors of ``send(_:attachments:)``; ``XPCTransportError/replyNotDictionary(_:)``;
    ///   ``XPCTransportError/noReply``; ``XPCTransportError/requestRejected(reasons:)`` when the
    ///   peer's schemas refuse the request; ``XPCTransportError/cancelled`` when the task is
    ///   cancelled; the error that ended the connection.
    nonisolated(nonsending) public func sendRequest(_ message: XPCMessage, attachments: [XPCAttachment] = []) async throws(XPCTransportError) -> XPCMessage {
        let reply = try await sendRequestReceivingAttachments(message, attachments: attachments)
        reply.closeAttachments()
        return reply.message
    }

    /// Sends a request and returns the reply with its attachments, which you then own.
    @inline(__always)
    nonisolated(nonsending) public func sendRequestReceivingAttachments(
        _ message: XPCMessage, attachments: [XPCAttachment] = []
    ) async throws(XPCTransportError) -> XPCReceivedMessage {
        let envelope = try Self.encodeSegmented(message, attachments: attachments)
        let frame = try OutgoingFrame.make(
            kind: .request, envelope: envelope, attachments: attachments, maximumFrameSize: core.options.maximumFrameSize)
        return try await core.request(frame).get()
    }

    /// Holds back delivery of events until a matching ``resume()``; after
    /// ``Options/maximumBufferedEvents`` held-back messages the connection stops reading.
    public func suspend() {
        core.events.suspendDelivery()
    }

    /// Undoes one ``suspend()``.
    ///
    /// - Throws: ``XPCTransportError/unbalancedResume`` without a matching ``suspend()``.
    public func resume() throws(XPCTransportError) {
        guard core.events.resumeDelivery() else { throw .unbalancedResume }
    }

    /// Ends the connection: waiting requests fail with ``XPCTransportError/cancelled``, queued
    /// messages are dropped (their duplicated descriptors closed), undelivered events are
    /// discarded (their descriptors closed), and ``events`` ends with
    /// ``Event/error(_:)`` `.cancelled`. The socket is closed once the transport's threads let go.
    public func cancel() {
        core.end(.cancelled)
    }

    // MARK: - Shared by the typed variants

    /// Data payloads at least this large are sent from the message's own storage (gathered by
    /// `sendmsg`) instead of being copied into the envelope.
    static let detachedDataThreshold = 64 << 10

    /// The envelope of `message`, its large data payloads referenced rather than copied.
    static func encodeSegmented(_ message: XPCMessage, attachments: [XPCAttachment]) throws(XPCTransportError) -> XPCSegmentedEnvelope {
        do {
            return try XPCWireEncoder().encodeSegmented(message, attachments: attachments, detachingDataOf: detachedDataThreshold)
        } catch {
            throw .encodingFailed(error)
        }
    }

    static func encode(_ message: XPCMessage, attachments: [XPCAttachment]) throws(XPCTransportError) -> [UInt8] {
        do {
            return try XPCWireEncoder().encode(message, attachments: attachments)
        } catch {
            throw .encodingFailed(error)
        }
    }

    func sendEnvelope(_ envelope: [UInt8], attachments: [XPCAttachment], kind: FrameKind) throws(XPCTransportError) {
        let frame = try OutgoingFrame.make(
            kind: kind, envelope: envelope, attachments: attachments, maximumFrameSize: core.options.maximumFrameSize)
        try core.enqueue(frame)
    }

    nonisolated(nonsending) func sendRequestEnvelope(_ envelope: [UInt8], attachments: [XPCAttachment]) async throws(XPCTransportError) -> XPCReceivedMessage {
        let frame = try OutgoingFrame.make(
            kind: .request, envelope: envelope, attachments: attachments, maximumFrameSize: core.options.maximumFrameSize)
        return try await core.request(frame).get()
    }
}
