// The scalar `decode` overloads of the bridge's decoding containers, written once: each
// container (tree and tape, single-value, keyed, unkeyed) only says how it finds the value and
// which coding path its errors carry (`readScalar`); the conversions are ScalarDecoding's (SPEC §9.1).
//
// Every overload is inlined into the container's own witness: a generic container (keyed by
// `Key`) then calls its `readScalar` directly instead of looking up this protocol's witness table
// for every value, and integers get `ScalarDecoding.integer` as a function of their concrete
// type, so the conversion is specialized rather than run through `FixedWidthInteger`'s witnesses.

/// A single-value container that reads scalars through ``readScalar(_:_:)``.
protocol ScalarReadingSingleValueContainer: SingleValueDecodingContainer {
    /// Reads this container's value with `body`, turning its failure into a `DecodingError`.
    func readScalar<T>(_ type: T.Type, _ body: (XPCMessage) throws(ScalarFailure) -> T) throws -> T
}

extension ScalarReadingSingleValueContainer {
    @inline(__always) func decode(_ type: Bool.Type) throws -> Bool { try readScalar(type, ScalarDecoding.bool) }
    @inline(__always) func decode(_ type: String.Type) throws -> String { try readScalar(type, ScalarDecoding.string) }
    @inline(__always) func decode(_ type: Double.Type) throws -> Double { try readScalar(type, ScalarDecoding.double) }
    @inline(__always) func decode(_ type: Float.Type) throws -> Float { try readScalar(type, ScalarDecoding.float) }
    @inline(__always) func decode(_ type: Int.Type) throws -> Int { try readScalar(type, ScalarDecoding.integer) }
    @inline(__always) func decode(_ type: Int8.Type) throws -> Int8 { try readScalar(type, ScalarDecoding.integer) }
    @inline(__always) func decode(_ type: Int16.Type) throws -> Int16 { try readScalar(type, ScalarDecoding.integer) }
    @inline(__always) func decode(_ type: Int32.Type) throws -> Int32 { try readScalar(type, ScalarDecoding.integer) }
    @inline(__always) func decode(_ type: Int64.Type) throws -> Int64 { try readScalar(type, ScalarDecoding.integer) }
    @inline(__always) func decode(_ type: UInt.Type) throws -> UInt { try readScalar(type, ScalarDecoding.integer) }
    @inline(__always) func decode(_ type: UInt8.Type) throws -> UInt8 { try readScalar(type, ScalarDecoding.integer) }
    @inline(__always) func decode(_ type: UInt16.Type) throws -> UInt16 { try readScalar(type, ScalarDecoding.integer) }
    @inline(__always) func decode(_ type: UInt32.Type) throws -> UInt32 { try readScalar(type, ScalarDecoding.integer) }
    @inline(__always) func decode(_ type: UInt64.Type) throws -> UInt64 { try readScalar(type, ScalarDecoding.integer) }
}

/// A keyed container that reads scalars through ``readScalar(_:forKey:_:)``.
protocol ScalarReadingKeyedContainer: KeyedDecodingContainerProtocol {
    /// Reads the value at `key` with `body`, turning its failure into a `DecodingError`.
    func readScalar<T>(_ type: T.Type, forKey key: Key, _ body: (XPCMessage) throws(ScalarFailure) -> T) throws -> T
}

extension ScalarReadingKeyedContainer {
    @inline(__always) func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try readScalar(type, forKey: key, ScalarDecoding.bool) }
    @inline(__always) func decode(_ type: String.Type, forKey key: Key) throws -> String { try readScalar(type, forKey: key, ScalarDecoding.string) }
    @inline(__always) func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try readScalar(type, forKey: key, ScalarDecoding.double) }
    @inline(__always) func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try readScalar(type, forKey: key, ScalarDecoding.float) }
    @inline(__always) func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try readScalar(type, forKey: key, ScalarDecoding.integer) }
    @inline(__always) func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try readScalar(type, forKey: key, ScalarDecoding.integer) }
    @inline(__always) func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try readScalar(type, forKey: key, ScalarDecoding.integer) }
    @inline(__always) func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try readScalar(type, forKey: key, ScalarDecoding.integer) }
    @inline(__always) func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try readScalar(type, forKey: key, ScalarDecoding.integer) }
    @inline(__always) func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try readScalar(type, forKey: key, ScalarDecoding.integer) }
    @inline(__always) func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try readScalar(type, forKey: key, ScalarDecoding.integer) }
    @inline(__always) func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try readScalar(type, forKey: key, ScalarDecoding.integer) }
    @inline(__always) func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try readScalar(type, forKey: key, ScalarDecoding.integer) }
    @inline(__always) func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try readScalar(type, forKey: key, ScalarDecoding.integer) }
}

/// An unkeyed container that reads scalars through ``readScalar(_:_:)``, which advances past the
/// element only when it succeeds.
protocol ScalarReadingUnkeyedContainer: UnkeyedDecodingContainer {
    /// Reads the next element with `body`, turning its failure into a `DecodingError`.
    mutating func readScalar<T>(_ type: T.Type, _ body: (XPCMessage) throws(ScalarFailure) -> T) throws -> T
}

extension ScalarReadingUnkeyedContainer {
    @inline(__always) mutating func decode(_ type: Bool.Type) throws -> Bool { try readScalar(type, ScalarDecoding.bool) }
    @inline(__always) mutating func decode(_ type: String.Type) throws -> String { try readScalar(type, ScalarDecoding.string) }
    @inline(__always) mutating func decode(_ type: Double.Type) throws -> Double { try readScalar(type, ScalarDecoding.double) }
    @inline(__always) mutating func decode(_ type: Float.Type) throws -> Float { try readScalar(type, ScalarDecoding.float) }
    @inline(__always) mutating func decode(_ type: Int.Type) throws -> Int { try readScalar(type, ScalarDecoding.integer) }
    @inline(__always) mutating func decode(_ type: Int8.Type) throws -> Int8 { try readScalar(type, ScalarDecoding.integer) }
    @inline(__always) mutating func decode(_ type: Int16.Type) throws -> Int16 { try readScalar(type, ScalarDecoding.integer) }
    @inline(__always) mutating func decode(_ type: Int32.Type) throws -> Int32 { try readScalar(type, ScalarDecoding.integer) }
    @inline(__always) mutating func decode(_ type: Int64.Type) throws -> Int64 { try readScalar(type, ScalarDecoding.integer) }
    @inline(__always) mutating func decode(_ type: UInt.Type) throws -> UInt { try readScalar(type, ScalarDecoding.integer) }
    @inline(__always) mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try readScalar(type, ScalarDecoding.integer) }
    @inline(__always) mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try readScalar(type, ScalarDecoding.integer) }
    @inline(__always) mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try readScalar(type, ScalarDecoding.integer) }
    @inline(__always) mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try readScalar(type, ScalarDecoding.integer) }
}
