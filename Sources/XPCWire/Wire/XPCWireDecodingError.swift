/// Why bytes could not be decoded, and where (SPEC §7).
///
/// Every case carries `offset`: the byte offset into the whole envelope (byte 0 is the first magic
/// byte; for ``XPCWireDecoder/decodeBody(_:slots:)`` it is the offset into the body) of the field or
/// value at fault.
public enum XPCWireDecodingError: Error, Hashable, Sendable {
    /// The input ended inside the field or value starting at `offset`.
    case truncated(offset: Int)
    /// The value or envelope ended at `offset`, but more bytes follow.
    case trailingBytes(offset: Int)
    /// The first four bytes are not `XPCW`.
    case badMagic(offset: Int)
    /// The major version is not 1 (SPEC §3.2).
    case unsupportedVersion(major: UInt8, minor: UInt8, offset: Int)
    /// Critical flag bits (8–15) that this reader does not know are set (SPEC §3.3).
    case unsupportedFlags(UInt16, offset: Int)
    /// A slot-table byte is neither fd (1) nor endpoint (2).
    case invalidSlotKind(UInt8, offset: Int)
    /// The reserved MessagePack byte 0xc1.
    case reservedByte(offset: Int)
    /// A string or key is not valid UTF-8; `offset` is the first invalid byte.
    case invalidUTF8(offset: Int)
    /// A string or key contains U+0000; `offset` is the NUL byte (SPEC §2.3).
    case embeddedNUL(offset: Int)
    /// A map key is not a string; `formatByte` is the key's MessagePack format byte.
    case nonStringKey(formatByte: UInt8, offset: Int)
    /// A map holds the same key (by UTF-8 bytes) twice (SPEC §4.11). `offset` is the repeated
    /// key when it directly follows its twin; otherwise, in a map whose keys were out of order,
    /// the duplicate is found after the map ends and `offset` is the map's format byte.
    case duplicateKey(String, offset: Int)
    /// A container would nest deeper than the limit.
    case depthLimitExceeded(limit: Int, offset: Int)
    /// A declared size or count exceeds one of ``XPCWireLimits``.
    case limitExceeded(XPCWireLimits.Limit, value: Int, limit: Int, offset: Int)
    /// An fd or endpoint refers to a slot that the slot table does not have.
    case slotIndexOutOfRange(slot: UInt16, slotCount: Int, offset: Int)
    /// An fd refers to an endpoint slot, or the other way round.
    case slotKindMismatch(slot: UInt16, slotKind: XPCSlotKind, referencedAs: XPCSlotKind, offset: Int)
    /// A slot that no value in the body refers to; `offset` is its slot-table byte (0 for a bare
    /// body decoded with ``XPCWireDecoder/decodeBody(_:slots:)``, which has no slot table).
    case unreferencedSlot(slot: Int, offset: Int)
    /// The attachments received do not match the slot table (count or kinds).
    case attachmentsMismatch(expected: [XPCSlotKind], received: [XPCSlotKind], offset: Int)
    /// An ext type that this version does not define.
    case unknownExtType(Int8, offset: Int)
    /// A known ext type with a payload length it cannot have.
    case badExtLength(type: Int8, length: Int, offset: Int)
    /// A known ext type whose payload is invalid (a timestamp's nanoseconds ≥ 10⁹).
    case badExtPayload(type: Int8, offset: Int)
    /// A MessagePack timestamp outside the signed 64-bit nanosecond range since 2001.
    case dateOutOfRange(offset: Int)
    /// Strict mode only: the input is valid but not canonically encoded (SPEC §5).
    case nonCanonical(NonCanonicalReason, offset: Int)

    /// What makes an input non-canonical (SPEC §5.3).
    public enum NonCanonicalReason: String, Hashable, Sendable, CustomStringConvertible {
        /// An integer in a longer form than needed (or int64 in an unsigned form is *not* this: that is uint64).
        case nonShortestInteger
        /// A float32 where canonical encoding writes float64.
        case float32
        /// A string, data, array or map length in a longer form than needed.
        case nonShortestLength
        /// A uuid, date, fd or endpoint in an ext8/16/32 form instead of its fixext form.
        case nonShortestExtForm
        /// A MessagePack timestamp (ext -1) instead of the date ext type.
        case timestampExt
        /// Map keys not in ascending UTF-8 byte order.
        case unsortedKeys
        /// Envelope flags other than zero.
        case nonZeroFlags
        /// An envelope minor version other than 0.
        case nonZeroMinorVersion

        /// The reason in words.
        public var description: String {
            switch self {
            case .nonShortestInteger: "integer not in its shortest form"
            case .float32: "float32 instead of float64"
            case .nonShortestLength: "length not in its shortest form"
            case .nonShortestExtForm: "ext not in its fixext form"
            case .timestampExt: "MessagePack timestamp instead of the date ext"
            case .unsortedKeys: "map keys not in UTF-8 byte order"
            case .nonZeroFlags: "flags not zero"
            case .nonZeroMinorVersion: "minor version not zero"
            }
        }
    }

