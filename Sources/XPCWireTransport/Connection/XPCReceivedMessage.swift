import SystemPackage
import XPCWire

/// A message that arrived on a connection, with the attachments that came with it (SPEC §9.2.4).
///
/// The receiver owns the attachments' descriptors: they are close-on-exec, and nobody else closes
/// them. Close them when done (``closeAttachments()``), or keep them.
///
/// ```swift
/// for await event in connection.events {
///     guard case .message(let received) = event else { continue }
///     defer { received.closeAttachments() }
///     if received.expectsReply {
///         try received.reply(["ok": true])
///     }
/// }
/// ```
public struct XPCReceivedMessage: Sendable {
    /// The message.
    public let message: XPCMessage
    /// The attachments in slot order: `message`'s fd and endpoint values index this array.
    public let attachments: [XPCAttachment]
    /// The frame's message id: the sender's sequence number on this connection (SPEC §9.2.3).
    public let messageID: UInt64
    let replyContext: ReplyContext?

    init(message: XPCMessage, attachments: [XPCAttachment], messageID: UInt64, replyContext: ReplyContext?) {
        self.message = message
        self.attachments = attachments
        self.messageID = messageID
        self.replyContext = replyContext
    }

    /// `true` for a request: the sender waits for exactly one ``reply(_:attachments:)``.
    ///
    /// If every copy of a request goes away unanswered, the sender's request fails with
    /// ``XPCTransportError/noReply``.
    public var expectsReply: Bool { replyContext != nil }

    /// Answers a request. The reply must be a dictionary; the attachments are duplicated, so you
    /// keep yours.
    ///
    /// - Throws: ``XPCTransportError/replyNotExpected`` for a message that is not a request,
    ///   ``XPCTransportError/alreadyReplied`` the second time, ``XPCTransportError/replyNotDictionary(_:)``,
    ///   encoding errors, or the error that ended the connection.
    public func reply(_ reply: XPCMessage, attachments: [XPCAttachment] = []) throws(XPCTransportError) {
        guard let replyContext else { throw .replyNotExpected }
        guard case .dictionary = reply else { throw .replyNotDictionary(reply.kind) }
        let envelope = try XPCConnection.encodeSegmented(reply, attachments: attachments)
        try replyContext.reply { () throws(XPCTransportError) in
            try OutgoingFrame.make(
                kind: .reply, replyID: replyContext.requestID, envelope: envelope, attachments: attachments,
                maximumFrameSize: replyContext.core.options.maximumFrameSize)
        }
    }

    /// Closes every attachment's descriptor (`close(2)`). Call it once, when you keep none of them.
    public func closeAttachments() {
        Self.close(attachments)
    }

    /// Closes the descriptors of attachments the transport received but does not deliver.
    static func close(_ attachments: [XPCAttachment]) {
        for attachment in attachments {
            switch attachment {
            case .fd(let descriptor): Platform.close(descriptor.rawValue)
            case .endpoint(let handle): Platform.close(handle.fileDescriptor.rawValue)
            }
        }
    }
}
