// Canonical base64 (RFC 4648 §4) built on the Swift standard library alone.

/// Base64 with the standard alphabet and `=` padding (RFC 4648 §4), decoded strictly.
///
/// The decoder accepts only the canonical encoding, the one ``encode(_:)`` produces, so every
/// byte string has exactly one accepted spelling:
///
/// - the length is a multiple of 4, with `=` padding only at the very end;
/// - only `A`–`Z`, `a`–`z`, `0`–`9`, `+` and `/` appear before the padding (no whitespace, no
///   line breaks, no URL-safe `-` or `_`);
/// - the bits that padding leaves unused in the last character are zero (RFC 4648 §3.5).
///
/// ```swift
/// Base64.encode(Array("foo".utf8))  // "Zm9v"
/// Base64.decode("Zm8=")             // [0x66, 0x6F]
/// Base64.decode("Zm9=")             // nil: unused bits are not zero
/// ```
package enum Base64 {
    /// Encodes `bytes` as base64 with padding.
    package static func encode(_ bytes: some Collection<UInt8>) -> String {
        var output: [UInt8] = []
        let (capacity, overflow) = (bytes.count / 3 + 1).multipliedReportingOverflow(by: 4)
        if !overflow {
            output.reserveCapacity(capacity)
        }
        var iterator = bytes.makeIterator()
        while let first = iterator.next() {
            output.append(character(first >> 2))
            guard let second = iterator.next() else {
                output.append(character((first & 0x03) << 4))
                output.append(padding)
                output.append(padding)
                break
            }
            output.append(character((first & 0x03) << 4 | second >> 4))
            guard let third = iterator.next() else {
                output.append(character((second & 0x0F) << 2))
                output.append(padding)
                break
            }
            output.append(character((second & 0x0F) << 2 | third >> 6))
            output.append(character(third & 0x3F))
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes canonical padded base64, or returns `nil` if `string` is anything else.
    package static func decode(_ string: String) -> [UInt8]? {
        let characters = Array(string.utf8)
        guard characters.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(characters.count / 4 * 3)
        var start = 0
        while start < characters.count {
            let end = start + 4
            let isFinal = end == characters.count
            guard decodeQuantum(characters[start..<end], isFinal: isFinal, into: &output) else { return nil }
            start = end
        }
        return output
    }

    /// Decodes four characters into one to three bytes. Padding is allowed only when `isFinal`,
    /// and only with the unused bits of the last data character zero.
    private static func decodeQuantum(
        _ quantum: ArraySlice<UInt8>, isFinal: Bool, into output: inout [UInt8]
    ) -> Bool {
        let first = quantum.startIndex
        guard let a = sextet(quantum[first]), let b = sextet(quantum[first + 1]) else { return false }
        let third = quantum[first + 2]
        let fourth = quantum[first + 3]
        if third == padding {
            guard isFinal, fourth == padding, b & 0x0F == 0 else { return false }
            output.append(a << 2 | b >> 4)
            return true
        }
        guard let c = sextet(third) else { return false }
        if fourth == padding {
            guard isFinal, c & 0x03 == 0 else { return false }
            output.append(a << 2 | b >> 4)
            output.append(b << 4 | c >> 2)
            return true
        }
        guard let d = sextet(fourth) else { return false }
        output.append(a << 2 | b >> 4)
        output.append(b << 4 | c >> 2)
        output.append(c << 6 | d)
        return true
    }

    /// The alphabet character for a 6-bit value (the caller masks it to `0..<64`).
    private static func character(_ sextet: UInt8) -> UInt8 {
        alphabet[Int(sextet)]
    }

    /// The 6-bit value of an alphabet character, or `nil` for any other byte (padding included).
    private static func sextet(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): character - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): character - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }

    /// RFC 4648 Table 1, indexed by 6-bit value.
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The padding character `=`.
    private static let padding = UInt8(ascii: "=")
}
