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

/// Writes canonical MessagePack into one buffer of a size computed beforehand (SPEC §4, §5).
///
/// This is the encoder's only unsafe pointer work. Every store is bounds-checked: a write that
/// does not fit is dropped, but `position` still advances, so `bytes(capacity:_:)` learns the
/// size actually needed and writes again into a buffer of that size. A correct size estimate
/// (the encoder's first pass) therefore costs exactly one allocation, and a wrong one costs time,
/// never memory safety.
struct WireWriter: MessagePackWriting {
    /// Where the bytes go; `count` is the capacity.
    private let buffer: UnsafeMutableRawBufferPointer
    /// Bytes written so far, including any that did not fit.
    private(set) var position = 0
    /// Data payloads of at least this size are recorded in `detached` instead of copied.
    private var detachThreshold = Int.max
    /// Detached payloads and the position each belongs at.
    private(set) var detached: [(offset: Int, payload: [UInt8])] = []

    /// A writer into `buffer`; writes past its end are dropped (and counted in `position`).
    init(buffer: UnsafeMutableRawBufferPointer) {
        self.buffer = buffer
    }

    /// Room left in the buffer; negative once writes were dropped.
    var remaining: Int { buffer.count &- position }

    /// The envelope of `message` written in one pass into stack memory, when that is all it
    /// takes: no slots, at most ``stackCapacity`` bytes, nothing to report
    /// (``BodyEncoder/writeInOnePass(_:depth:maximumDepth:into:)``). `nil` otherwise, with
    /// nothing allocated; the two passes then encode it, or report its first error.
    ///
    /// The header is written last, once the body length is known: the body starts at its
    /// fixed offset, since an envelope without slots has no slot table.
    @inline(__always)
    static func smallEnvelope(_ message: XPCMessage, maximumDepth: Int) -> [UInt8]? {
        switch message {
        case .dictionary(let dictionary) where dictionary.count > onePassWidthLimit: return nil
        case .array(let array) where array.count > onePassWidthLimit: return nil
        default: break
        }
        return withUnsafeTemporaryAllocation(byteCount: stackCapacity, alignment: 1) { buffer -> [UInt8]? in
            let bodyStart = WireFormat.headerSize
            var body = WireWriter(buffer: UnsafeMutableRawBufferPointer(rebasing: buffer[bodyStart...]))
            // Two levels of containers at most (and, above, at most 16 values at the top): a
            // deeper or wider message seldom fits, and a one-pass attempt given up partway costs
            // more than the measuring pass saves (the `deep` and `typed` benchmark encodes took
            // 40–55 % longer without these limits). The two passes apply the real depth limit.
            let depthLimit = min(maximumDepth, onePassDepthLimit)
            guard BodyEncoder.writeInOnePass(message, depth: 0, maximumDepth: depthLimit, into: &body),
                  body.remaining >= 0
            else { return nil }
            let bodyLength = body.position
            var header = WireWriter(buffer: UnsafeMutableRawBufferPointer(rebasing: buffer[..<bodyStart]))
            for byte in WireFormat.magic { header.append(byte) }
            header.append(WireFormat.majorVersion)
            header.append(WireFormat.minorVersion)
            header.appendBigEndian(UInt16(0))  // flags
            header.appendBigEndian(UInt16(0))  // slot count
            header.appendBigEndian(UInt32(truncatingIfNeeded: bodyLength))
            return [UInt8](UnsafeRawBufferPointer(rebasing: buffer[..<(bodyStart + bodyLength)]))
        }
    }

    /// Records `payload` to be inserted at the current position instead of copying it, when it
    /// is large enough and fewer than ``XPCSegmentedEnvelope/maximumDetached`` are recorded.
    @inline(__always)
    mutating func detach(_ payload: [UInt8]) -> Bool {
        guard payload.count >= detachThreshold, detached.count < XPCSegmentedEnvelope.maximumDetached else { return false }
        detached.append((position, payload))
        return true
    }

    /// As ``bytes(capacity:_:)``, detaching data payloads of at least `detachThreshold` bytes.
    @inline(__always)
    static func segments(
        capacity: Int, detachThreshold: Int, _ write: (inout WireWriter) -> Bool
    ) -> (bytes: [UInt8], detached: [(offset: Int, payload: [UInt8])])? {
        var capacity = max(capacity, 0)
        while true {
            let pass = written(capacity: capacity, detachThreshold: detachThreshold, write)
            guard pass.completed else { return nil }
            if pass.needed <= capacity { return (pass.bytes, pass.detached) }
            capacity = pass.needed
        }
    }

