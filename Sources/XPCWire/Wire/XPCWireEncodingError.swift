/// Why a message could not be encoded, and where in it (SPEC §7.2).
public enum XPCWireEncodingError: Error, Hashable, Sendable {
    /// A string or key holds U+0000, which XPC's C strings cannot carry (SPEC §2.3).
    case embeddedNUL(path: XPCMessagePath)
    /// Containers nest deeper than ``XPCWireEncodingOptions/maximumDepth``.
    case depthLimitExceeded(limit: Int, path: XPCMessagePath)
    /// A string, data value, array or dictionary is longer than 2³²−1 bytes or elements.
    case lengthOverflow(count: Int, path: XPCMessagePath)
    /// The same slot is used both as an fd and as an endpoint.
    case slotKindMismatch(slot: UInt16, path: XPCMessagePath)
    /// A slot below the highest one used is never referenced, so its attachment would be lost.
    case unreferencedSlot(slot: Int)
    /// More slots than the envelope's 16-bit slot count can express.
    case tooManySlots(count: Int)
    /// The attachments given do not match the slots the message refers to (count or kinds).
    case attachmentsMismatch(slots: [XPCSlotKind], attachments: [XPCSlotKind])
    /// The body is longer than the envelope's 32-bit body length can express.
    case messageTooLarge(bodyLength: Int)
}

extension XPCWireEncodingError {
    /// Where in the message the error is, for the errors that have a place.
    public var path: XPCMessagePath? {
        switch self {
        case .embeddedNUL(let path), .depthLimitExceeded(_, let path), .lengthOverflow(_, let path),
            .slotKindMismatch(_, let path):
            return path
        case .unreferencedSlot, .tooManySlots, .attachmentsMismatch, .messageTooLarge:
            return nil
        }
    }
}

extension XPCWireEncodingError: CustomStringConvertible {
    /// The error in words, naming the path where there is one.
    public var description: String {
        switch self {
        case .embeddedNUL(let path): "string contains U+0000 at \(path)"
        case .depthLimitExceeded(let limit, let path): "nesting deeper than \(limit) at \(path)"
        case .lengthOverflow(let count, let path): "length \(count) does not fit in 32 bits at \(path)"
        case .slotKindMismatch(let slot, let path): "slot \(slot) used both as fd and as endpoint, at \(path)"
        case .unreferencedSlot(let slot): "slot \(slot) is never referenced"
        case .tooManySlots(let count): "\(count) slots exceed the 65,535 an envelope can hold"
        case .attachmentsMismatch(let slots, let attachments):
            "attachments \(attachments) do not match the slots the message uses \(slots)"
        case .messageTooLarge(let length): "body of \(length) bytes does not fit in 32 bits"
        }
    }
}

/// How an ``XPCWireEncoder`` writes messages.
public struct XPCWireEncodingOptions: Hashable, Sendable {
    /// The deepest nesting the encoder writes. Default 256, the decoder's default limit, so that
    /// whatever encodes with default options also decodes with them.
    public var maximumDepth = 256

    /// The default options.
    public init() {}
}
