import Foundation
import SystemPackage
import XPCWire

/// The machinery behind an ``XPCConnection``: a writer thread that connects, checks the peer,
/// says hello and writes queued frames in order, and the connection's own thread
/// (``ConnectionLoop``) that reads, checks and delivers frames (SPEC §9.2) between the jobs of the
/// tasks that prefer the connection's executor. Blocking system calls happen on the writer thread
/// and in the loop's wait only, never on Swift concurrency's cooperative threads.
///
/// Sending does not need the writer thread when the socket can take the frame: a sender that
/// finds nothing queued and nobody writing writes the frame itself with a non-blocking
/// `sendmsg` (``writeDirectly(_:id:on:)``), and hands the writer thread only what the socket
/// could not take yet. Replies resume their `sendRequest` straight from the connection's thread:
/// a caller on the connection's executor goes on in the same pass of the loop.
final class ConnectionCore: Sendable {
    /// Where the socket comes from.
    enum Target: Sendable {
        /// `connect(2)` to a path.
        case path(String)
        /// A socket pair end sent through an endpoint (SPEC §9.2.6).
        case endpoint(DescriptorHandle)
        /// A socket a listener accepted.
        case accepted(DescriptorHandle)
    }

    enum Phase {
        case idle
        case connecting
        case ready(DescriptorHandle)
        case ended(XPCTransportError)
    }

    typealias ReplyWaiter = UnsafeContinuation<Result<XPCReceivedMessage, XPCTransportError>, Never>

    /// Who writes a frame just admitted (``State/admit(_:)``).
    enum Route {
        /// The sender, now, on this socket.
        case direct(DescriptorHandle)
        /// The writer thread; wake it if it may be waiting.
        case queued(wakeWriter: Bool)
        /// The writer thread, once the idle connection is activated.
        case activate
    }

    struct State {
        var phase = Phase.idle
        var requirement: PeerSecurityRequirement?
        var schemas: XPCMessageSchemas?
        var credentials: XPCPeerCredentials?
        var outbound: [(frame: OutgoingFrame, id: UInt64)] = []
        var outboundHead = 0
        var nextMessageID: UInt64 = 1
        var pending = PendingReplies<ReplyWaiter>()
        /// Someone (a sender or the writer thread) is writing to the socket; everyone else queues.
        var writing = false
        /// The peer stopped reading (`EPIPE`, `ECONNRESET`): nothing more is written, and frames
        /// wait in `outbound` until the reader reports how the connection ended.
        var writesStopped = false

        var hasOutbound: Bool { outboundHead < outbound.count }

        /// Whether the writer thread has a frame to write.
        var writerHasWork: Bool { hasOutbound && !writing && !writesStopped }

        /// Gives `frame` the next message id and decides who writes it: the caller directly, when
        /// the socket is ready and nothing is queued or being written (then `writing` is now
        /// theirs), or the writer thread, from the queue.
        mutating func admit(_ frame: OutgoingFrame) -> (id: UInt64, route: Route) {
            let id = nextMessageID
            nextMessageID += 1
            switch phase {
            case .ready(let socket) where !writing && !writesStopped && !hasOutbound:
                writing = true
                return (id, .direct(socket))
            case .idle:
                outbound.append((frame, id))
                return (id, .activate)
            case .ready:
                outbound.append((frame, id))
                return (id, .queued(wakeWriter: writerHasWork))
            case .connecting, .ended:
                // The writer thread writes the queue once the hello is out.
                outbound.append((frame, id))
                return (id, .queued(wakeWriter: false))
            }
        }

        /// Puts a partly written frame back at the head of the queue.
        mutating func pushFrontOutbound(_ entry: (frame: OutgoingFrame, id: UInt64)) {
            if outboundHead > 0 {
                outboundHead -= 1
                outbound[outboundHead] = entry
            } else {
                outbound.insert(entry, at: 0)
            }
        }

        var isEnded: Bool {
            if case .ended = phase { return true }
            return false
        }

