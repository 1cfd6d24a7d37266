// FuzzDifferential: bare bodies through XPCWireDecoder.decodeBody and through msgpack-c.
//
// Every canonical XPCWire body is plain MessagePack (SPEC §1.1), and the default mode accepts only
// MessagePack. So wherever our decoder accepts a body, msgpack-c (`msgpack_unpack_next`) must
// accept the same bytes, consume all of them, and read the same values under the SPEC mapping:
//
//   ours                 msgpack-c
//   null                 NIL
//   bool                 BOOLEAN
//   int64 v ≥ 0          POSITIVE_INTEGER, u64 == v      (msgpack-c does not keep the format family)
//   int64 v < 0          NEGATIVE_INTEGER, i64 == v
//   uint64 v             POSITIVE_INTEGER, u64 == v
//   double (cb)          FLOAT64, same 64-bit pattern
//   double (ca)          FLOAT32, msgpack-c widens with a C float→double conversion; the bits must
//                        equal ours, i.e. SPEC §4.5 (NaN: quiet bit set, payload shifted by 29)
//   string               STR, same bytes
//   data                 BIN, same bytes
//   uuid                 EXT type 1, the 16 bytes
//   date                 EXT type 2, 8 bytes big-endian == t; or EXT type -1 (MessagePack timestamp,
//                        4/8/12 bytes), whose date is recomputed here exactly in Int128 (SPEC §4.8.2)
//   fd / endpoint        EXT type 3 / 4, 2 bytes big-endian == slot
//   array                ARRAY, same count, element by element
//   dictionary           MAP, same count; ours is sorted by key bytes, msgpack-c keeps input order,
//                        so they are compared as sets: key bytes → value, keys distinct, all STR
//
// Intended disagreements, where nothing is asserted:
// - msgpack-c accepts what the XPCWire profile rejects, and we never compare those inputs: duplicate
//   keys (SPEC §4.11), non-string keys, invalid UTF-8 and U+0000 in strings and keys (§2.3), ext types
//   other than 1, 2, 3, 4, -1 and wrong payload lengths for the known ones (§4.9), timestamps with
//   nanoseconds ≥ 10^9 or outside the date range (§4.8.2), fd/endpoint references to missing,
//   mismatched or unreferenced slots (§3.4), and everything beyond our limits (§6).
// - Both reject 0xc1 (ours: reservedByte; msgpack-c: parse error) and truncated input.
// - Trailing bytes: msgpack_unpack_next stops after one object; ours requires the body to be
//   exactly one value. Compared through the consumed length, which must be the whole input.
// - We accept nesting up to 256 levels; msgpack-c's C unpacker keeps a fixed stack of
//   MSGPACK_EMBED_STACK_SIZE (32) open containers and fails with MSGPACK_UNPACK_NOMEM_ERROR on a
//   33rd. For bodies deeper than 32 only that outcome is asserted.
//
// Bodies with fd or endpoint values need a slot table. Since the input is a bare body, the slot
// table is inferred from our decoder's own slot errors (at most `maximumSlotInferenceRounds`
// retries); the inferred table is only used when our decoder then accepts the body.

import CMsgPack
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import FuzzSupport
import XPCWire

/// msgpack-c's fixed container stack (MSGPACK_EMBED_STACK_SIZE in msgpack/unpack_define.h).
private let msgpackMaximumDepth = 32
private let maximumSlotInferenceRounds = 16
private let lenient = XPCWireDecoder()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDifferential(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard let ours = RoundTripOracle.checkBody(bytes, slots: inferSlotTable(bytes)) else {
        return 0
    }
    compareWithMsgpackC(ours, bytes)
    return 0
}

/// The slot table under which our decoder accepts `bytes` as a body, found from its slot errors;
/// `[]` when the body needs none or when no table makes it acceptable.
private func inferSlotTable(_ bytes: UnsafeRawBufferPointer) -> [XPCSlotKind] {
    var slots: [XPCSlotKind] = []
    for _ in 0..<maximumSlotInferenceRounds {
        do {
            _ = try lenient.decodeBody(bytes, slots: slots)
            return slots
        } catch .slotIndexOutOfRange(let slot, _, _) where Int(slot) < XPCWireLimits().maximumSlotCount {
            slots += Array(repeating: .fd, count: Int(slot) + 1 - slots.count)
        } catch .slotKindMismatch(let slot, _, let referencedAs, _) {
            slots[Int(slot)] = referencedAs
        } catch {
            return []
        }
    }
    return []
}