    /// Runs `write` on a writer over a new array of `capacity` bytes and returns what it wrote,
    /// or `nil` when `write` gives up (returns `false`).
    ///
    /// `write` must write the same bytes every time it is called: when it writes more than
    /// `capacity`, it is called again with exactly the room it needed.
    ///
    /// Always inlined, like ``segments(capacity:detachThreshold:_:)``: as a call, `write` becomes
    /// a closure context that retains what it captures (the message, the slot table).
    @inline(__always)
    static func bytes(capacity: Int, _ write: (inout WireWriter) -> Bool) -> [UInt8]? {
        var capacity = max(capacity, 0)
        while true {
            let pass = written(capacity: capacity, detachThreshold: Int.max, write)
            guard pass.completed else { return nil }
            if pass.needed <= capacity { return pass.bytes }
            capacity = pass.needed
        }
    }

    /// The deepest nesting of containers that ``smallEnvelope(_:maximumDepth:)`` tries: a
    /// container, and containers in it.
    static let onePassDepthLimit = 2
    /// The most values at the top of a message that ``smallEnvelope(_:maximumDepth:)`` tries.
    static let onePassWidthLimit = 16

    /// Up to this many bytes are written into stack memory and then copied into their array.
    static let stackCapacity = 512

    /// One pass of `write` into `capacity` bytes: what fit, the detached payloads, whether `write`
    /// completed, and how many bytes it needed.
    ///
    /// Small outputs are written on the stack and copied into an array of their size. The
    /// standard library's uninitialized-array initializer is not specialized for the client: it
    /// looks up the metadata of `_ContiguousArrayStorage<UInt8>` in the runtime's generic
    /// metadata cache every time (about 350 instructions, more than encoding a small message
    /// takes), while copying a collection into a new array allocates through specialized code
    /// with cached metadata, and copying a few hundred bytes costs a few dozen instructions.
    /// Larger outputs, where the copy would cost more than the lookup, are written in place.
    @inline(__always)
    private static func written(
        capacity: Int, detachThreshold: Int, _ write: (inout WireWriter) -> Bool
    ) -> (bytes: [UInt8], detached: [(offset: Int, payload: [UInt8])], completed: Bool, needed: Int) {
        var needed = 0
        var completed = false
        var detached: [(offset: Int, payload: [UInt8])] = []
        let bytes: [UInt8]
        if capacity <= stackCapacity {
            bytes = withUnsafeTemporaryAllocation(byteCount: capacity, alignment: 1) { buffer in
                var writer = WireWriter(buffer: buffer)
                writer.detachThreshold = detachThreshold
                completed = write(&writer)
                needed = writer.position
                detached = writer.detached
                guard completed, needed <= buffer.count else { return [] }
                return [UInt8](UnsafeRawBufferPointer(rebasing: buffer[..<needed]))
            }
        } else {
            bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initializedCount in
                var writer = WireWriter(buffer: UnsafeMutableRawBufferPointer(buffer))
                writer.detachThreshold = detachThreshold
                completed = write(&writer)
                needed = writer.position
                detached = writer.detached
                initializedCount = min(writer.position, buffer.count)
            }
        }
        return (bytes, detached, completed, needed)
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        if position < buffer.count {
            buffer.storeBytes(of: byte, toByteOffset: position, as: UInt8.self)
        }
        position &+= 1
    }

    @inline(__always)
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        let size = MemoryLayout<T>.size
        if size <= buffer.count &- position {
            buffer.storeBytes(of: value.bigEndian, toByteOffset: position, as: T.self)
        }
        position &+= size
    }

    @inline(__always)
    mutating func append(contentsOf bytes: UnsafeRawBufferPointer) {
        if bytes.count <= buffer.count &- position, let source = bytes.baseAddress, let target = buffer.baseAddress {
            (target + position).copyMemory(from: source, byteCount: bytes.count)
        }
        position &+= bytes.count
    }

    @inline(__always)
    mutating func append(stringBytes bytes: UnsafeRawBufferPointer) {
        if bytes.count <= buffer.count &- position, let source = bytes.baseAddress, let target = buffer.baseAddress {
            ShortCopy.copy(from: source, to: target + position, count: bytes.count)
        }
        position &+= bytes.count
    }

    /// Most strings are keys and short values: a fixstr that fits is written with one bounds
    /// check for header and bytes, and the U+0000 test runs on the words the copy loads.
    @inline(__always)
    mutating func append(string bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        if count < 32, count < buffer.count &- position, let source = bytes.baseAddress, let target = buffer.baseAddress {
            let start = target + position
            start.storeBytes(of: 0xa0 | UInt8(truncatingIfNeeded: count), as: UInt8.self)
            position &+= 1 &+ count
            return ShortCopy.copyBelow32(from: source, to: start + 1, count: count)
        }
        writeStringHeader(length: count)
        append(stringBytes: bytes)
        return !UTF8Validation.containsNUL(bytes)
    }
}