        mutating func popOutbound() -> (frame: OutgoingFrame, id: UInt64)? {
            guard hasOutbound else { return nil }
            let next = outbound[outboundHead]
            outboundHead += 1
            if outboundHead == outbound.count {
                outbound.removeAll(keepingCapacity: outbound.count <= 4096)
                outboundHead = 0
            } else if outboundHead >= 256, outboundHead * 2 >= outbound.count {
                outbound.removeFirst(outboundHead)
                outboundHead = 0
            }
            return next
        }

        mutating func takeOutbound() -> [OutgoingFrame] {
            let frames = outbound[outboundHead...].map(\.frame)
            outbound = []
            outboundHead = 0
            return frames
        }
    }

    let target: Target
    let options: XPCConnection.Options
    let state: ConditionLock<State>
    /// The connection's thread and executor.
    let loop = ConnectionLoop()
    let events: DeliveryQueue<XPCConnection.Event>

    init(target: Target, options: XPCConnection.Options) {
        self.target = target
        self.options = options
        var initial = State()
        initial.schemas = options.messageSchemas
        self.state = ConditionLock(initial)
        let loop = self.loop
        events = DeliveryQueue(
            dispose: { event in
                if case .message(let received) = event { received.closeAttachments() }
            },
            // Rejections are numbered, so that a server's workers report them in order.
            sequenced: { event in
                if case .rejected = event { return true }
                return false
            },
            // The loop stops reading while the buffer is full, and reads on once it is not.
            roomLimit: options.maximumBufferedEvents,
            onRoom: { loop.wake() })
    }

    // MARK: - Settings and lifecycle

    func setRequirement(_ requirement: PeerSecurityRequirement) throws(XPCTransportError) {
        let accepted = state.withLock { state -> Bool in
            guard case .idle = state.phase else { return false }
            state.requirement = requirement
            return true
        }
        guard accepted else { throw .alreadyActivated }
    }

    func setSchemas(_ schemas: XPCMessageSchemas?) throws(XPCTransportError) {
        let accepted = state.withLock { state -> Bool in
            guard case .idle = state.phase else { return false }
            state.schemas = schemas
            return true
        }
        guard accepted else { throw .alreadyActivated }
    }

    var peerCredentials: XPCPeerCredentials? { state.withLock { $0.credentials } }

    /// Starts connecting, once.
    func activate() {
        let start = state.withLock { state -> Bool in
            guard case .idle = state.phase else { return false }
            state.phase = .connecting
            return true
        }
        if start {
            let thread = Thread { [self] in writerMain() }
            thread.name = "XPCWire writer"
            thread.start()
        }
    }

    /// Ends the connection with `error`, once: fails waiting requests, drops queued frames,
    /// delivers `error` as the last event, wakes the writer thread and stops the loop reading.
    func end(_ error: XPCTransportError) {
        let ended = state.withLockThenBroadcast { state -> (DescriptorHandle?, [OutgoingFrame], [ReplyWaiter])? in
            if state.isEnded { return nil }
            var socket: DescriptorHandle?
            if case .ready(let handle) = state.phase { socket = handle }
            state.phase = .ended(error)
            let waiters = state.pending.removeAll()
            return (socket, state.takeOutbound(), waiters)
        }
        guard let (socket, frames, waiters) = ended else { return }
        socket?.shutdown()
        loop.detach()
        for frame in frames { frame.closeDescriptors() }
        for waiter in waiters { waiter.resume(returning: .failure(error)) }
        events.finish(discardingBuffered: error == .cancelled, last: .error(error))
    }

    /// The public object went away: end the connection and release undelivered events.
    func release() {
        end(.cancelled)
        events.discardAll()
    }

    // MARK: - Sending

