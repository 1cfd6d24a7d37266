/// UTF-8 checks for strings and keys (SPEC §2.3).
enum UTF8Validation {
    /// Checks that bytes are valid UTF-8 without U+0000 (SPEC §4.6).
    ///
    /// One pass finds the first zero byte and whether any byte is non-ASCII, eight bytes at a time;
    /// only non-ASCII payloads go through the full validator. The zero-byte check covers the whole
    /// payload before validity is judged (SPEC §4.6 steps 5 and 6).
    ///
    /// - Parameter offset: where `span` starts in the input, for error offsets.
    /// - Returns: whether every byte is ASCII.
    @inline(__always) @discardableResult
    static func validate(_ span: UnsafeRawBufferPointer, at offset: Int) throws(XPCWireDecodingError) -> Bool {
        let scan = scan(span)
        if let nul = scan.firstNUL {
            throw .embeddedNUL(offset: offset + nul)
        }
        if !scan.isASCII, let invalid = firstInvalidByte(in: span) {
            throw .invalidUTF8(offset: offset + invalid)
        }
        return scan.isASCII
    }

    /// A `String` of bytes ``validate(_:at:)`` accepted; `isASCII` is what it returned, when
    /// known.
    @inline(__always)
    static func string(fromValidated span: UnsafeRawBufferPointer, isASCII: Bool? = nil) -> String {
        #if compiler(>=6.2)
        if span.count > 15, #available(macOS 26, iOS 26, watchOS 26, tvOS 26, visionOS 26, *) {
            // A string too long to be stored inline, from bytes that are known to be valid: a
            // `UTF8Span` made without checking them lets the standard library copy them into
            // the string's storage without validating them a second time. Whether they are all
            // ASCII is passed on (or found out), since the string keeps it: comparing and
            // hashing ASCII strings skips Unicode normalization.
            var utf8 = unsafe UTF8Span(unchecked: Span<UInt8>(_unsafeBytes: span), isKnownASCII: isASCII ?? false)
            if isASCII == nil { _ = utf8.checkForASCII() }
            return String(copying: utf8)
        }
        #endif
        // The bytes are valid UTF-8, so this initializer takes them unchanged (it repairs nothing).
        // Unlike `String(decoding:as:)`, it builds a string of at most 15 ASCII bytes in place,
        // without calling the standard library's validator (5-7% of decoding rpc, typed and deep);
        // longer strings (before Swift 6.2 and the OS releases with `UTF8Span`) are copied into
        // their storage and validated there. `String(validating:as:)` would validate again
        // through an unspecialized generic path.
        return String(unsafeUninitializedCapacity: span.count) { target in
            guard let source = span.baseAddress, let base = target.baseAddress else { return 0 }
            // Keys and short values are most strings: their bytes move as words, not via memcpy.
            if span.count < 32 {
                _ = ShortCopy.copyBelow32(from: source, to: UnsafeMutableRawPointer(base), count: span.count)
            } else {
                UnsafeMutableRawPointer(base).copyMemory(from: source, byteCount: span.count)
            }
            return span.count
        }
    }

    /// The index of the first zero byte, if any, and whether every byte is below 0x80.
    @inline(__always)
    static func scan(_ span: UnsafeRawBufferPointer) -> (firstNUL: Int?, isASCII: Bool) {
        guard let base = span.baseAddress else { return (nil, true) }
        let count = span.count
        var index = 0
        var highBits: UInt64 = 0
        while count &- index >= 8 {
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if hasZeroByte(word) { break }
            highBits |= word
            index &+= 8
        }
        // The last 1…7 bytes of a payload of at least 8 as one word that overlaps the bytes
        // already seen (only when the loop above ran out of whole words, not when it stopped at
        // a word with a zero byte); a zero byte in it is located by the byte loop below.
        if index < count, count &- index < 8, count >= 8 {
            let word = base.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
            if !hasZeroByte(word) {
                highBits |= word
                index = count
            }
        } else if count >= 4, count < 8 {
            // 4…7 bytes: the first four and the last four (overlapping), as one word.
            let head = UInt64(base.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
            let tail = UInt64(base.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self))
            let word = head | tail << 32
            if !hasZeroByte(word) {
                highBits |= word
                index = count
            }
        }
        while index < count {
            let byte = base.load(fromByteOffset: index, as: UInt8.self)
            if byte == 0 { return (index, false) }
            highBits |= UInt64(byte)
            index &+= 1
        }
        return (nil, highBits & 0x8080_8080_8080_8080 == 0)
    }

    /// `true` if some byte is zero; eight bytes at a time.
    @inline(__always)
    static func containsNUL(_ span: UnsafeRawBufferPointer) -> Bool {
        guard let base = span.baseAddress else { return false }
        let count = span.count
        guard count >= 8 else {
            guard count >= 4 else {
                for index in 0..<count where base.load(fromByteOffset: index, as: UInt8.self) == 0 { return true }
                return false
            }
            // The first and the last four bytes (overlapping) cover four to seven.
            return hasZeroByte(base.loadUnaligned(as: UInt32.self))
                || hasZeroByte(base.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self))
        }
        // Whole words, then the last eight bytes (overlapping what was checked) for the rest.
        var index = 0
        while count &- index >= 8 {
            if hasZeroByte(base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) { return true }
            index &+= 8
        }
        return index < count && hasZeroByte(base.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self))
    }

    /// `true` when the `count` bytes at `base` (fewer than 32) are all ASCII and none is zero:
    /// as two to four overlapping words, or for 1 to 3 bytes the first, middle and last, which
    /// cover them; one test for both conditions, no branch per word. Reads nothing outside the
    /// `count` bytes.
    @inline(__always)
    static func isASCIIWithoutNUL(_ base: UnsafeRawPointer, countBelow32 count: Int) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        // A byte's high bit in `flagged` is set if the byte is zero ((w - 1) & ~w, the SWAR
        // test; borrows only flag bytes above a real zero, which is already a failure) or is
        // at least 0x80 (`w` itself).
        @inline(__always) func flagged(_ word: UInt64) -> UInt64 { ((word &- ones) & ~word) | word }
        if count >= 8 {
            var bad = flagged(base.loadUnaligned(as: UInt64.self))
                | flagged(base.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self))
            if count > 16 {
                // 17 to 31: the middle 16 bytes too, from offset 8 and ending 8 before the end.
                bad |= flagged(base.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
                    | flagged(base.loadUnaligned(fromByteOffset: count &- 16, as: UInt64.self))
            }
            return bad & highBits == 0
        }
        if count >= 4 {
            // The first and the last four bytes (overlapping), as one word.
            let word = UInt64(base.loadUnaligned(as: UInt32.self))
                | UInt64(base.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)) << 32
            return flagged(word) & highBits == 0
        }
        guard count > 0 else { return true }
        let first = base.load(as: UInt8.self)
        let middle = base.load(fromByteOffset: count &>> 1, as: UInt8.self)
        let last = base.load(fromByteOffset: count &- 1, as: UInt8.self)
        return first != 0 && middle != 0 && last != 0 && (first | middle | last) < 0x80
    }

    /// Non-zero exactly when some byte of `word` is zero (the classic SWAR test).
    @inline(__always)
    static func hasZeroByte(_ word: UInt64) -> Bool {
        (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080 != 0
    }

    /// The same test on four bytes.
    @inline(__always)
    static func hasZeroByte(_ word: UInt32) -> Bool {
        (word &- 0x0101_0101) & ~word & 0x8080_8080 != 0
    }

    /// `true` if the string holds U+0000; eight bytes at a time for contiguous strings.
    static func containsNUL(_ string: String) -> Bool {
        let utf8 = string.utf8
        return utf8.withContiguousStorageIfAvailable { containsNUL(UnsafeRawBufferPointer($0)) } ?? utf8.contains(0)
    }

    /// The index of the first byte that starts an invalid sequence (RFC 3629 well-formedness:
    /// no overlongs, no surrogates, nothing above U+10FFFF), or `nil` if the bytes are valid.
    static func firstInvalidByte(in span: UnsafeRawBufferPointer) -> Int? {
        var index = 0
        let count = span.count
        while index < count {
            // Skip ASCII eight bytes at a time.
            if count &- index >= 8, span.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index &+= 8
                continue
            }
            let lead = span[index]
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xbf
            switch lead {
            case 0x00...0x7f: length = 1
            case 0xc2...0xdf: length = 2
            case 0xe0: length = 3; lower = 0xa0
            case 0xe1...0xec, 0xee...0xef: length = 3
            case 0xed: length = 3; upper = 0x9f
            case 0xf0: length = 4; lower = 0x90
            case 0xf1...0xf3: length = 4
            case 0xf4: length = 4; upper = 0x8f
            default: return index
            }
            guard length <= count - index else { return index }
            if length > 1 {
                let second = span[index + 1]
                guard second >= lower, second <= upper else { return index }
                var next = index + 2
                while next < index + length {
                    guard span[next] & 0xc0 == 0x80 else { return index }
                    next += 1
                }
            }
            index += length
        }
        return nil
    }
}