/// Copies of a few bytes, such as keys and short strings, without calling `memcpy` (3–5% of
/// encoding rpc, deep, typed and dict): 4 to 16 bytes move as two overlapping loads and stores,
/// one at each end, none reaching outside the `count` bytes.
enum ShortCopy {
    @inline(__always)
    static func copy(from source: UnsafeRawPointer, to destination: UnsafeMutableRawPointer, count: Int) {
        if count >= 8, count <= 16 {
            destination.storeBytes(of: source.loadUnaligned(as: UInt64.self), as: UInt64.self)
            destination.storeBytes(
                of: source.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self), toByteOffset: count &- 8, as: UInt64.self)
        } else if count >= 4, count < 8 {
            destination.storeBytes(of: source.loadUnaligned(as: UInt32.self), as: UInt32.self)
            destination.storeBytes(
                of: source.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self), toByteOffset: count &- 4, as: UInt32.self)
        } else {
            destination.copyMemory(from: source, byteCount: count)
        }
    }

    /// Copies `count` bytes, fewer than 32, and returns `true` when none of them is zero: as
    /// two to four overlapping words, or for 1 to 3 bytes the first, middle and last, which
    /// cover them. Nothing outside the `count` bytes is read or written.
    @inline(__always)
    static func copyBelow32(from source: UnsafeRawPointer, to destination: UnsafeMutableRawPointer, count: Int) -> Bool {
        if count >= 8 {
            let head = source.loadUnaligned(as: UInt64.self)
            let tail = source.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
            destination.storeBytes(of: head, as: UInt64.self)
            destination.storeBytes(of: tail, toByteOffset: count &- 8, as: UInt64.self)
            var free = !UTF8Validation.hasZeroByte(head) && !UTF8Validation.hasZeroByte(tail)
            if count > 16 {
                // 17 to 31: the middle 16 bytes too, from offset 8 and ending 8 before the end.
                let second = source.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                let third = source.loadUnaligned(fromByteOffset: count &- 16, as: UInt64.self)
                destination.storeBytes(of: second, toByteOffset: 8, as: UInt64.self)
                destination.storeBytes(of: third, toByteOffset: count &- 16, as: UInt64.self)
                free = free && !UTF8Validation.hasZeroByte(second) && !UTF8Validation.hasZeroByte(third)
            }
            return free
        }
        if count >= 4 {
            let head = source.loadUnaligned(as: UInt32.self)
            let tail = source.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
            destination.storeBytes(of: head, as: UInt32.self)
            destination.storeBytes(of: tail, toByteOffset: count &- 4, as: UInt32.self)
            return !UTF8Validation.hasZeroByte(head) && !UTF8Validation.hasZeroByte(tail)
        }
        guard count > 0 else { return true }
        let first = source.load(as: UInt8.self)
        let middle = source.load(fromByteOffset: count &>> 1, as: UInt8.self)
        let last = source.load(fromByteOffset: count &- 1, as: UInt8.self)
        destination.storeBytes(of: first, as: UInt8.self)
        destination.storeBytes(of: middle, toByteOffset: count &>> 1, as: UInt8.self)
        destination.storeBytes(of: last, toByteOffset: count &- 1, as: UInt8.self)
        return first != 0 && middle != 0 && last != 0
    }
}

/// Something canonical MessagePack can be written into: the sized ``WireWriter`` of
/// ``XPCWireEncoder`` and the growing ``GrowingWireBuffer`` of the direct Codable path.
///
/// Every form is written by the one extension below, so both produce the same bytes (SPEC §4, §5).
protocol MessagePackWriting {
    mutating func append(_ byte: UInt8)
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T)
    mutating func append(contentsOf bytes: UnsafeRawBufferPointer)
    /// A string's UTF-8 bytes: most are a key or a short value, which a writer may copy without
    /// calling `memcpy`.
    mutating func append(stringBytes bytes: UnsafeRawBufferPointer)
    /// A string's header and UTF-8 bytes; `false` when they hold a zero byte (written anyway).
    mutating func append(string bytes: UnsafeRawBufferPointer) -> Bool
}

extension MessagePackWriting {
    mutating func append(stringBytes bytes: UnsafeRawBufferPointer) {
        append(contentsOf: bytes)
    }

    mutating func append(contentsOf bytes: [UInt8]) {
        bytes.withUnsafeBytes { append(contentsOf: $0) }
    }