    /// Queues a frame, starting the connection if it is idle; returns its message id. With
    /// `answering`, the frame is that request's reply, sent only if none was sent before (the
    /// claim and the queueing under one lock).
    @discardableResult
    func enqueue(_ frame: consuming OutgoingFrame, answering request: ReplyContext? = nil) throws(XPCTransportError) -> UInt64 {
        let admission = state.withLock { state -> Admission in
            // A second reply is the caller's mistake, whatever became of the connection.
            if let request {
                if request.replied { return .refused(.alreadyReplied) }
                request.replied = true
            }
            if case .ended(let error) = state.phase { return .refused(error) }
            let (id, route) = state.admit(frame)
            return .admitted(id: id, route: route)
        }
        switch admission {
        case .admitted(let id, let route):
            dispatch(frame, id: id, route: route)
            return id
        case .refused(let error):
            frame.closeDescriptors()
            throw error
        }
    }

    /// Whether a frame was let in (``State/admit(_:)``), and with which id and route. Its own
    /// enum rather than a `Result` of a tuple: tuples are destroyed through the runtime's
    /// generic tuple witnesses, twice per frame sent.
    enum Admission {
        case admitted(id: UInt64, route: Route)
        case refused(XPCTransportError)
    }

    /// Carries out an admitted frame's route.
    ///
    /// Frames are passed `consuming` down to the write: a copy of a frame (three arrays) goes
    /// through outlined copy functions that look up each array's metadata.
    private func dispatch(_ frame: consuming OutgoingFrame, id: UInt64, route: Route) {
        switch route {
        case .direct(let socket): writeDirectly(frame, id: id, on: socket)
        case .queued(let wakeWriter): if wakeWriter { state.broadcast() }
        case .activate: activate()
        }
    }

    /// Writes `frame` from the calling thread (a sender that was given `writing`), then whatever
    /// was queued behind it, each with a non-blocking `send`/`sendmsg`; whatever the socket cannot
    /// take yet goes back to the head of the queue for the writer thread, which may block. Never
    /// blocks, so it may run on Swift concurrency's threads.
    private func writeDirectly(_ frame: consuming OutgoingFrame, id: UInt64, on socket: DescriptorHandle) {
        var frame = frame
        var id = id
        while true {
            let complete: Bool
            do throws(Errno) {
                complete = try frame.write(to: socket.descriptor, messageID: id, blocking: false)
            } catch .brokenPipe, .connectionReset {
                // As on the writer thread: the reader reports how the connection ended.
                state.withLock { state in
                    state.writesStopped = true
                    state.writing = false
                }
                return
            } catch {
                state.withLock { $0.writing = false }
                end(.system(error, during: .send))
                return
            }
            enum Next { case write(OutgoingFrame, UInt64), drop, done, wakeWriter }
            let next = state.withLock { state -> Next in
                if state.isEnded {
                    state.writing = false
                    return complete ? .done : .drop
                }
                if !complete {
                    state.pushFrontOutbound((frame, id))
                    state.writing = false
                    return .wakeWriter
                }
                if let (queued, queuedID) = state.popOutbound() { return .write(queued, queuedID) }
                state.writing = false
                return .done
            }
            switch next {
            case .write(let queued, let queuedID):
                frame = queued
                id = queuedID
            case .drop:
                frame.closeDescriptors()
                return
            case .done:
                return
            case .wakeWriter:
                state.broadcast()
                return
            }
        }
    }

    /// Identifies one request so that its task's cancellation can find it; guarded by the state lock.
    final class RequestToken: @unchecked Sendable {
        var id: UInt64?
        var cancelled = false
    }

