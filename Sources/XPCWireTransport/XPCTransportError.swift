import SystemPackage
import XPCWire

/// Why a transport operation failed or a connection ended (SPEC §9.2).
///
/// Errors that end a connection arrive once in its ``XPCConnection/events`` as
/// ``XPCConnection/Event/error(_:)``, and every request still waiting for a reply fails with the
/// same error. Errors detected at the call site (an attachment that cannot be duplicated, a frame
/// too large to send) are thrown by the call.
///
/// ```swift
/// do {
///     let reply = try await connection.sendRequest(["op": "status"])
/// } catch .peerRequirementFailed(let credentials, let failure) {
///     print("refusing \(credentials.map(String.init(describing:)) ?? "unknown peer"): \(failure)")
/// } catch {
///     print(error)
/// }
/// ```
public enum XPCTransportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A system call failed; `operation` names it.
    case system(Errno, during: Operation)
    /// The socket path is empty, holds a NUL, or is longer than `sockaddr_un` allows.
    case invalidSocketPath(String, maximumLength: Int)
    /// The peer does not satisfy the connection's ``PeerSecurityRequirement``. No message from it
    /// was delivered and none was sent to it. `credentials` is `nil` when they could not be read.
    case peerRequirementFailed(XPCPeerCredentials?, PeerSecurityRequirement.Failure)
    /// The peer broke the framing rules of SPEC §9.2.
    case protocolViolation(ProtocolViolation)
    /// A frame's envelope failed the strict decoder (SPEC §7); `messageID` is the frame's id.
    case malformedMessage(XPCWireDecodingError, messageID: UInt64)
    /// A frame (24-byte header plus envelope) is larger than the receiver's or sender's limit.
    case frameTooLarge(size: Int, limit: Int)
    /// The peer speaks another major format version or transport version (SPEC §9.2.5).
    case versionMismatch(peerFormat: XPCWireVersion, peerTransport: Int64?)
    /// More attachments than one message can carry.
    case tooManyAttachments(count: Int, limit: Int)
    /// The message could not be encoded, or its attachments do not fill its slots.
    case encodingFailed(XPCWireEncodingError)
    /// The peer closed the connection between frames (or before its handshake).
    case connectionClosed
    /// The peer closed the connection, or died, inside a frame.
    case peerClosedMidFrame(receivedBytes: Int, frameSize: Int?)
    /// The connection or listener was cancelled, or the request's task was.
    case cancelled
    /// A reply is not a dictionary (SPEC §9.2.4); `kind` is what arrived instead.
    case replyNotDictionary(XPCMessage.Kind)
    /// The peer let go of the request without replying.
    case noReply
    /// The peer's ``XPCMessageSchemas`` rejected the request before any handler saw it
    /// (SPEC §9.2.9). `reasons` describes each violation (`path: reason`), or the unknown kind; it
    /// may be empty or shortened (at most 64 reasons of at most 1,024 bytes each).
    case requestRejected(reasons: [String])
    /// ``XPCReceivedMessage/reply(_:attachments:)`` on a message that did not ask for a reply.
    case replyNotExpected
    /// A second reply to the same request.
    case alreadyReplied
    /// ``XPCConnection/resume()`` without a matching ``XPCConnection/suspend()``.
    case unbalancedResume
    /// A setting that must precede first use was changed after the connection or listener started.
    case alreadyActivated

    /// The system call an ``XPCTransportError/system(_:during:)`` error comes from.
    public enum Operation: String, Hashable, Sendable, CustomStringConvertible {
        /// `socket(2)` or `socketpair(2)`.
        case socket
        /// `bind(2)`.
        case bind
        /// `listen(2)`.
        case listen
        /// `accept(2)`.
        case accept
        /// `connect(2)`, or sending a socket through an endpoint (SPEC §9.2.6).
        case connect
        /// `sendmsg(2)`.
        case send
        /// `recvmsg(2)`.
        case receive
        /// `fcntl(F_DUPFD_CLOEXEC)` on an attachment being sent.
        case duplicate
        /// `getsockopt(SO_PEERCRED)` or its Darwin equivalents.
        case peerCredentials
        /// `poll(2)`, `pipe(2)` and other plumbing.
        case plumbing

        /// The operation's name.
        public var description: String { rawValue }
    }

    /// A way in which the peer broke the framing rules of SPEC §9.2.
    public enum ProtocolViolation: Hashable, Sendable, CustomStringConvertible {
        /// The frame kind byte is not one SPEC §9.2.3 defines.
        case unknownFrameKind(UInt8)
        /// The frame header's flags or reserved bytes are not zero.
        case nonZeroReservedBits
        /// The first frame is not a hello.
        case missingHello
        /// A hello after the first frame.
        case unexpectedHello
        /// The hello's body is not what SPEC §9.2.5 requires.
        case malformedHello
        /// A message id that is not the previous one plus one.
        case outOfSequence(expected: UInt64, received: UInt64)
        /// A reply id on a frame that is not a reply, none on a reply, or one never sent.
        case unexpectedReplyID(UInt64)
        /// The kernel truncated the control data (`MSG_CTRUNC`): descriptors were lost.
        case controlDataTruncated
        /// More descriptors arrived with one frame than the slot limit allows.
        case tooManyDescriptors(received: Int, limit: Int)
        /// The descriptors that arrived do not match the envelope's slot table in number.
        case attachmentsMismatch(slots: Int, received: Int)
        /// An endpoint slot's descriptor is not a socket.
        case endpointNotASocket(slot: Int)
        /// Descriptors arrived with a hello frame.
        case descriptorsWithHello

        /// The violation in words.
        public var description: String {
            switch self {
            case .unknownFrameKind(let kind): "unknown frame kind \(kind)"
            case .nonZeroReservedBits: "frame header flags or reserved bytes not zero"
            case .missingHello: "first frame is not a hello"
            case .unexpectedHello: "hello after the first frame"
            case .malformedHello: "malformed hello"
            case .outOfSequence(let expected, let received): "message id \(received) where \(expected) was due"
            case .unexpectedReplyID(let id): "unexpected reply id \(id)"
            case .controlDataTruncated: "control data truncated (MSG_CTRUNC)"
            case .tooManyDescriptors(let received, let limit): "\(received) descriptors with one frame, limit \(limit)"
            case .attachmentsMismatch(let slots, let received): "\(slots) slots but \(received) descriptors"
            case .endpointNotASocket(let slot): "endpoint slot \(slot) is not a socket"
            case .descriptorsWithHello: "descriptors sent with the hello"
            }
        }
    }

    /// The error in words.
    public var description: String {
        switch self {
        case .system(let errno, let operation): "\(operation) failed: \(errno)"
        case .invalidSocketPath(let path, let maximum):
            "invalid socket path \(String(reflecting: path)) (1 to \(maximum) bytes, no NUL)"
        case .peerRequirementFailed(let credentials, let failure):
            "peer \(credentials.map { "\($0)" } ?? "(credentials unavailable)") fails the requirement: \(failure)"
        case .protocolViolation(let violation): "protocol violation: \(violation)"
        case .malformedMessage(let error, let id): "malformed message \(id): \(error)"
        case .frameTooLarge(let size, let limit): "frame of \(size) bytes exceeds the limit of \(limit)"
        case .versionMismatch(let format, let transport):
            "peer speaks format \(format), transport \(transport.map(String.init) ?? "unknown"); "
                + "this side speaks format \(XPCWireVersion.current), transport \(XPCTransportVersion.current)"
        case .tooManyAttachments(let count, let limit): "\(count) attachments; one message carries at most \(limit)"
        case .encodingFailed(let error): "cannot encode: \(error)"
        case .connectionClosed: "connection closed by the peer"
        case .peerClosedMidFrame(let received, let size):
            "peer closed the connection inside a frame after \(received) of \(size.map(String.init) ?? "?") bytes"
        case .cancelled: "cancelled"
        case .replyNotDictionary(let kind): "reply is a \(kind), not a dictionary"
        case .noReply: "the peer did not reply"
        case .requestRejected(let reasons):
            reasons.isEmpty ? "the peer rejected the request" : "the peer rejected the request: " + reasons.joined(separator: "; ")
        case .replyNotExpected: "the message did not ask for a reply"
        case .alreadyReplied: "already replied"
        case .unbalancedResume: "resume without a matching suspend"
        case .alreadyActivated: "already activated"
        }
    }
}

/// The transport protocol version a hello carries (SPEC §9.2.5).
public enum XPCTransportVersion {
    /// The version this library speaks: 1.
    public static let current: Int64 = 1
}