    mutating func append(string bytes: UnsafeRawBufferPointer) -> Bool {
        writeStringHeader(length: bytes.count)
        append(stringBytes: bytes)
        return !UTF8Validation.containsNUL(bytes)
    }

    /// A string: its header in the shortest form, then its UTF-8 bytes in one copy.
    ///
    /// Returns `false` when the string holds U+0000, which no XPCWire string may (SPEC §2.3); the
    /// bytes are written anyway and the caller discards them. Scanning while the bytes are copied
    /// spares the encoders a separate pass over every string.
    mutating func write(string: String) -> Bool {
        let utf8 = string.utf8
        let written: Bool? = utf8.withContiguousStorageIfAvailable { buffer in
            append(string: UnsafeRawBufferPointer(buffer))
        }
        if let written { return written }
        writeStringHeader(length: utf8.count)
        var free = true
        for byte in utf8 {
            free = free && byte != 0
            append(byte)
        }
        return free
    }

    /// An int64 in its canonical form (SPEC §4.2.1): the first form that holds it.
    mutating func writeInt64(_ value: Int64) {
        if value >= -32, value <= 127 {
            append(UInt8(truncatingIfNeeded: value))  // positive or negative fixint
        } else if value == Int64(Int8(truncatingIfNeeded: value)) {
            append(WireFormat.int8)
            append(UInt8(truncatingIfNeeded: value))
        } else if value == Int64(Int16(truncatingIfNeeded: value)) {
            append(WireFormat.int16)
            appendBigEndian(Int16(truncatingIfNeeded: value))
        } else if value == Int64(Int32(truncatingIfNeeded: value)) {
            append(WireFormat.int32)
            appendBigEndian(Int32(truncatingIfNeeded: value))
        } else {
            append(WireFormat.int64)
            appendBigEndian(value)
        }
    }

    /// A uint64 in its canonical form (SPEC §4.2.2): always an unsigned form, never a fixint.
    mutating func writeUInt64(_ value: UInt64) {
        if value <= 0xff {
            append(WireFormat.uint8)
            append(UInt8(truncatingIfNeeded: value))
        } else if value <= 0xffff {
            append(WireFormat.uint16)
            appendBigEndian(UInt16(truncatingIfNeeded: value))
        } else if value <= 0xffff_ffff {
            append(WireFormat.uint32)
            appendBigEndian(UInt32(truncatingIfNeeded: value))
        } else {
            append(WireFormat.uint64)
            appendBigEndian(value)
        }
    }

    mutating func writeDouble(_ value: Double) {
        append(WireFormat.float64)
        appendBigEndian(value.bitPattern)
    }

    /// Writes a str/bin/array/map header in its shortest form; `length` is at most `UInt32.max`.
    @inline(__always)
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

    @inline(__always)
    mutating func writeStringHeader(length: Int) {
        // Most strings are short: the fixstr byte without the general form's tests.
        if length < 32 {
            append(0xa0 | UInt8(truncatingIfNeeded: length))
            return
        }
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
        withUnsafeBytes(of: uuid.uuid) { append(contentsOf: $0) }
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

/// Small byte arrays (headers, moved entries) are written with the same forms.
extension Array: MessagePackWriting where Element == UInt8 {
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}

/// The encoded size of each form (SPEC §4), for the encoder's sizing pass.
enum WireSize {
    static func int64(_ value: Int64) -> Int {
        switch WireEncoding.signedFormat(for: value) {
        case WireFormat.int8: 2
        case WireFormat.int16: 3
        case WireFormat.int32: 5
        case WireFormat.int64: 9
        default: 1
        }
    }

    static func uint64(_ value: UInt64) -> Int {
        switch WireEncoding.unsignedFormat(for: value) {
        case WireFormat.uint8: 2
        case WireFormat.uint16: 3
        case WireFormat.uint32: 5
        default: 9
        }
    }

    /// A str/bin/array/map header: 1 byte for a fix form, else the format byte and a 1-, 2- or 4-byte length.
    static func header(length: Int, fixLimit: Int, hasForm8: Bool) -> Int {
        if length < fixLimit { return 1 }
        if hasForm8, length <= 0xff { return 2 }
        return length <= 0xffff ? 3 : 5
    }

    static func string(length: Int) -> Int { header(length: length, fixLimit: 32, hasForm8: true) + length }
    static func data(length: Int) -> Int { header(length: length, fixLimit: 0, hasForm8: true) + length }
    static func array(count: Int) -> Int { header(length: count, fixLimit: 16, hasForm8: false) }
    static func map(count: Int) -> Int { header(length: count, fixLimit: 16, hasForm8: false) }
    static let double = 9
    static let uuid = 18
    static let date = 10
    static let slot = 4
}

/// A byte buffer that grows as it is written: where the direct Codable path writes its envelope.
///
/// With ``WireWriter``, the library's only owner of raw memory. Every write first makes room
/// (doubling the capacity), and every range it is given is checked against `count`.
final class GrowingWireBuffer: MessagePackWriting {
    @exclusivity(unchecked) private var storage: UnsafeMutableRawPointer
    @exclusivity(unchecked) private var capacity: Int
    /// Bytes written so far.
    @exclusivity(unchecked) private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        storage = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 1)
    }

