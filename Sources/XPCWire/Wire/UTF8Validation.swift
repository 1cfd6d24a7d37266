/// UTF-8 checks for strings and keys (SPEC §2.3).
enum UTF8Validation {
    /// Makes a `String` from bytes that must be valid UTF-8 without U+0000.
    ///
    /// - Parameter offset: where `span` starts in the input, for error offsets.
    static func makeString(_ span: UnsafeRawBufferPointer, at offset: Int) throws(XPCWireDecodingError) -> String {
        if let nul = firstNUL(in: span) {
            throw .embeddedNUL(offset: offset + nul)
        }
        if #available(macOS 15, iOS 18, tvOS 18, watchOS 11, visionOS 2, *) {
            if let string = String(validating: span.assumingMemoryBound(to: UInt8.self), as: UTF8.self) {
                return string
            }
        } else if firstInvalidByte(in: span) == nil {
            return String(decoding: span, as: UTF8.self)
        }
        throw .invalidUTF8(offset: offset + (firstInvalidByte(in: span) ?? 0))
    }

    /// The index of the first zero byte, if any.
    @inline(__always)
    static func firstNUL(in span: UnsafeRawBufferPointer) -> Int? {
        var index = 0
        let count = span.count
        while index < count {
            if span[index] == 0 { return index }
            index &+= 1
        }
        return nil
    }

    /// The index of the first byte that starts an invalid sequence (RFC 3629 well-formedness:
    /// no overlongs, no surrogates, nothing above U+10FFFF), or `nil` if the bytes are valid.
    static func firstInvalidByte(in span: UnsafeRawBufferPointer) -> Int? {
        var index = 0
        let count = span.count
        while index < count {
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
