@testable import XPCWire
import Testing

@Suite("Base64 (RFC 4648 §4, canonical only)")
struct Base64Tests {
    /// RFC 4648 §10 test vectors.
    static let vectors: [(plain: String, encoded: String)] = [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ]

    @Test("RFC 4648 §10 vectors encode", arguments: vectors)
    func encodesVector(_ plain: String, _ encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.encode(plain.utf8) == encoded)
    }

    @Test("RFC 4648 §10 vectors decode", arguments: vectors)
    func decodesVector(_ plain: String, _ encoded: String) {
        #expect(Base64.decode(encoded) == Array(plain.utf8))
    }

    @Test("Uses the standard alphabet, including + and /")
    func alphabetEnds() {
        #expect(Base64.encode([0xFB, 0xFF, 0xBF]) == "+/+/")
        #expect(Base64.decode("+/+/") == [0xFB, 0xFF, 0xBF])
        #expect(Base64.encode([0x00, 0x00, 0x00]) == "AAAA")
        #expect(Base64.encode([0x00, 0x01, 0x02]) == "AAEC")
    }

    @Test(
        "Malformed input is rejected",
        arguments: [
            "Zg", "Zg=", "Zm9vY", "Zm9v=",            // length not a multiple of 4
            "Zg===", "====", "Z===", "=Zm9", "Zg=a", "Z=g=", // misplaced padding
            "Zg==Zg==", "Zm8=Zm8=", "Zm9v====",       // padding before the end
            "Zh==", "Zm9=", "Zm9vYh==", "Zm9vYmF=",   // non-zero unused bits
            "Zm 9v", "Zm9v\n", " Zm9", "Zm9v\r\n", "Zm\t9", // whitespace
            "Zm-v", "Zm_v", "Zm9v.AAA", "Zm9\u{0}",    // outside the alphabet
            "Zm9é", "ＺｍＸｖ",                      // non-ASCII
        ]
    )
    func rejects(_ input: String) {
        #expect(Base64.decode(input) == nil)
    }

    @Test("Only the canonical final character is accepted for one and two trailing bytes")
    func unusedBitsMustBeZero() {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        for (value, character) in alphabet.enumerated() {
            let oneByte = Base64.decode("Z\(character)==")
            #expect((oneByte != nil) == (value & 0x0F == 0), "Z\(character)==")
            let twoBytes = Base64.decode("Zm\(character)=")
            #expect((twoBytes != nil) == (value & 0x03 == 0), "Zm\(character)=")
        }
    }

    @Test("Every byte value and every length up to 64 round-trips")
    func roundTrips() {
        let everyByte = (0...255).map(UInt8.init)
        #expect(Base64.decode(Base64.encode(everyByte)) == everyByte)
        var generator = SplitMix64(seed: 64)
        for length in 0...64 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let encoded = Base64.encode(bytes)
            #expect(encoded.utf8.count == (length + 2) / 3 * 4)
            #expect(Base64.decode(encoded) == bytes)
            #expect(Base64.encode(bytes[...]) == encoded)
        }
    }
}