private func compareWithMsgpackC(_ ours: XPCMessage, _ bytes: UnsafeRawBufferPointer) {
    var unpacked = msgpack_unpacked()
    msgpack_unpacked_init(&unpacked)
    defer { msgpack_unpacked_destroy(&unpacked) }
    var consumed = 0
    let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self)
    let result = msgpack_unpack_next(&unpacked, base, bytes.count, &consumed)
    if depth(of: ours) > msgpackMaximumDepth {
        guard result == MSGPACK_UNPACK_NOMEM_ERROR else {
            violation("msgpack-c returned \(result.rawValue) for a body nested deeper than \(msgpackMaximumDepth)", bytes)
        }
        return
    }
    guard result == MSGPACK_UNPACK_SUCCESS else {
        violation("msgpack-c rejects (\(result.rawValue)) a body we accept: \(ours)", bytes)
    }
    guard consumed == bytes.count else {
        violation("msgpack-c consumed \(consumed) of \(bytes.count) bytes we read as one value", bytes)
    }
    if let difference = difference(ours, unpacked.data, at: "$") {
        violation("values disagree: \(difference)", bytes)
    }
}

/// The nesting depth of arrays and dictionaries (SPEC §6.2): 0 for a scalar.
private func depth(of message: XPCMessage) -> Int {
    switch message {
    case .array(let elements): 1 + elements.reduce(0) { max($0, depth(of: $1)) }
    case .dictionary(let dictionary): 1 + dictionary.reduce(0) { max($0, depth(of: $1.value)) }
    default: 0
    }
}

/// Where and how our value and msgpack-c's object differ, or `nil` when they agree.
private func difference(_ ours: XPCMessage, _ theirs: msgpack_object, at path: String) -> String? {
    let type = theirs.type
    func mismatch(_ detail: String = "") -> String {
        "at \(path): ours \(ours), msgpack-c type \(type.rawValue)\(detail.isEmpty ? "" : " " + detail)"
    }
    switch ours {
    case .null:
        return type == MSGPACK_OBJECT_NIL ? nil : mismatch()
    case .bool(let value):
        return type == MSGPACK_OBJECT_BOOLEAN && theirs.via.boolean == value ? nil : mismatch()
    case .int64(let value):
        if value >= 0 {
            return type == MSGPACK_OBJECT_POSITIVE_INTEGER && theirs.via.u64 == UInt64(value) ? nil : mismatch()
        }
        return type == MSGPACK_OBJECT_NEGATIVE_INTEGER && theirs.via.i64 == value ? nil : mismatch()
    case .uint64(let value):
        return type == MSGPACK_OBJECT_POSITIVE_INTEGER && theirs.via.u64 == value ? nil : mismatch()
    case .double(let value):
        guard type == MSGPACK_OBJECT_FLOAT64 || type == MSGPACK_OBJECT_FLOAT32 else { return mismatch() }
        let theirBits = theirs.via.f64.bitPattern
        return theirBits == value.bitPattern ? nil : mismatch("bits \(String(theirBits, radix: 16))")
    case .string(let value):
        guard type == MSGPACK_OBJECT_STR else { return mismatch() }
        let theirBytes = rawBytes(theirs.via.str.ptr, theirs.via.str.size)
        return theirBytes.elementsEqual(value.utf8) ? nil : mismatch("bytes \(hex(theirBytes))")
    case .data(let value):
        guard type == MSGPACK_OBJECT_BIN else { return mismatch() }
        let theirBytes = rawBytes(theirs.via.bin.ptr, theirs.via.bin.size)
        return theirBytes == value ? nil : mismatch("bytes \(hex(theirBytes))")
    case .uuid(let value):
        let uuid = value.uuid
        let expected = [uuid.0, uuid.1, uuid.2, uuid.3, uuid.4, uuid.5, uuid.6, uuid.7,
                        uuid.8, uuid.9, uuid.10, uuid.11, uuid.12, uuid.13, uuid.14, uuid.15]
        return isExt(theirs, type: 1, payload: expected) ? nil : mismatch("ext \(describeExt(theirs))")
    case .date(let value):
        guard let (extType, payload) = ext(theirs) else { return mismatch() }
        let expected = Int128(value.nanosecondsSinceReferenceDate)
        switch extType {
        case 2 where payload.count == 8:
            return Int128(Int64(bitPattern: bigEndian(payload))) == expected ? nil : mismatch("ext \(describeExt(theirs))")
        case -1:
            return timestampNanoseconds(payload) == expected ? nil : mismatch("timestamp \(describeExt(theirs))")
        default:
            return mismatch("ext \(describeExt(theirs))")
        }
    case .fd(let slot):
        return isExt(theirs, type: 3, payload: [UInt8(slot >> 8), UInt8(slot & 0xff)]) ? nil : mismatch("ext \(describeExt(theirs))")
    case .endpoint(let slot):
        return isExt(theirs, type: 4, payload: [UInt8(slot >> 8), UInt8(slot & 0xff)]) ? nil : mismatch("ext \(describeExt(theirs))")
    case .array(let elements):
        guard type == MSGPACK_OBJECT_ARRAY, Int(theirs.via.array.size) == elements.count else {
            return mismatch()
        }
        for (index, element) in elements.enumerated() {
            guard let theirElement = theirs.via.array.ptr?[index] else { return mismatch("no element \(index)") }
            if let found = difference(element, theirElement, at: "\(path)[\(index)]") { return found }
        }
        return nil
    case .dictionary(let dictionary):
        guard type == MSGPACK_OBJECT_MAP, Int(theirs.via.map.size) == dictionary.count else {
            return mismatch()
        }
        // msgpack-c keeps the input order; ours is sorted by key bytes. Compare as sets.
        var theirValues: [[UInt8]: msgpack_object] = [:]
        for index in 0..<dictionary.count {
            guard let pair = theirs.via.map.ptr?[index], pair.key.type == MSGPACK_OBJECT_STR else {
                return mismatch("key \(index) is not a string")
            }
            let key = rawBytes(pair.key.via.str.ptr, pair.key.via.str.size)
            guard theirValues.updateValue(pair.val, forKey: key) == nil else {
                return mismatch("duplicate key \(hex(key))")
            }
        }
        for entry in dictionary {
            let key = Array(entry.key.utf8)
            guard let theirValue = theirValues[key] else { return mismatch("no key \(hex(key))") }
            if let found = difference(entry.value, theirValue, at: "\(path)[\(String(reflecting: entry.key))]") {
                return found
            }
        }
        return nil
    }
}