    /// Sends a request frame and waits for the reply frame.
    @inline(__always)
    nonisolated(nonsending) func request(_ frame: consuming OutgoingFrame) async -> Result<XPCReceivedMessage, XPCTransportError> {
        let token = RequestToken()
        // Moved, not copied, into the closure that sends it.
        var unsent = Optional(frame)
        return await withTaskCancellationHandler {
            // Resumed exactly once: by whoever removes it from `pending` under the lock (the
            // connection's thread, `end`, or the cancellation handler), or here when never added.
            await withUnsafeContinuation { (continuation: ReplyWaiter) in
                guard let frame = unsent.take() else {
                    continuation.resume(returning: .failure(.cancelled))
                    return
                }
                let admission = state.withLock { state -> Admission in
                    if case .ended(let error) = state.phase { return .refused(error) }
                    if token.cancelled { return .refused(.cancelled) }
                    let (id, route) = state.admit(frame)
                    token.id = id
                    state.pending.insert(continuation, for: id)
                    return .admitted(id: id, route: route)
                }
                switch admission {
                case .admitted(let id, let route):
                    dispatch(frame, id: id, route: route)
                case .refused(let error):
                    frame.closeDescriptors()
                    continuation.resume(returning: .failure(error))
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> ReplyWaiter? in
                token.cancelled = true
                guard let id = token.id else { return nil }
                return state.pending.remove(id)
            }
            waiter?.resume(returning: .failure(.cancelled))
        }
    }

    /// The empty-dictionary envelope of a no-reply frame.
    static let emptyDictionaryEnvelope: [UInt8] = (try? XPCWireEncoder().encode(.dictionary(XPCDictionary()))) ?? []

    /// Tells the peer that request `requestID` will get no reply (`envelope`: the empty
    /// dictionary, or a rejection, SPEC §9.2.9); ignored once the connection ended.
    func sendNoReply(to requestID: UInt64, envelope: [UInt8] = ConnectionCore.emptyDictionaryEnvelope) {
        let frame = OutgoingFrame(kind: .noReply, replyID: requestID, envelope: envelope, descriptors: [])
        _ = try? enqueue(frame)
    }

    // MARK: - Writer thread

    /// The socket send buffer each connection asks for: large enough that a frame of a megabyte
    /// or two usually goes out in one non-blocking `sendmsg` from the sender, without waking the
    /// writer thread. A limit, not an allocation; the kernel may grant less.
    static let sendBufferSize = 2 << 20

    private func writerMain() {
        let socket: DescriptorHandle
        let credentials: Result<XPCPeerCredentials, Errno>
        do {
            (socket, credentials) = try establish()
        } catch {
            end(error)
            return
        }
        let requirement = state.withLock { state in
            state.credentials = try? credentials.get()
            return state.requirement
        }
        if let requirement {
            let failure: PeerSecurityRequirement.Failure?
            switch credentials {
            case .success(let peer): failure = requirement.evaluate(peer)
            case .failure(let errno): failure = .credentialsUnavailable(errno)
            }
            if let failure {
                end(.peerRequirementFailed(try? credentials.get(), failure))
                return
            }
        }
        Platform.requestSendBuffer(socket.descriptor, size: Self.sendBufferSize)
        // The writer thread holds `writing` until the hello is out, so senders queue behind it.
        let proceed = state.withLock { state -> Bool in
            guard case .connecting = state.phase else { return false }
            state.phase = .ready(socket)
            state.writing = true
            return true
        }
        guard proceed else { return }
        let wake: (read: DescriptorHandle, write: DescriptorHandle)
        let waiter: ReadinessWaiter
        do {
            let pair = try Platform.makeSocketPair(type: Platform.streamSocketType)
            wake = (DescriptorHandle(adopting: pair.0), DescriptorHandle(adopting: pair.1))
            waiter = try ReadinessWaiter(wake: wake.read.descriptor, socket: socket.descriptor)
        } catch {
            state.withLock { $0.writing = false }
            end(.system(error, during: .plumbing))
            return
        }
        loop.attach(InboundReader(core: self, socket: socket), wake: wake, waiter: waiter)
        do throws(Errno) {
            var hello = OutgoingFrame(kind: .hello, replyID: 0, envelope: Handshake.helloEnvelope, descriptors: [])
            _ = try hello.write(to: socket.descriptor, messageID: 0, blocking: true)
            state.withLock { $0.writing = false }
            while let (frame, id) = state.wait(until: { $0.isEnded || $0.writerHasWork }, then: { state -> (OutgoingFrame, UInt64)? in
                guard !state.isEnded, let next = state.popOutbound() else { return nil }
                state.writing = true
                return next
            }) {
                var frame = frame
                _ = try frame.write(to: socket.descriptor, messageID: id, blocking: true)
                state.withLock { $0.writing = false }
            }
        } catch .brokenPipe, .connectionReset {
            // The peer is gone or stopped reading. The reader reaches its end of file after what
            // the peer did send, and reports precisely how the connection ended (SPEC §9.2.8).
            state.withLock { state in
                state.writesStopped = true
                state.writing = false
            }
            return
        } catch {
            state.withLock { $0.writing = false }
            end(.system(error, during: .send))
        }
    }

    /// Connects (or takes the accepted socket) and reads the peer's credentials.
    private func establish() throws(XPCTransportError) -> (DescriptorHandle, Result<XPCPeerCredentials, Errno>) {
        switch target {
        case .accepted(let socket):
            return (socket, Result { () throws(Errno) in try Platform.peerCredentials(of: socket.descriptor) })
        case .path(let path):
            let descriptor: CInt
            do {
                descriptor = try Platform.makeSocket(type: Platform.streamSocketType)
            } catch {
                throw .system(error, during: .socket)
            }
            let socket = DescriptorHandle(adopting: descriptor)
            try Platform.connect(descriptor, toPath: path)
            return (socket, Result { () throws(Errno) in try Platform.peerCredentials(of: descriptor) })
        case .endpoint(let endpoint):
            let socket = try EndpointConnector.connect(through: endpoint) { [self] in state.withLock { $0.isEnded } }
            // The connector was made by the listener's process (SPEC §9.2.7).
            return (socket, Result { () throws(Errno) in try Platform.peerCredentials(of: endpoint.descriptor) })
        }
    }

    // MARK: - Reading (on the connection's thread, through ``InboundReader``)

    /// Checks a frame after the hello and delivers it: a message or request to ``events``, a reply
    /// to the request waiting for it. Returns whether ``events`` still has room for another.
    func handle(
        _ frame: ReceivedFrame, expectedID: inout UInt64, decoder: XPCWireDecoder, schemas: XPCMessageSchemas?
    ) throws(XPCTransportError) -> Bool {
        let header = frame.header
        guard header.messageID == expectedID else {
            Descriptors.close(frame.descriptors)
            throw .protocolViolation(.outOfSequence(expected: expectedID, received: header.messageID))
        }
        expectedID &+= 1
        switch header.kind {
        case .hello:
            Descriptors.close(frame.descriptors)
            throw .protocolViolation(.unexpectedHello)
        case .message, .request:
            guard header.replyID == 0 else {
                Descriptors.close(frame.descriptors)
                throw .protocolViolation(.unexpectedReplyID(header.replyID))
            }
            let (message, attachments) = try decode(frame, decoder: decoder)
            if let schemas, let reason = schemas.validate(message) {
                // SPEC §9.2.9: not delivered; its descriptors closed; a requester told at once.
                XPCReceivedMessage.close(attachments)
                let rejection = XPCMessageRejection(
                    kind: schemas.kind(of: message), reason: reason, messageID: header.messageID,
                    isRequest: header.kind == .request)
                if rejection.isRequest { sendNoReply(to: header.messageID, envelope: rejection.wireEnvelope) }
                return events.push(.rejected(rejection))
            }
            let context = header.kind == .request ? ReplyContext(core: self, requestID: header.messageID) : nil
            return events.push(.message(XPCReceivedMessage(
                message: message, attachments: attachments, messageID: header.messageID, replyContext: context)))
        case .reply, .noReply:
            // One lock: the reply id is checked, and the waiting request (if its task was not
            // cancelled meanwhile) taken.
            let claimed = state.withLock { state -> (valid: Bool, waiter: ReplyWaiter?) in
                guard header.replyID != 0, header.replyID < state.nextMessageID else { return (false, nil) }
                return (true, state.pending.remove(header.replyID))
            }
            guard claimed.valid else {
                Descriptors.close(frame.descriptors)
                throw .protocolViolation(.unexpectedReplyID(header.replyID))
            }
            let waiter = claimed.waiter
            let message: XPCMessage
            let attachments: [XPCAttachment]
            do {
                (message, attachments) = try decode(frame, decoder: decoder)
            } catch {
                // The connection ends with this error; its request, no longer pending, learns it here.
                waiter?.resume(returning: .failure(error))
                throw error
            }
            let received = XPCReceivedMessage(
                message: message, attachments: attachments, messageID: header.messageID, replyContext: nil)
            let result: Result<XPCReceivedMessage, XPCTransportError>
            if header.kind == .noReply {
                received.closeAttachments()
                if let reasons = XPCMessageRejection.reasons(inNoReply: message) {
                    result = .failure(.requestRejected(reasons: reasons))
                } else {
                    result = .failure(.noReply)
                }
            } else if case .dictionary = message {
                result = .success(received)
            } else {
                received.closeAttachments()
                result = .failure(.replyNotDictionary(message.kind))
            }
            if let waiter {
                waiter.resume(returning: result)
            } else {
                // The request's task was cancelled: nobody wants the reply.
                received.closeAttachments()
            }
            return true
        }
    }

    /// Decodes a frame's envelope strictly and pairs the descriptors with its slots (SPEC §9.2.4).
    /// Closes the descriptors on failure.
    func decode(_ frame: ReceivedFrame, decoder: XPCWireDecoder) throws(XPCTransportError) -> (XPCMessage, [XPCAttachment]) {
        do throws(XPCTransportError) {
            let envelope: XPCEnvelope
            do {
                envelope = try decoder.decodeEnvelope(frame.envelope)
            } catch {
                throw XPCTransportError.malformedMessage(error, messageID: frame.header.messageID)
            }
            guard envelope.slots.count == frame.descriptors.count else {
                throw XPCTransportError.protocolViolation(
                    .attachmentsMismatch(slots: envelope.slots.count, received: frame.descriptors.count))
            }
            var attachments: [XPCAttachment] = []
            attachments.reserveCapacity(envelope.slots.count)
            for (slot, (kind, descriptor)) in zip(envelope.slots, frame.descriptors).enumerated() {
                switch kind {
                case .fd:
                    attachments.append(.fd(FileDescriptor(rawValue: descriptor)))
                case .endpoint:
                    guard Platform.isSocket(descriptor) else {
                        throw XPCTransportError.protocolViolation(.endpointNotASocket(slot: slot))
                    }
                    attachments.append(.endpoint(XPCEndpointHandle(fileDescriptor: FileDescriptor(rawValue: descriptor))))
                }
            }
            return (envelope.message, attachments)
        } catch {
            Descriptors.close(frame.descriptors)
            throw error
        }
    }
}

/// The requests waiting for their replies (their waiters), by message id. Most connections have
/// one request in flight at a time, so the first is kept aside and found without hashing.
struct PendingReplies<Waiter> {
    private var first: (id: UInt64, waiter: Waiter)?
    private var others: [UInt64: Waiter] = [:]

