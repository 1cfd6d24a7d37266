import Foundation
import XPCWire

/// The benchmark inputs, generated deterministically (fixed seed, no clock, no randomness from
/// the system), so every run and every machine measures the same bytes:
///
/// | name | what |
/// | --- | --- |
/// | `rpc` | a small RPC request: a dictionary of 10 keys (string, uuid, date, int64 ×2, uint64, double, array of 3 strings, bool, 16-byte data) |
/// | `ping` | the transport's small request: a dictionary of 4 keys (2 short strings, int64, uint64) |
/// | `blob` | one `data` value of 1 MiB (1,048,576 pseudo-random bytes) |
/// | `ints` | an array of 10,000 int64 values of every canonical width (fixint to int 64, both signs) |
/// | `deep` | 30 nested dictionaries, each `{depth, name, child}`; the innermost has no child |
/// | `dict` | a dictionary of 1,000 string keys (`key-0000` … `key-0999`) to strings of 8–40 bytes, every 10th one non-ASCII |
/// | `typed` | `OrderRecord`, a 20-field `Codable` struct: 2 dates, UUIDs, nested arrays and structs, 4 optionals (2 nil), a string dictionary |
///
/// Each corpus exists in a typed form (for the `Codable` contestants) and as the `XPCMessage`
/// that `XPCEncoder` makes of it (for the message and msgpack-c contestants); both give the same
/// envelope bytes.
public enum Corpora {
    /// A fixed instant: 2026-11-25 12:34:56.789 UTC, far enough from 2001 that a `Date` survives
    /// the nanosecond round trip exactly (SPEC §9.1.1).
    static let baseSeconds: Double = 817_389_296.789

    public static func makeRPC() -> RPCRequest {
        var random = SplitMix64(seed: 0x5250_4331)
        return RPCRequest(
            op: "resize",
            id: random.nextUUID(),
            sent: Date(timeIntervalSinceReferenceDate: baseSeconds),
            width: 640,
            height: 480,
            quality: 90,
            scale: 2.0,
            flags: ["fast", "lossy", "progressive"],
            verbose: true,
            token: Data(random.nextBytes(16)))
    }

    /// The shape of the transport benchmarks' small request (`Exchange.small`).
    public static func makePing() -> PingRequest {
        PingRequest(op: "ping", id: 42, flags: 3, name: "transport")
    }

    public static func makeBlob() -> Data {
        var random = SplitMix64(seed: 0x424c_4f42)
        return Data(random.nextBytes(1 << 20))
    }

    public static func makeInts() -> [Int] {
        var random = SplitMix64(seed: 0x494e_5453)
        return (0..<10_000).map { _ in
            // A random width from 0 to 63 bits and a random sign: every int64 form appears.
            let bits = random.next() % 64
            let shifted: UInt64 = random.next() >> (63 - bits)
            let magnitude = Int(truncatingIfNeeded: shifted >> 1)
            return random.next() & 1 == 0 ? magnitude : -magnitude - 1
        }
    }

    public static func makeDeep() -> NestedLevel {
        var level: NestedLevel? = nil
        for depth in stride(from: 29, through: 0, by: -1) {
            level = NestedLevel(depth: depth, name: "level \(depth)", child: level)
        }
        return level ?? NestedLevel(depth: 0, name: "level 0", child: nil)
    }

    public static func makeDict() -> [String: String] {
        var random = SplitMix64(seed: 0x4449_4354)
        var dictionary: [String: String] = [:]
        for index in 0..<1_000 {
            let digits = String(index)
            let key = "key-" + String(repeating: "0", count: 4 - digits.count) + digits
            var value = random.nextWord(length: 8 + Int(random.next() % 33))
            if index % 10 == 0 { value += " café ✓" }
            dictionary[key] = value
        }
        return dictionary
    }

    public static func makeTyped() -> OrderRecord {
        var random = SplitMix64(seed: 0x5459_5045)
        var lines: [OrderRecord.Line] = []
        for index in 0..<6 {
            let sku: String = "SKU-" + String(10_000 + index * 37)
            let cents: Int = 199 + index * 250
            let options: [String] = index % 2 == 0 ? ["gift-wrap", "express"] : []
            lines.append(OrderRecord.Line(
                sku: sku, title: random.nextWord(length: 12 + index), quantity: 1 + index,
                unitPrice: Double(cents) / 100.0, options: options))
        }
        let address = OrderRecord.Address(
            name: "Ada Lovelace", street: "12 Analytical Engine Way", city: "London",
            postalCode: "NW1 2DB", country: "GB")
        return OrderRecord(
            id: random.nextUUID(),
            created: Date(timeIntervalSinceReferenceDate: baseSeconds),
            updated: Date(timeIntervalSinceReferenceDate: baseSeconds + 3_600.25),
            customer: "Ada Lovelace",
            email: "ada@example.org",
            status: .shipped,
            priority: 3,
            itemCount: 21,
            total: 1_234.56,
            discount: nil,
            isGift: true,
            tags: ["priority", "b2b", "eu", "fragile"],
            lines: lines,
            dailyQuantities: (0..<4).map { (week: Int) -> [Int] in Array((week * 7)..<(week * 7 + 7)) },
            shippingAddress: address,
            billingAddress: nil,
            notes: "Leave at the front desk — ask for Zoë.",
            relatedOrders: (0..<3).map { _ in random.nextUUID() },
            checksum: Data(random.nextBytes(32)),
            attributes: ["channel": "web", "campaign": "winter-2026", "locale": "en_GB", "device": "tablet"])
    }
}

/// SplitMix64: a tiny, well-known PRNG, fixed here so the corpora never change.
public struct SplitMix64 {
    var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    public mutating func nextBytes(_ count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count {
            withUnsafeBytes(of: next()) { bytes.append(contentsOf: $0.prefix(count - bytes.count)) }
        }
        return bytes
    }

    public mutating func nextUUID() -> UUID {
        let b = nextBytes(16)
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                           b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }

    /// Lower-case ASCII letters and spaces.
    public mutating func nextWord(length: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz".utf8)
        return String(decoding: (0..<length).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }, as: UTF8.self)
    }
}
