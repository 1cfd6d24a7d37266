/// Bounds on what a decoder accepts, so hostile input cannot exhaust memory or time (SPEC §6).
///
/// Every declared length and count is checked against these limits and against the bytes that
/// remain *before* anything is allocated.
public struct XPCWireLimits: Hashable, Sendable {
    /// The limit a ``XPCWireDecodingError/limitExceeded(_:value:limit:offset:)`` names.
    public enum Limit: String, Hashable, Sendable, CustomStringConvertible {
        /// ``XPCWireLimits/maximumMessageSize``.
        case messageSize
        /// ``XPCWireLimits/maximumElementCount``.
        case elementCount
        /// ``XPCWireLimits/maximumSlotCount``.
        case slotCount
        /// ``XPCWireLimits/maximumStringLength``.
        case stringLength
        /// ``XPCWireLimits/maximumDataLength``.
        case dataLength

        /// The limit's name in words.
        public var description: String {
            switch self {
            case .messageSize: "message size"
            case .elementCount: "element count"
            case .slotCount: "slot count"
            case .stringLength: "string length"
            case .dataLength: "data length"
            }
        }
    }

    /// The deepest nesting of arrays and dictionaries. Default 256.
    ///
    /// A body that is a scalar has depth 0; an array holding a scalar has depth 1. The decoder
    /// never recurses, so raising this costs heap, not stack.
    public var maximumDepth: Int = 256

    /// The largest envelope in bytes, header and slot table included. Default 64 MiB.
    public var maximumMessageSize: Int = 64 << 20

    /// The most values in one message, containers included and map keys excluded. Default 4,194,304.
    public var maximumElementCount: Int = 4 << 20

    /// The most slots (attachments) in one envelope. Default 253, Linux's `SCM_MAX_FD`.
    public var maximumSlotCount: Int = 253

    /// The longest string or key in bytes. Default 16 MiB.
    public var maximumStringLength: Int = 16 << 20

    /// The longest data value in bytes. Default 64 MiB.
    public var maximumDataLength: Int = 64 << 20

    /// The default limits.
    public init() {}
}

/// How an ``XPCWireDecoder`` reads bytes.
public struct XPCWireDecodingOptions: Hashable, Sendable {
    /// Resource limits. Defaults: see ``XPCWireLimits``.
    public var limits = XPCWireLimits()

    /// Reject every input that is not canonically encoded (SPEC §5.3). Default `false`: inputs
    /// from other MessagePack writers, in longer forms or with unsorted keys, are accepted.
    public var requiresCanonicalEncoding = false

    /// The default options: default limits, canonical encoding not required.
    public init() {}

    /// Options with the given limits and strictness.
    public init(limits: XPCWireLimits = XPCWireLimits(), requiresCanonicalEncoding: Bool = false) {
        self.limits = limits
        self.requiresCanonicalEncoding = requiresCanonicalEncoding
    }
}
