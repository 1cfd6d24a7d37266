extension XPCMessage: Hashable {
    /// Wire equality: doubles by bit pattern, strings by UTF-8 bytes, containers element-wise.
    @inlinable
    public static func == (lhs: XPCMessage, rhs: XPCMessage) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int64(let a), .int64(let b)): return a == b
        case (.uint64(let a), .uint64(let b)): return a == b
        case (.double(let a), .double(let b)): return a.bitPattern == b.bitPattern
        case (.string(let a), .string(let b)): return UTF8Order.equal(a, b)
        case (.data(let a), .data(let b)): return a == b
        case (.fd(let a), .fd(let b)): return a == b
        case (.uuid(let a), .uuid(let b)): return a == b
        case (.date(let a), .date(let b)): return a == b
        case (.endpoint(let a), .endpoint(let b)): return a == b
        // Containers compare without recursion, at any depth.
        case (.array(let a), .array(let b)): return a == b
        case (.dictionary(let a), .dictionary(let b)): return a == b
        default: return false
        }
    }

    /// Hashes consistently with `==`; containers without recursion, at any depth.
    @inlinable
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .array, .dictionary: XPCMessage.deepHash(self, into: &hasher)
        default: hashScalar(into: &hasher)
        }
    }

    /// Hashes the kind and payload of a scalar; a container contributes only its kind.
    @inlinable
    func hashScalar(into hasher: inout Hasher) {
        hasher.combine(kind)
        switch self {
        case .null: break
        case .bool(let value): hasher.combine(value)
        case .int64(let value): hasher.combine(value)
        case .uint64(let value): hasher.combine(value)
        case .double(let value): hasher.combine(value.bitPattern)
        case .string(let value):
            hasher.combine(value.utf8.count)
            for byte in value.utf8 { hasher.combine(byte) }
        case .data(let value): hasher.combine(value)
        case .fd(let slot): hasher.combine(slot)
        case .uuid(let value): hasher.combine(value)
        case .date(let value): hasher.combine(value)
        case .endpoint(let slot): hasher.combine(slot)
        case .array, .dictionary: break
        }
    }
}

// MARK: - Literals

extension XPCMessage: ExpressibleByNilLiteral {
    /// `nil` is ``null``.
    @inlinable
    public init(nilLiteral: ()) { self = .null }
}

extension XPCMessage: ExpressibleByBooleanLiteral {
    /// A Boolean literal is a ``bool(_:)``.
    @inlinable
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension XPCMessage: ExpressibleByIntegerLiteral {
    /// An integer literal is an ``int64(_:)``; write `.uint64(…)` for the unsigned variant.
    @inlinable
    public init(integerLiteral value: Int64) { self = .int64(value) }
}

extension XPCMessage: ExpressibleByFloatLiteral {
    /// A floating-point literal is a ``double(_:)``.
    @inlinable
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension XPCMessage: ExpressibleByStringLiteral {
    /// A string literal is a ``string(_:)``.
    @inlinable
    public init(stringLiteral value: String) { self = .string(value) }
}

extension XPCMessage: ExpressibleByArrayLiteral {
    /// An array literal is an ``array(_:)``.
    @inlinable
    public init(arrayLiteral elements: XPCMessage...) { self = .array(XPCArray(elements)) }
}

extension XPCMessage: ExpressibleByDictionaryLiteral {
    /// A dictionary literal is a ``dictionary(_:)``; see ``XPCDictionary`` for repeated keys.
    public init(dictionaryLiteral elements: (String, XPCMessage)...) {
        var dictionary = XPCDictionary()
        for (key, value) in elements { dictionary[key] = value }
        self = .dictionary(dictionary)
    }
}
