@testable import XPCWire

extension FixtureCatalog {
    /// Builds an envelope by hand (not with the encoder), so malformed fixtures can be written.
    static func envelope(
        _ body: [UInt8], slots: [UInt8] = [], major: UInt8 = 1, minor: UInt8 = 0, flags: UInt16 = 0,
        bodyLength: UInt32? = nil
    ) -> [UInt8] {
        let length = bodyLength ?? UInt32(body.count)
        var bytes: [UInt8] = [0x58, 0x50, 0x43, 0x57, major, minor, UInt8(flags >> 8), UInt8(flags & 0xff)]
        bytes += [UInt8(slots.count >> 8), UInt8(slots.count & 0xff)]
        bytes += [UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff)]
        return bytes + slots + body
    }

    /// Offset of the first body byte in an envelope with `slots` slots.
    static func body(_ slots: Int = 0) -> Int { 14 + slots }

    // MARK: Invalid

    static var invalid: [Invalid] {
        var fixtures: [Invalid] = []
        func add(_ name: String, _ bytes: [UInt8], _ error: String, at offset: Int) {
            fixtures.append(Invalid(name: name, bytes: bytes, error: error, offset: offset))
        }
        let nested257 = [UInt8](repeating: 0x91, count: 256) + [0x90]

        add("empty-input", [], "truncated", at: 0)
        add("magic-short", [0x58, 0x50], "truncated", at: 0)
        add("magic-wrong", [0x58, 0x50, 0x43, 0x58, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xc0], "badMagic", at: 0)
        add("header-truncated", [0x58, 0x50, 0x43, 0x57, 1, 0, 0], "truncated", at: 6)
        add("version-major-2", envelope([0xc0], major: 2), "unsupportedVersion", at: 4)
        add("version-major-0", envelope([0xc0], major: 0), "unsupportedVersion", at: 4)
        add("flags-unknown-critical", envelope([0xc0], flags: 0x0100), "unsupportedFlags", at: 6)
        add("slot-count-over-limit", envelope([0xc0], slots: [UInt8](repeating: 1, count: 254)), "limitExceeded", at: 8)
        add("slot-kind-invalid", envelope([0xd5, 0x03, 0x00, 0x00], slots: [0x03]), "invalidSlotKind", at: 14)
        add("body-length-exceeds-input", envelope([0xc0], bodyLength: 5), "truncated", at: body())
        add("body-empty", envelope([]), "truncated", at: body())
        add("bytes-after-envelope", envelope([0xc0]) + [0x00], "trailingBytes", at: 15)
        add("body-two-values", envelope([0xc0, 0xc0]), "trailingBytes", at: 15)
        add("reserved-byte-c1", envelope([0xc1]), "reservedByte", at: body())
        add("uint64-truncated", envelope([0xcf, 0x00, 0x00]), "truncated", at: body())
        add("string-truncated", envelope([0xa5, 0x61, 0x62]), "truncated", at: body())
        add("str32-claims-4gib", envelope([0xdb, 0xff, 0xff, 0xff, 0xff, 0x61]), "truncated", at: body())
        add("bin32-claims-4gib", envelope([0xc6, 0xff, 0xff, 0xff, 0xff, 0x00]), "truncated", at: body())
        add("array32-claims-4g-elements", envelope([0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0]), "truncated", at: body())
        add("map32-claims-4g-entries", envelope([0xdf, 0xff, 0xff, 0xff, 0xff, 0xa0, 0xc0]), "truncated", at: body())
        add("map-value-missing", envelope([0x81, 0xa1, 0x61]), "truncated", at: body() + 3)
        add("utf8-overlong", envelope([0xa2, 0xc0, 0x80]), "invalidUTF8", at: body() + 1)
        add("utf8-surrogate", envelope([0xa3, 0xed, 0xa0, 0x80]), "invalidUTF8", at: body() + 1)
        add("utf8-above-max", envelope([0xa4, 0xf4, 0x90, 0x80, 0x80]), "invalidUTF8", at: body() + 1)
        add("utf8-truncated-sequence", envelope([0xa2, 0x61, 0xe2]), "invalidUTF8", at: body() + 2)
        add("utf8-lone-continuation", envelope([0xa1, 0x80]), "invalidUTF8", at: body() + 1)
        add("utf8-invalid-key", envelope([0x81, 0xa1, 0xff, 0xc0]), "invalidUTF8", at: body() + 2)
        add("string-embedded-nul", envelope([0xa3, 0x61, 0x00, 0x62]), "embeddedNUL", at: body() + 2)
        add("key-embedded-nul", envelope([0x81, 0xa2, 0x00, 0x61, 0xc0]), "embeddedNUL", at: body() + 2)
        add("key-integer", envelope([0x81, 0x01, 0xc0]), "nonStringKey", at: body() + 1)
        add("key-binary", envelope([0x81, 0xc4, 0x01, 0x61, 0xc0]), "nonStringKey", at: body() + 1)
        add("key-nil", envelope([0x81, 0xc0, 0xc0]), "nonStringKey", at: body() + 1)
        add("key-duplicate-adjacent", envelope([0x82, 0xa1, 0x61, 0x01, 0xa1, 0x61, 0x02]), "duplicateKey", at: body() + 4)
        add("key-duplicate-unsorted", envelope([0x83, 0xa1, 0x62, 0x01, 0xa1, 0x61, 0x02, 0xa1, 0x62, 0x03]),
            "duplicateKey", at: body())
        add("depth-257", envelope(nested257), "depthLimitExceeded", at: body() + 256)
        add("fd-without-slots", envelope([0xd5, 0x03, 0x00, 0x00]), "slotIndexOutOfRange", at: body())
        add("fd-slot-out-of-range", envelope([0xd5, 0x03, 0x00, 0x01], slots: [0x01]), "slotIndexOutOfRange", at: body(1))
        add("endpoint-in-fd-slot", envelope([0xd5, 0x04, 0x00, 0x00], slots: [0x01]), "slotKindMismatch", at: body(1))
        add("fd-in-endpoint-slot", envelope([0xd5, 0x03, 0x00, 0x00], slots: [0x02]), "slotKindMismatch", at: body(1))
        add("slot-unreferenced", envelope([0xc0], slots: [0x01]), "unreferencedSlot", at: 14)
        add("ext-unknown-type", envelope([0xd4, 0x05, 0x00]), "unknownExtType", at: body())
        add("ext-uuid-wrong-length", envelope([0xd7, 0x01] + [UInt8](repeating: 0, count: 8)), "badExtLength", at: body())
        add("ext-date-wrong-length", envelope([0xd6, 0x02, 0, 0, 0, 0]), "badExtLength", at: body())
        add("ext-fd-wrong-length", envelope([0xd4, 0x03, 0x00], slots: [0x01]), "badExtLength", at: body(1))
        add("ext-truncated", envelope([0xc7, 0x10, 0x01, 0x00]), "truncated", at: body())
        add("timestamp-wrong-length", envelope([0xd5, 0xff, 0x00, 0x00]), "badExtLength", at: body())
        add("timestamp-nanoseconds-too-large",
            envelope([0xc7, 0x0c, 0xff, 0x3b, 0x9a, 0xca, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]), "badExtPayload", at: body())
        add("timestamp64-nanoseconds-too-large",
            envelope([0xd7, 0xff, 0xff, 0xff, 0xff, 0xfc, 0x00, 0x00, 0x00, 0x00]), "badExtPayload", at: body())
        add("timestamp-after-int64-range",
            envelope([0xc7, 0x0c, 0xff, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            "dateOutOfRange", at: body())
        add("timestamp-before-int64-range",
            envelope([0xc7, 0x0c, 0xff, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0]), "dateOutOfRange", at: body())
        return fixtures
    }

    // MARK: Non-canonical

    static var nonCanonical: [NonCanonical] {
        var fixtures: [NonCanonical] = []
        func add(
            _ name: String, _ bytes: [UInt8], _ reason: XPCWireDecodingError.NonCanonicalReason, at offset: Int,
            _ message: XPCMessage
        ) {
            fixtures.append(NonCanonical(name: name, bytes: bytes, reason: reason, offset: offset, message: message))
        }
        let uuidBytes: [UInt8] = [0xe6, 0x21, 0xe1, 0xf8, 0xc3, 0x6c, 0x49, 0x5a, 0x93, 0xfc, 0x0c, 0x24, 0x7a, 0x3e, 0x6e, 0x5f]
        let uuid = XPCMessage.uuid(.init(uuid: (
            0xe6, 0x21, 0xe1, 0xf8, 0xc3, 0x6c, 0x49, 0x5a, 0x93, 0xfc, 0x0c, 0x24, 0x7a, 0x3e, 0x6e, 0x5f)))

        add("int64-small-in-int64-form", envelope([0xd3, 0, 0, 0, 0, 0, 0, 0, 0x05]), .nonShortestInteger, at: 14, 5)
        add("int64-fixint-in-int8-form", envelope([0xd0, 0x05]), .nonShortestInteger, at: 14, 5)
        add("int64-negative-fixint-in-int16-form", envelope([0xd1, 0xff, 0xff]), .nonShortestInteger, at: 14, -1)
        add("uint64-small-in-uint16-form", envelope([0xcd, 0x00, 0x05]), .nonShortestInteger, at: 14, .uint64(5))
        add("double-as-float32", envelope([0xca, 0x3f, 0xc0, 0x00, 0x00]), .float32, at: 14, 1.5)
        add("string-short-in-str8", envelope([0xd9, 0x01, 0x61]), .nonShortestLength, at: 14, "a")
        add("data-short-in-bin16", envelope([0xc5, 0x00, 0x01, 0xff]), .nonShortestLength, at: 14, .data([0xff]))
        add("array-short-in-array16", envelope([0xdc, 0x00, 0x01, 0xc0]), .nonShortestLength, at: 14, [nil])
        add("map-short-in-map16", envelope([0xde, 0x00, 0x01, 0xa1, 0x61, 0xc0]), .nonShortestLength, at: 14, ["a": nil])
        add("map-keys-unsorted", envelope([0x82, 0xa1, 0x62, 0x01, 0xa1, 0x61, 0x02]), .unsortedKeys, at: 18, ["a": 2, "b": 1])
        add("uuid-in-ext8", envelope([0xc7, 0x10, 0x01] + uuidBytes), .nonShortestExtForm, at: 14, uuid)
        add("date-in-ext8", envelope([0xc7, 0x08, 0x02, 0, 0, 0, 0, 0, 0, 0, 0x07]), .nonShortestExtForm, at: 14,
            .date(XPCDate(nanosecondsSinceReferenceDate: 7)))
        add("fd-in-ext8", envelope([0xc7, 0x02, 0x03, 0x00, 0x00], slots: [0x01]), .nonShortestExtForm, at: 15, .fd(slot: 0))
        // 978307200 = 0x3a4fc880: the reference date in Unix seconds.
        add("timestamp32", envelope([0xd6, 0xff, 0x3a, 0x4f, 0xc8, 0x80]), .timestampExt, at: 14,
            .date(XPCDate(nanosecondsSinceReferenceDate: 0)))
        // (1 << 34) | 978307200: one nanosecond after the reference date.
        add("timestamp64", envelope([0xd7, 0xff, 0x00, 0x00, 0x00, 0x04, 0x3a, 0x4f, 0xc8, 0x80]), .timestampExt, at: 14,
            .date(XPCDate(nanosecondsSinceReferenceDate: 1)))
        // One second before 1970, with 5 ns.
        add("timestamp96-before-1970",
            envelope([0xc7, 0x0c, 0xff, 0, 0, 0, 0x05, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            .timestampExt, at: 14, .date(XPCDate(nanosecondsSinceReferenceDate: -978_307_201_000_000_000 + 5)))
        add("flags-ignorable-bit", envelope([0xc0], flags: 0x0001), .nonZeroFlags, at: 6, nil)
        add("version-minor-1", envelope([0xc0], minor: 1), .nonZeroMinorVersion, at: 5, nil)
        return fixtures
    }
}
