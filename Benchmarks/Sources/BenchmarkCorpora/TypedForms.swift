import Foundation

// The typed (`Codable`) forms of the corpora. XPCEncoder maps each of them onto exactly the
// `XPCMessage` that the corpus's message benchmarks use, so every contestant sees the same data.

/// The small RPC corpus: one request with ten keys of mixed variants.
public struct RPCRequest: Codable, Equatable, Sendable {
    public var op: String
    public var id: UUID
    public var sent: Date
    public var width: Int
    public var height: Int
    public var quality: UInt64
    public var scale: Double
    public var flags: [String]
    public var verbose: Bool
    public var token: Data
}

/// The ping corpus: the transport's typical small request, four keys.
public struct PingRequest: Codable, Equatable, Sendable {
    public var op: String
    public var id: Int64
    public var flags: UInt64
    public var name: String
}

/// One level of the deep corpus: a dictionary holding the next level under `child`.
public final class NestedLevel: Codable, Equatable, Sendable {
    public let depth: Int
    public let name: String
    public let child: NestedLevel?

    public init(depth: Int, name: String, child: NestedLevel?) {
        self.depth = depth
        self.name = name
        self.child = child
    }

    public static func == (lhs: NestedLevel, rhs: NestedLevel) -> Bool {
        lhs.depth == rhs.depth && lhs.name == rhs.name && lhs.child == rhs.child
    }
}

/// The realistic typed corpus: an order with 20 fields (dates, UUIDs, nested arrays and
/// structs, two optionals present and two absent).
public struct OrderRecord: Codable, Equatable, Sendable {
    public enum Status: String, Codable, CaseIterable, Sendable { case pending, paid, shipped, delivered, cancelled }

    public struct Line: Codable, Equatable, Sendable {
        public var sku: String
        public var title: String
        public var quantity: Int
        public var unitPrice: Double
        public var options: [String]
    }

    public struct Address: Codable, Equatable, Sendable {
        public var name: String
        public var street: String
        public var city: String
        public var postalCode: String
        public var country: String
    }

    public var id: UUID                        // 1
    public var created: Date                   // 2
    public var updated: Date?                  // 3 (present)
    public var customer: String                // 4
    public var email: String                   // 5
    public var status: Status                  // 6
    public var priority: Int                   // 7
    public var itemCount: UInt32               // 8
    public var total: Double                   // 9
    public var discount: Double?               // 10 (absent)
    public var isGift: Bool                    // 11
    public var tags: [String]                  // 12
    public var lines: [Line]                   // 13
    public var dailyQuantities: [[Int]]        // 14
    public var shippingAddress: Address        // 15
    public var billingAddress: Address?        // 16 (absent)
    public var notes: String?                  // 17 (present)
    public var relatedOrders: [UUID]           // 18
    public var checksum: Data                  // 19
    public var attributes: [String: String]    // 20
}
