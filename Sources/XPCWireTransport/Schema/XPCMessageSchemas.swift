import XPCWire

/// A schema per message kind, checked by a connection before it delivers a message (SPEC §9.2.9).
///
/// The *kind* of a message is the string at ``kindKey`` (by default `"kind"`) in its top-level
/// dictionary. A message whose kind has a schema is delivered only if it matches that schema; a
/// message without a kind, or of a kind with no schema, is handled by ``unknownKindPolicy``.
///
/// ```swift
/// var schemas = XPCMessageSchemas(kindKey: "op")
/// schemas["add"] = .dictionary([
///     .required("op", .string()),
///     .required("a", .int64()),
///     .required("b", .int64()),
/// ], extraKeys: .reject)
/// schemas["log"] = .dictionary([.required("op", .string()), .required("line", .string(maximumLength: 4096))])
///
/// let listener = try XPCListener(socketPath: "/tmp/demo.sock")
/// try listener.setMessageSchemas(schemas)   // every accepted connection checks them
/// ```
///
/// A message that fails never reaches ``XPCConnection/events`` as a message: the connection
/// closes its attachments and delivers ``XPCConnection/Event/rejected(_:)`` instead, with the kind
/// and every ``XPCSchemaViolation``. A rejected request is answered at once with a no-reply frame
/// that names the violations, so the requester's `sendRequest` throws
/// ``XPCTransportError/requestRejected(reasons:)``. The connection stays up.
///
/// The schema of a kind sees the whole message, the kind key included: a dictionary schema that
/// rejects extra keys must list the kind key as a field. Kinds are compared by their UTF-8 bytes,
/// as dictionary keys are (SPEC §2.4), never by Unicode canonical equivalence.
///
/// Schemas apply to messages and requests received, not to replies: a reply answers the request
/// it names, whatever its keys. Check a reply with ``XPCSchema/validate(_:)`` where needed.
public struct XPCMessageSchemas: Hashable, Sendable {
    /// What a connection does with a message that has no kind, or a kind with no schema.
    public enum UnknownKindPolicy: Hashable, Sendable {
        /// Reject it: ``XPCMessageRejection/Reason/unknownKind``. The default.
        case reject
        /// Deliver it unchecked.
        case deliver
        /// Check it against this schema.
        case validate(XPCSchema)
    }

    /// The top-level dictionary key whose string value is a message's kind. Default `"kind"`.
    public var kindKey: String
    /// What happens to a message without a kind (not a dictionary, no ``kindKey``, or a value that
    /// is not a string) or of a kind with no schema. Default ``UnknownKindPolicy/reject``.
    public var unknownKindPolicy: UnknownKindPolicy
    /// The schemas by the UTF-8 bytes of their kind.
    private var table: [[UInt8]: XPCSchema]

    /// Schemas for the kinds in `schemas`, read at `kindKey`.
    ///
    /// To check every message against one schema whatever its kind, leave `schemas` empty and
    /// give the schema as the policy: `XPCMessageSchemas(unknownKindPolicy: .validate(schema))`.
    /// A Swift dictionary treats canonically equivalent strings as one key; add kinds that differ
    /// only in Unicode normalization with the subscript.
    public init(kindKey: String = "kind", schemas: [String: XPCSchema] = [:], unknownKindPolicy: UnknownKindPolicy = .reject) {
        self.kindKey = kindKey
        self.unknownKindPolicy = unknownKindPolicy
        self.table = [:]
        for (kind, schema) in schemas { table[Array(kind.utf8)] = schema }
    }

    /// The schema of messages of `kind`; `nil` removes it.
    public subscript(kind: String) -> XPCSchema? {
        get { table[Array(kind.utf8)] }
        set { table[Array(kind.utf8)] = newValue }
    }

    /// The kinds that have a schema, in the order of their UTF-8 bytes.
    public var kinds: [String] {
        table.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { String(decoding: $0, as: UTF8.self) }
    }

    /// The kind of `message`: the string at ``kindKey`` if `message` is a dictionary that has one.
    public func kind(of message: XPCMessage) -> String? {
        message[kindKey]?.stringValue
    }

    /// Why a connection with these schemas rejects `message`; `nil` when it delivers it.
    ///
    /// ```swift
    /// let schemas = XPCMessageSchemas(schemas: ["ping": .dictionary([.required("kind", .string())], extraKeys: .reject)])
    /// schemas.validate(["kind": "ping"])               // nil
    /// schemas.validate(["kind": "ping", "x": 1])       // .violations([x: unexpected key])
    /// schemas.validate(["kind": "pong"])               // .unknownKind
    /// ```
    public func validate(_ message: XPCMessage) -> XPCMessageRejection.Reason? {
        let schema: XPCSchema
        if let kind = kind(of: message), let known = table[Array(kind.utf8)] {
            schema = known
        } else {
            switch unknownKindPolicy {
            case .reject: return .unknownKind
            case .deliver: return nil
            case .validate(let fallback): schema = fallback
            }
        }
        if schema.matches(message) { return nil }
        return .violations(schema.validate(message))
    }
}

