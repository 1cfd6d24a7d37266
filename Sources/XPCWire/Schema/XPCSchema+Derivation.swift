/// Deriving a schema from a `Decodable` type (SPEC §9.4.4).
extension XPCSchema {
    /// Derives the schema of the messages ``XPCDecoder`` decodes into `type`.
    ///
    /// The type's `init(from:)` runs once against a probing decoder that records which containers,
    /// keys and types it asks for, handing it placeholder values, and maps them as SPEC §9.1 does:
    ///
    /// ```swift
    /// struct Request: Decodable {
    ///     var id: UUID
    ///     var sent: Date
    ///     var tags: [String]
    ///     var note: String?     // decodeIfPresent: may be absent or null
    ///     var quality: UInt8
    /// }
    ///
    /// let schema = try XPCSchema(for: Request.self)
    /// // .dictionary([
    /// //     .required("id", .uuid), .required("sent", .date), .required("tags", .array(.string())),
    /// //     .optional("note", .optional(.string())),
    /// //     .required("quality", .integer(UInt8.self)),   // uint64 0...255, or int64 0...255
    /// // ])
    /// schema.validate(message)   // the violations XPCDecoder would trip over, with their paths
    /// ```
    ///
    /// - Native types: `Bool` → bool, `String` and `URL` → string, `Double` and `Float` → double,
    ///   `Data` → data, `UUID` → uuid, `Date` → date, `FileDescriptor` → fd, `XPCEndpointHandle` →
    ///   endpoint, `XPCMessage` → any; integer types → ``integer(_:)``, which accepts int64 and
    ///   uint64 within the type's range, as the decoder does.
    /// - Keyed containers → dictionaries. A key read with `decode` is required; one read with
    ///   `decodeIfPresent` (or after `contains`) is optional; a key whose value is tested with
    ///   `decodeNil` also accepts null. Keys the type never reads follow
    ///   ``DerivationOptions/unknownKeyPolicy``; keys read through `allKeys` (`[String: T]`,
    ///   `[Int: T]`) become ``ExtraKeys/matching(_:)`` with the value's schema.
    /// - Unkeyed containers → arrays of the schema of the elements read (a `oneOf` when they
    ///   differ, as for dictionaries with other key types, which alternate keys and values).
    /// - `Optional<T>` outside a keyed container → ``optional(_:)``.
    /// - A `RawRepresentable & CaseIterable` type whose `init(from:)` rejects the placeholder is
    ///   taken to be its raw value; a type conforming to ``XPCSchemaProviding`` gives its own schema.
    ///
    /// The probe sees one path through `init(from:)`: branches on decoded values take the
    /// placeholder's branch (`false`, `1`, `1.0`, `"x"`, empty data, the zero UUID, the reference
    /// date, `file:///`, descriptor −1, `null`), `contains` answers `true`, `decodeNil` answers
    /// `false`, and arrays hold two elements. What the schema cannot say — a `Float`'s range, a
    /// parsable URL, a raw value among the cases, the integer form of `[Int: T]` keys, fallbacks an
    /// initializer takes after `try?` — makes it accept more than the decoder.
    ///
    /// - Throws: ``XPCSchemaDerivationError`` naming the type and the path: a recursive type, a
    ///   type that switches over `allKeys` of fixed keys (synthesized `Codable` enums), an
    ///   `init(from:)` that throws on the placeholders, or two incompatible shapes at one place.
    ///   Derivation never traps or loops on its own; an `init(from:)` that traps on the
    ///   placeholder values traps here too.
    public init<T: Decodable>(for type: T.Type, options: DerivationOptions = DerivationOptions()) throws(XPCSchemaDerivationError) {
        self = try SchemaProbe(options: options).derive(type)
    }

