#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Canonical format choices shared by the encoder and the strict decoder (SPEC §5.1).
enum WireEncoding {
    /// The canonical format byte for an int64: a fixint byte itself, or int8…int64.
    @inline(__always)
    static func signedFormat(for value: Int64) -> UInt8 {
        switch value {
        case 0...127: UInt8(truncatingIfNeeded: value)
        case -32 ... -1: UInt8(truncatingIfNeeded: value)
        case -128...127: WireFormat.int8
        case -32_768...32_767: WireFormat.int16
        case -2_147_483_648...2_147_483_647: WireFormat.int32
        default: WireFormat.int64
        }
    }

    /// The canonical format byte for a uint64: always an unsigned form, never a fixint.
    @inline(__always)
    static func unsignedFormat(for value: UInt64) -> UInt8 {
        switch value {
        case 0...0xff: WireFormat.uint8
        case 0x100...0xffff: WireFormat.uint16
        case 0x1_0000...0xffff_ffff: WireFormat.uint32
        default: WireFormat.uint64
        }
    }
}

/// Appends canonical MessagePack to one growing buffer (SPEC §4, §5).
struct WireWriter {
    var bytes: [UInt8]

    init(reservingCapacity capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        bytes.append(byte)
    }

    @inline(__always)
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func writeInt64(_ value: Int64) {
        let format = WireEncoding.signedFormat(for: value)
        append(format)
        switch format {
        case WireFormat.int8: appendBigEndian(Int8(truncatingIfNeeded: value))
        case WireFormat.int16: appendBigEndian(Int16(truncatingIfNeeded: value))
        case WireFormat.int32: appendBigEndian(Int32(truncatingIfNeeded: value))
        case WireFormat.int64: appendBigEndian(value)
        default: break  // fixint: the format byte is the value
        }
    }

    mutating func writeUInt64(_ value: UInt64) {
        let format = WireEncoding.unsignedFormat(for: value)
        append(format)
        switch format {
        case WireFormat.uint8: append(UInt8(truncatingIfNeeded: value))
        case WireFormat.uint16: appendBigEndian(UInt16(truncatingIfNeeded: value))
        case WireFormat.uint32: appendBigEndian(UInt32(truncatingIfNeeded: value))
        default: appendBigEndian(value)
        }
    }

    mutating func writeDouble(_ value: Double) {
        append(WireFormat.float64)
        appendBigEndian(value.bitPattern)
    }

    /// Writes a str/bin/array/map header in its shortest form; `length` is at most `UInt32.max`.
    mutating func writeHeader(
        length: Int, fix: (base: UInt8, limit: Int)?, form8: UInt8?, form16: UInt8, form32: UInt8
    ) {
        if let fix, length < fix.limit {
            append(fix.base | UInt8(truncatingIfNeeded: length))
        } else if let form8, length <= 0xff {
            append(form8)
            append(UInt8(truncatingIfNeeded: length))
        } else if length <= 0xffff {
            append(form16)
            appendBigEndian(UInt16(truncatingIfNeeded: length))
        } else {
            append(form32)
            appendBigEndian(UInt32(truncatingIfNeeded: length))
        }
    }

    mutating func writeStringHeader(length: Int) {
        writeHeader(length: length, fix: (0xa0, 32), form8: WireFormat.str8, form16: WireFormat.str16, form32: WireFormat.str32)
    }

    mutating func writeDataHeader(length: Int) {
        writeHeader(length: length, fix: nil, form8: WireFormat.bin8, form16: WireFormat.bin16, form32: WireFormat.bin32)
    }

    mutating func writeArrayHeader(count: Int) {
        writeHeader(length: count, fix: (0x90, 16), form8: nil, form16: WireFormat.array16, form32: WireFormat.array32)
    }

    mutating func writeMapHeader(count: Int) {
        writeHeader(length: count, fix: (0x80, 16), form8: nil, form16: WireFormat.map16, form32: WireFormat.map32)
    }

    mutating func writeUUID(_ uuid: UUID) {
        append(WireFormat.fixext16)
        append(UInt8(bitPattern: WireFormat.extUUID))
        withUnsafeBytes(of: uuid.uuid) { bytes.append(contentsOf: $0) }
    }

    mutating func writeDate(_ date: XPCDate) {
        append(WireFormat.fixext8)
        append(UInt8(bitPattern: WireFormat.extDate))
        appendBigEndian(date.nanosecondsSinceReferenceDate)
    }

    mutating func writeSlot(_ slot: UInt16, type: Int8) {
        append(WireFormat.fixext2)
        append(UInt8(bitPattern: type))
        appendBigEndian(slot)
    }
}