    mutating func insert(_ waiter: Waiter, for id: UInt64) {
        if first == nil {
            first = (id, waiter)
        } else {
            others[id] = waiter
        }
    }

    /// How many requests wait.
    var count: Int { (first == nil ? 0 : 1) + others.count }

    /// Takes out the waiter for `id`, if it is still there.
    mutating func remove(_ id: UInt64) -> Waiter? {
        if let first, first.id == id {
            self.first = nil
            return first.waiter
        }
        return others.isEmpty ? nil : others.removeValue(forKey: id)
    }

    /// Takes out every waiter.
    mutating func removeAll() -> [Waiter] {
        var all = Array(others.values)
        if let first { all.append(first.waiter) }
        first = nil
        others = [:]
        return all
    }
}

/// The reading half of a connection, used on the connection's thread only (``ConnectionLoop``):
/// frames off the socket without blocking, the hello first, then every frame checked and
/// delivered in order.
///
/// `@unchecked Sendable`: it is handed to the loop once and from then on used by the loop's
/// thread alone (one thread at a time: a later loop thread starts only after the last one stopped
/// touching it).
final class InboundReader: @unchecked Sendable {
    let core: ConnectionCore
    /// Kept open while the reader may read it.
    private let socket: DescriptorHandle
    private let frames: FrameReader
    private let decoder: XPCWireDecoder
    private let schemas: XPCMessageSchemas?
    // Used by the loop's thread alone: no run-time exclusivity checks needed.
    @exclusivity(unchecked) private var greeted = false
    @exclusivity(unchecked) private var expectedID: UInt64 = 1

