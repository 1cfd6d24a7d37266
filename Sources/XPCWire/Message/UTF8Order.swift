/// Byte-wise ordering and equality of strings by their UTF-8 encoding (SPEC §2.4, §5.2).
///
/// Swift's `String` comparison uses Unicode canonical equivalence, which would merge keys that
/// differ on the wire; XPCWire keys compare by bytes only.
@usableFromInline
enum UTF8Order {
    /// Compares the UTF-8 bytes of `lhs` and `rhs`: negative, zero or positive.
    @inlinable
    static func compare(_ lhs: String, _ rhs: String) -> Int {
        let fast = lhs.utf8.withContiguousStorageIfAvailable { left in
            rhs.utf8.withContiguousStorageIfAvailable { right in
                compare(UnsafeRawBufferPointer(left), UnsafeRawBufferPointer(right))
            }
        }
        if let fast = fast, let result = fast { return result }
        return compareSlowly(lhs.utf8, rhs.utf8)
    }

    /// Compares two byte spans as unsigned bytes; a proper prefix sorts first.
    ///
    /// Always inlined: the decoder compares every key with the one before it, and most keys are
    /// a few bytes, which cost less to compare than to call a function for.
    @inlinable @inline(__always)
    static func compare(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Int {
        let common = min(lhs.count, rhs.count)
        if common > 0, let left = lhs.baseAddress, let right = rhs.baseAddress {
            let result = memcmpBytes(left, right, common)
            if result != 0 { return result }
        }
        return lhs.count == rhs.count ? 0 : (lhs.count < rhs.count ? -1 : 1)
    }

    /// The next step of a merge of two key-sorted sequences: negative to take the left key,
    /// positive to take the right, zero when they are equal; a finished side (`nil`) comes last.
    static func mergeOrder(_ left: String?, _ right: String?) -> Int {
        switch (left, right) {
        case (nil, _): 1
        case (_, nil): -1
        case (let left?, let right?): compare(left, right)
        }
    }

    /// `true` when both strings have identical UTF-8 bytes.
    @inlinable
    static func equal(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.count == rhs.utf8.count && compare(lhs, rhs) == 0
    }

    @usableFromInline
    static func compareSlowly(_ lhs: String.UTF8View, _ rhs: String.UTF8View) -> Int {
        var left = lhs.makeIterator()
        var right = rhs.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let a?, let b?) where a != b: return a < b ? -1 : 1
            default: continue
            }
        }
    }

    /// Plain byte comparison; the standard library has no `memcmp` without Foundation or libc.
    ///
    /// Always inlined, like the byte-span `compare`: a call costs the decoder
    /// about as much again as comparing two short keys, in saved and restored registers.
    @inlinable @inline(__always)
    static func memcmpBytes(_ lhs: UnsafeRawPointer, _ rhs: UnsafeRawPointer, _ count: Int) -> Int {
        var index = 0
        // Eight bytes at a time: big-endian words order like their bytes.
        while count &- index >= 8 {
            let a = UInt64(bigEndian: lhs.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            let b = UInt64(bigEndian: rhs.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            if a != b { return a < b ? -1 : 1 }
            index &+= 8
        }
        // Then four at a time, which leaves at most three single bytes.
        if count &- index >= 4 {
            let a = UInt32(bigEndian: lhs.loadUnaligned(fromByteOffset: index, as: UInt32.self))
            let b = UInt32(bigEndian: rhs.loadUnaligned(fromByteOffset: index, as: UInt32.self))
            if a != b { return a < b ? -1 : 1 }
            index &+= 4
        }
        while index < count {
            let a = lhs.load(fromByteOffset: index, as: UInt8.self)
            let b = rhs.load(fromByteOffset: index, as: UInt8.self)
            if a != b { return a < b ? -1 : 1 }
            index &+= 1
        }
        return 0
    }
}