    /// The byte offset the error refers to.
    public var offset: Int {
        switch self {
        case .truncated(let offset), .trailingBytes(let offset), .badMagic(let offset),
            .unsupportedVersion(_, _, let offset), .unsupportedFlags(_, let offset),
            .invalidSlotKind(_, let offset), .reservedByte(let offset), .invalidUTF8(let offset),
            .embeddedNUL(let offset), .nonStringKey(_, let offset), .duplicateKey(_, let offset),
            .depthLimitExceeded(_, let offset), .limitExceeded(_, _, _, let offset),
            .slotIndexOutOfRange(_, _, let offset), .slotKindMismatch(_, _, _, let offset),
            .unreferencedSlot(_, let offset), .attachmentsMismatch(_, _, let offset),
            .unknownExtType(_, let offset), .badExtLength(_, _, let offset), .badExtPayload(_, let offset),
            .dateOutOfRange(let offset), .nonCanonical(_, let offset):
            return offset
        }
    }

    /// A stable machine-readable name of the error kind, as `Fixtures/invalid` and the CLI use it.
    public var kindName: String {
        switch self {
        case .truncated: "truncated"
        case .trailingBytes: "trailingBytes"
        case .badMagic: "badMagic"
        case .unsupportedVersion: "unsupportedVersion"
        case .unsupportedFlags: "unsupportedFlags"
        case .invalidSlotKind: "invalidSlotKind"
        case .reservedByte: "reservedByte"
        case .invalidUTF8: "invalidUTF8"
        case .embeddedNUL: "embeddedNUL"
        case .nonStringKey: "nonStringKey"
        case .duplicateKey: "duplicateKey"
        case .depthLimitExceeded: "depthLimitExceeded"
        case .limitExceeded: "limitExceeded"
        case .slotIndexOutOfRange: "slotIndexOutOfRange"
        case .slotKindMismatch: "slotKindMismatch"
        case .unreferencedSlot: "unreferencedSlot"
        case .attachmentsMismatch: "attachmentsMismatch"
        case .unknownExtType: "unknownExtType"
        case .badExtLength: "badExtLength"
        case .badExtPayload: "badExtPayload"
        case .dateOutOfRange: "dateOutOfRange"
        case .nonCanonical: "nonCanonical"
        }
    }
}

extension XPCWireDecodingError: CustomStringConvertible {
    /// The error in words, always naming the offset.
    public var description: String {
        let what: String
        switch self {
        case .truncated: what = "input ends inside this value"
        case .trailingBytes: what = "unexpected bytes after the end"
        case .badMagic: what = "not an XPCWire envelope (magic is not \"XPCW\")"
        case .unsupportedVersion(let major, let minor, _): what = "unsupported format version \(major).\(minor)"
        case .unsupportedFlags(let flags, _): what = "unknown critical flags 0x\(String(flags, radix: 16))"
        case .invalidSlotKind(let byte, _): what = "invalid slot kind \(byte)"
        case .reservedByte: what = "reserved format byte 0xc1"
        case .invalidUTF8: what = "invalid UTF-8"
        case .embeddedNUL: what = "string contains U+0000"
        case .nonStringKey(let byte, _): what = "map key is not a string (format byte 0x\(String(byte, radix: 16)))"
        case .duplicateKey(let key, _): what = "duplicate key \(String(reflecting: key))"
        case .depthLimitExceeded(let limit, _): what = "nesting deeper than \(limit)"
        case .limitExceeded(let limit, let value, let maximum, _): what = "\(limit) \(value) exceeds the limit \(maximum)"
        case .slotIndexOutOfRange(let slot, let count, _): what = "slot \(slot) out of range (\(count) slots)"
        case .slotKindMismatch(let slot, let kind, let referenced, _):
            what = "slot \(slot) is \(kind) but referenced as \(referenced)"
        case .unreferencedSlot(let slot, _): what = "slot \(slot) is never referenced"
        case .attachmentsMismatch(let expected, let received, _):
            what = "attachments \(received) do not match the slot table \(expected)"
        case .unknownExtType(let type, _): what = "unknown ext type \(type)"
        case .badExtLength(let type, let length, _): what = "ext type \(type) cannot have length \(length)"
        case .badExtPayload(let type, _): what = "invalid payload for ext type \(type)"
        case .dateOutOfRange: what = "date outside the signed 64-bit nanosecond range"
        case .nonCanonical(let reason, _): what = "not canonical: \(reason)"
        }
        return "\(what) at byte \(offset)"
    }
}