    init(core: ConnectionCore, socket: DescriptorHandle) {
        self.core = core
        self.socket = socket
        let options = core.options
        frames = FrameReader(
            socket: socket.descriptor, maximumFrameSize: options.maximumFrameSize,
            maximumDescriptors: min(options.decodingOptions.limits.maximumSlotCount, SocketMessageIO.maximumDescriptorsPerMessage))
        decoder = XPCWireDecoder(options: options.decodingOptions)
        // Settings are fixed once the connection has started.
        schemas = core.state.withLock { $0.schemas }
    }

    /// The socket to poll.
    var descriptor: CInt { socket.descriptor }

    /// Whether frames already received wait to be read, so that the loop reads before it polls.
    var hasBufferedInput: Bool { frames.hasBufferedInput }

    /// Whether another event may be delivered: the connection stops reading while its events
    /// buffer is full (``XPCConnection/Options/maximumBufferedEvents``) and once it ended.
    var hasRoom: Bool { core.events.hasRoom }

    /// Reads and delivers frames, up to ``ConnectionLoop/framesPerPass``: the next one only when
    /// it has already arrived here (otherwise the loop polls before it reads again), the events
    /// buffer has room, and no job waits on the loop (`jobsQueued`), so that a job a frame queued
    /// runs before the next read. Returns `true` when it stopped because the events buffer is
    /// full: then the loop reads again only once a consumer made room.
    func readAvailable(jobsQueued: () -> Bool) -> Bool {
        do throws(XPCTransportError) {
            for _ in 0..<ConnectionLoop.framesPerPass {
                switch try frames.readFrame() {
                case .wouldBlock:
                    return false
                case .endOfFile:
                    throw .connectionClosed
                case .frame(let frame):
                    if greeted {
                        if try !core.handle(frame, expectedID: &expectedID, decoder: decoder, schemas: schemas) { return true }
                    } else {
                        do {
                            try Handshake.validate(frame, decoder: decoder)
                        } catch {
                            Descriptors.close(frame.descriptors)
                            throw error
                        }
                        greeted = true
                    }
                }
                if !frames.hasBufferedInput || jobsQueued() { return false }
            }
        } catch {
            fail(error)
        }
        return false
    }