/// A message or request that a connection did not deliver because it failed the connection's
/// ``XPCMessageSchemas`` (SPEC §9.2.9). Its attachments were closed.
///
/// ```swift
/// for await event in connection.events {
///     switch event {
///     case .message(let received): handle(received)
///     case .rejected(let rejection): log.warning("\(rejection)")   // the connection goes on
///     case .error(let error): log.error("\(error)")                // the last event
///     }
/// }
/// ```
public struct XPCMessageRejection: Hashable, Sendable, CustomStringConvertible {
    /// Why a message was rejected.
    public enum Reason: Hashable, Sendable, CustomStringConvertible {
        /// The message has no kind, or no schema for its kind, and the policy is
        /// ``XPCMessageSchemas/UnknownKindPolicy/reject``.
        case unknownKind
        /// The message does not match its schema: every violation, in message order (SPEC §9.4.2).
        case violations([XPCSchemaViolation])

        /// For example `unknown kind` or `a: expected int64, found string; b: missing required field`.
        public var description: String {
            switch self {
            case .unknownKind: "unknown kind"
            case .violations(let violations): violations.map(\.description).joined(separator: "; ")
            }
        }
    }

    /// The message's kind (``XPCMessageSchemas/kind(of:)``); `nil` when it has none.
    public var kind: String?
    /// Why it was rejected.
    public var reason: Reason
    /// The frame's message id (SPEC §9.2.3).
    public var messageID: UInt64
    /// `true` for a request: its requester was told (``XPCTransportError/requestRejected(reasons:)``).
    public var isRequest: Bool

    /// Creates a rejection.
    public init(kind: String?, reason: Reason, messageID: UInt64, isRequest: Bool) {
        self.kind = kind
        self.reason = reason
        self.messageID = messageID
        self.isRequest = isRequest
    }

    /// The violations; empty for ``Reason/unknownKind``.
    public var violations: [XPCSchemaViolation] {
        if case .violations(let violations) = reason { return violations }
        return []
    }

    /// For example `request 3 of kind "add" rejected: b: expected int64, found string`.
    public var description: String {
        let what = isRequest ? "request" : "message"
        let kindText = kind.map { " of kind \(String(reflecting: $0))" } ?? " without a kind"
        return "\(what) \(messageID)\(kindText) rejected: \(reason)"
    }

    // MARK: - On the wire (SPEC §9.2.9)

    /// The key of a no-reply envelope that carries a rejection.
    static let wireKey = "rejected"
    /// At most this many reasons travel to the requester.
    static let maximumWireReasons = 64
    /// Each reason is cut to at most this many UTF-8 bytes.
    static let maximumWireReasonLength = 1024

    /// The reasons sent to the requester: one per violation (path and reason), or one naming the
    /// unknown kind, at most ``maximumWireReasons`` of at most ``maximumWireReasonLength`` bytes.
    var wireReasons: [String] {
        let reasons: [String]
        switch reason {
        case .unknownKind:
            reasons = [kind.map { "unknown kind \(String(reflecting: $0))" } ?? "message without a kind"]
        case .violations(let violations):
            reasons = violations.prefix(Self.maximumWireReasons).map(\.description)
        }
        return reasons.map { Self.truncated($0, toUTF8Length: Self.maximumWireReasonLength) }
    }

    /// The envelope of the no-reply frame that answers a rejected request:
    /// `{"rejected": [reason, …]}`.
    var wireEnvelope: [UInt8] {
        let reasons = XPCMessage.array(XPCArray(wireReasons.map { .string($0) }))
        // Reasons are built from decoded strings and fixed text, so encoding cannot fail; if it
        // did, the requester still gets a rejection, without reasons.
        if let envelope = try? XPCWireEncoder().encode([Self.wireKey: reasons]) { return envelope }
        if let envelope = try? XPCWireEncoder().encode([Self.wireKey: []]) { return envelope }
        return ConnectionCore.emptyDictionaryEnvelope
    }

    /// The reasons a no-reply envelope carries, or `nil` for a plain no-reply (SPEC §9.2.3).
    static func reasons(inNoReply message: XPCMessage) -> [String]? {
        guard case .array(let elements)? = message[wireKey] else { return nil }
        return elements.compactMap(\.stringValue)
    }

    /// `text` cut at a scalar boundary to at most `limit` UTF-8 bytes, `…` included.
    static func truncated(_ text: String, toUTF8Length limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        let ellipsis = "…"
        let budget = max(0, limit - ellipsis.utf8.count)
        var kept = String.UnicodeScalarView()
        var length = 0
        for scalar in text.unicodeScalars {
            let size = UTF8.width(scalar)
            if length + size > budget { break }
            kept.append(scalar)
            length += size
        }
        return String(kept) + ellipsis
    }
}