    /// How ``init(for:options:)`` derives a schema.
    ///
    /// ```swift
    /// var options = XPCSchema.DerivationOptions()
    /// options.unknownKeyPolicy = .reject   // as for XPCDecoder(options:) that rejects unknown keys
    /// let strict = try XPCSchema(for: Request.self, options: options)
    /// ```
    public struct DerivationOptions: Hashable, Sendable {
        /// What dictionaries derived from keyed containers say about keys the type never reads:
        /// ``XPCDecoder/UnknownKeyPolicy/ignore`` (the default, as ``XPCDecoder``'s) gives
        /// ``ExtraKeys/allow``, ``XPCDecoder/UnknownKeyPolicy/reject`` gives ``ExtraKeys/reject``.
        /// Use the policy of the decoder the schema stands for:
        ///
        /// ```swift
        /// let decoder = XPCDecoder(options: decoderOptions)
        /// let schema = try XPCSchema(for: Request.self, options: .init(unknownKeyPolicy: decoder.options.unknownKeyPolicy))
        /// ```
        public var unknownKeyPolicy: XPCDecoder.UnknownKeyPolicy

        /// Creates options; by default unknown keys are allowed, as ``XPCDecoder`` ignores them.
        ///
        /// ```swift
        /// let options = XPCSchema.DerivationOptions(unknownKeyPolicy: .reject)
        /// ```
        public init(unknownKeyPolicy: XPCDecoder.UnknownKeyPolicy = .ignore) {
            self.unknownKeyPolicy = unknownKeyPolicy
        }
    }

    /// The values ``XPCDecoder`` accepts for the integer type `type` (SPEC §9.1.1): an int64 or
    /// a uint64 that the type holds exactly, as a `oneOf` whose first alternative is the variant
    /// the encoder writes.
    ///
    /// ```swift
    /// XPCSchema.integer(Int8.self)   // .oneOf([.int64(range: -128...127), .uint64(range: 0...127)])
    /// XPCSchema.integer(UInt64.self) // .oneOf([.uint64(), .int64(range: 0...9223372036854775807)])
    /// ```
    ///
    /// A range that covers the whole variant is left out (`nil`).
    public static func integer<I: FixedWidthInteger>(_ type: I.Type) -> XPCSchema {
        let signedRange = Int64(clamping: I.min)...Int64(clamping: I.max)
        let signed: XPCSchema = .int64(range: signedRange == Int64.min...Int64.max ? nil : signedRange)
        let unsignedRange = UInt64(0)...UInt64(clamping: I.max)
        let unsigned: XPCSchema = .uint64(range: unsignedRange == UInt64.min...UInt64.max ? nil : unsignedRange)
        return I.isSigned ? .oneOf([signed, unsigned]) : .oneOf([unsigned, signed])
    }
}

/// A `Decodable` type that states its own schema, for ``XPCSchema/init(for:options:)``.
///
/// Derivation uses ``xpcSchema`` wherever the type is decoded instead of probing its
/// `init(from:)`, and hands ``xpcSchemaPlaceholder`` to the initializer of the type that contains
/// it. Conform the types derivation cannot handle — enums with associated values, recursive
/// types (with a schema of bounded depth), initializers that validate — or whose schema should
/// be tighter than the probe can see:
///
/// ```swift
/// enum Shape: Codable, XPCSchemaProviding {
///     case circle(radius: Double)
///     case square(side: Double)
///
///     static var xpcSchema: XPCSchema {
///         .oneOf([
///             .dictionary([.required("circle", .dictionary([.required("radius", .double)]))], extraKeys: .reject),
///             .dictionary([.required("square", .dictionary([.required("side", .double)]))], extraKeys: .reject),
///         ])
///     }
///     static var xpcSchemaPlaceholder: Shape { .circle(radius: 1) }
/// }
/// ```
public protocol XPCSchemaProviding: Decodable {
    /// The schema of the messages that decode into this type.
    ///
    /// ```swift
    /// static var xpcSchema: XPCSchema { .string(maximumLength: 64) }
    /// ```
    static var xpcSchema: XPCSchema { get }

    /// Any value of this type: derivation gives it to the `init(from:)` of the types that contain
    /// this one, which need a value to go on with. Its contents do not matter.
    ///
    /// ```swift
    /// static var xpcSchemaPlaceholder: Shape { .circle(radius: 1) }
    /// ```
    static var xpcSchemaPlaceholder: Self { get }
}