    /// Ends the connection with `error` (the loop then stops reading).
    func fail(_ error: XPCTransportError) {
        core.end(error)
    }
}

/// What a request needs to be answered: the connection and the request's message id. When the
/// last copy of the request goes away unanswered, the peer is told (a no-reply frame), so its
/// `sendRequest` ends with ``XPCTransportError/noReply`` instead of waiting forever.
///
/// `@unchecked Sendable`: `replied`, its only mutable state, is read and written only with the
/// connection's state lock (`core.state`) held (``ConnectionCore/enqueue(_:answering:)``), and in
/// `deinit`, when no other reference is left; so a request costs one allocation here and its
/// reply no lock of its own.
final class ReplyContext: @unchecked Sendable {
    let core: ConnectionCore
    let requestID: UInt64
    /// Guarded by `core.state`'s lock.
    fileprivate(set) var replied = false

    init(core: ConnectionCore, requestID: UInt64) {
        self.core = core
        self.requestID = requestID
    }

    /// Sends the reply frame `makeFrame` makes, once. A frame that cannot be made leaves the
    /// request unanswered: a smaller reply may follow.
    func reply(makeFrame: () throws(XPCTransportError) -> OutgoingFrame) throws(XPCTransportError) {
        try core.enqueue(try makeFrame(), answering: self)
    }

    deinit {
        // The last reference is gone: nobody else reads or writes `replied` any more.
        if !replied { core.sendNoReply(to: requestID) }
    }
}