    deinit { storage.deallocate() }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    private func reserve(_ extra: Int) {
        if capacity - count < extra { grow(toHold: count + extra) }
    }

    @inline(never)
    private func grow(toHold needed: Int) {
        var newCapacity = capacity
        while newCapacity < needed { newCapacity = newCapacity <= Int.max / 2 ? newCapacity * 2 : needed }
        let newStorage = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 1)
        newStorage.copyMemory(from: storage, byteCount: count)
        storage.deallocate()
        storage = newStorage
        capacity = newCapacity
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        reserve(1)
        storage.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always)
    func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        let size = MemoryLayout<T>.size
        reserve(size)
        storage.storeBytes(of: value.bigEndian, toByteOffset: count, as: T.self)
        count += size
    }

    @inline(__always)
    func append(contentsOf bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (storage + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    func append(stringBytes bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        ShortCopy.copy(from: source, to: storage + count, count: bytes.count)
        count += bytes.count
    }

    /// As ``WireWriter/append(string:)``: a fixstr in one reservation, its U+0000 test on the
    /// words the copy loads.
    @inline(__always)
    func append(string bytes: UnsafeRawBufferPointer) -> Bool {
        let length = bytes.count
        if length < 32, let source = bytes.baseAddress {
            reserve(1 + length)
            storage.storeBytes(of: 0xa0 | UInt8(truncatingIfNeeded: length), toByteOffset: count, as: UInt8.self)
            let free = ShortCopy.copyBelow32(from: source, to: storage + count + 1, count: length)
            count += 1 + length
            return free
        }
        var buffer = self  // the same object: the protocol's `mutating` helpers need a variable
        buffer.writeStringHeader(length: length)
        append(stringBytes: bytes)
        return !UTF8Validation.containsNUL(bytes)
    }

    /// Overwrites the byte at `offset`, which must have been written.
    func set(_ byte: UInt8, at offset: Int) {
        guard offset >= 0, offset < count else { return }
        storage.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self)
    }

    /// The bytes written so far.
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage, count: count))
    }

    /// Replaces the written bytes in `range` with `bytes`, moving what follows.
    func replace(_ range: Range<Int>, with bytes: UnsafeRawBufferPointer) {
        guard range.lowerBound >= 0, range.upperBound <= count else { return }
        let tail = count - range.upperBound
        let newEnd = range.lowerBound + bytes.count
        reserve(max(0, bytes.count - range.count))
        (storage + newEnd).moveInitializeMemory(as: UInt8.self, from: (storage + range.upperBound).assumingMemoryBound(to: UInt8.self), count: tail)
        if let source = bytes.baseAddress, !bytes.isEmpty {
            (storage + range.lowerBound).copyMemory(from: source, byteCount: bytes.count)
        }
        count = newEnd + tail
    }

    /// Rewrites everything from `start` to the end as `header` followed by the `pieces` (ranges
    /// of the bytes written after `start`, in the order given), assembling them in room past the
    /// end and moving them back in one copy. Does nothing if a range is out of bounds.
    func rearrange(from start: Int, header: UnsafeRawBufferPointer, pieces: UnsafeBufferPointer<Range<Int>>) {
        guard start >= 0, start <= count else { return }
        var length = header.count
        for piece in pieces {
            guard piece.lowerBound >= start, piece.upperBound <= count else { return }
            length += piece.count
        }
        let assembly = count
        reserve(length)
        var position = assembly
        if let source = header.baseAddress, !header.isEmpty {
            (storage + position).copyMemory(from: source, byteCount: header.count)
            position += header.count
        }
        for piece in pieces {
            (storage + position).copyMemory(from: storage + piece.lowerBound, byteCount: piece.count)
            position += piece.count
        }
        (storage + start).copyMemory(from: storage + assembly, byteCount: length)
        count = start + length
    }

    /// The bytes written, as an array of exactly their size.
    func makeArray() -> [UInt8] {
        [UInt8](UnsafeRawBufferPointer(start: storage, count: count))
    }
}
