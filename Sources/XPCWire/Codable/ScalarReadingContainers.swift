// The scalar `decode` overloads of the bridge's decoding containers, written once: each
// container (tree and tape, single-value, keyed, unkeyed) only says how it finds the value and
// which coding path its errors carry (`readScalar`); the conversions are ScalarDecoding's (SPEC §9.1).

/// A single-value container that reads scalars through ``readScalar(_:_:)``.
protocol ScalarReadingSingleValueContainer: SingleValueDecodingContainer {
    /// Reads this container's value with `body`, turning its failure into a `DecodingError`.
    func readScalar<T>(_ type: T.Type, _ body: (XPCMessage) throws(ScalarFailure) -> T) throws -> T
}

extension ScalarReadingSingleValueContainer {
    func decode(_ type: Bool.Type) throws -> Bool { try readScalar(type, ScalarDecoding.bool) }
    func decode(_ type: String.Type) throws -> String { try readScalar(type, ScalarDecoding.string) }
    func decode(_ type: Double.Type) throws -> Double { try readScalar(type, ScalarDecoding.double) }
    func decode(_ type: Float.Type) throws -> Float { try readScalar(type, ScalarDecoding.float) }
    func decode(_ type: Int.Type) throws -> Int { try readInteger(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try readInteger(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try readInteger(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try readInteger(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try readInteger(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try readInteger(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try readInteger(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try readInteger(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try readInteger(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try readInteger(type) }

    private func readInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        try readScalar(type) { message throws(ScalarFailure) in try ScalarDecoding.integer(message, as: type) }
    }
}

/// A keyed container that reads scalars through ``readScalar(_:forKey:_:)``.
protocol ScalarReadingKeyedContainer: KeyedDecodingContainerProtocol {
    /// Reads the value at `key` with `body`, turning its failure into a `DecodingError`.
    func readScalar<T>(_ type: T.Type, forKey key: Key, _ body: (XPCMessage) throws(ScalarFailure) -> T) throws -> T
}

extension ScalarReadingKeyedContainer {
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try readScalar(type, forKey: key, ScalarDecoding.bool) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try readScalar(type, forKey: key, ScalarDecoding.string) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try readScalar(type, forKey: key, ScalarDecoding.double) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try readScalar(type, forKey: key, ScalarDecoding.float) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try readInteger(type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try readInteger(type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try readInteger(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try readInteger(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try readInteger(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try readInteger(type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try readInteger(type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try readInteger(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try readInteger(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try readInteger(type, key) }

    private func readInteger<T: FixedWidthInteger>(_ type: T.Type, _ key: Key) throws -> T {
        try readScalar(type, forKey: key) { message throws(ScalarFailure) in try ScalarDecoding.integer(message, as: type) }
    }
}

/// An unkeyed container that reads scalars through ``readScalar(_:_:)``, which advances past the
/// element only when it succeeds.
protocol ScalarReadingUnkeyedContainer: UnkeyedDecodingContainer {
    /// Reads the next element with `body`, turning its failure into a `DecodingError`.
    mutating func readScalar<T>(_ type: T.Type, _ body: (XPCMessage) throws(ScalarFailure) -> T) throws -> T
}

extension ScalarReadingUnkeyedContainer {
    mutating func decode(_ type: Bool.Type) throws -> Bool { try readScalar(type, ScalarDecoding.bool) }
    mutating func decode(_ type: String.Type) throws -> String { try readScalar(type, ScalarDecoding.string) }
    mutating func decode(_ type: Double.Type) throws -> Double { try readScalar(type, ScalarDecoding.double) }
    mutating func decode(_ type: Float.Type) throws -> Float { try readScalar(type, ScalarDecoding.float) }
    mutating func decode(_ type: Int.Type) throws -> Int { try readInteger(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try readInteger(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try readInteger(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try readInteger(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try readInteger(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try readInteger(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try readInteger(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try readInteger(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try readInteger(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try readInteger(type) }

    private mutating func readInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        try readScalar(type) { message throws(ScalarFailure) in try ScalarDecoding.integer(message, as: type) }
    }
}