/// The ext type and payload of an EXT object.
private func ext(_ object: msgpack_object) -> (Int8, [UInt8])? {
    guard object.type == MSGPACK_OBJECT_EXT else { return nil }
    return (object.via.ext.type, rawBytes(object.via.ext.ptr, object.via.ext.size))
}

private func isExt(_ object: msgpack_object, type: Int8, payload: [UInt8]) -> Bool {
    guard let (theirType, theirPayload) = ext(object) else { return false }
    return theirType == type && theirPayload == payload
}

private func describeExt(_ object: msgpack_object) -> String {
    guard let (type, payload) = ext(object) else { return "none (type \(object.type.rawValue))" }
    return "type \(type) payload \(hex(payload))"
}

private func rawBytes(_ pointer: UnsafePointer<CChar>?, _ count: UInt32) -> [UInt8] {
    guard let pointer, count > 0 else { return [] }
    return Array(UnsafeRawBufferPointer(start: pointer, count: Int(count)))
}

private func bigEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 {
    bytes.reduce(0) { $0 << 8 | UInt64($1) }
}

private func bigEndian(_ bytes: [UInt8]) -> UInt64 {
    bigEndian(bytes[...])
}

/// A MessagePack timestamp as nanoseconds since 2001-01-01, computed without overflow (SPEC §4.8.2).
private func timestampNanoseconds(_ payload: [UInt8]) -> Int128? {
    let unixSeconds: Int128
    let nanoseconds: Int128
    switch payload.count {
    case 4:
        unixSeconds = Int128(bigEndian(payload))
        nanoseconds = 0
    case 8:
        let packed = bigEndian(payload)
        nanoseconds = Int128(packed >> 34)
        unixSeconds = Int128(packed & 0x3_ffff_ffff)
    case 12:
        nanoseconds = Int128(bigEndian(payload[0..<4]))
        unixSeconds = Int128(Int64(bitPattern: bigEndian(payload[4..<12])))
    default:
        return nil
    }
    guard nanoseconds < 1_000_000_000 else { return nil }
    return (unixSeconds - 978_307_200) * 1_000_000_000 + nanoseconds
}
