/// The shape a message must have: which variants it may hold, with ranges, lengths and fields
/// (SPEC §9.4).
///
/// A schema is a plain value. Build it in Swift, or read it from its JSON form
/// (``init(jsonDescription:)``), then check received messages with ``validate(_:)``, which lists
/// every violation with its path:
///
/// ```swift
/// let request: XPCSchema = .dictionary([
///     .required("name", .string(maximumLength: 64)),
///     .required("items", .array(.dictionary([.required("count", .int64(range: 0...100))]))),
///     .optional("note", .string()),
/// ], extraKeys: .reject)
///
/// for violation in request.validate(message) {
///     print(violation)  // items[3].count: expected int64, found string
/// }
/// ```
///
/// Variants are matched exactly as SPEC §2 defines them: `int64` and `uint64` are different
/// variants, and a schema that accepts both says so with ``oneOf(_:)``.
public indirect enum XPCSchema: Hashable, Sendable {
    /// Any value of any variant, including null, with no further check.
    case any
    /// The null value.
    case null
    /// A Boolean.
    case bool
    /// A signed 64-bit integer, within `range` when one is given.
    case int64(range: ClosedRange<Int64>? = nil)
    /// An unsigned 64-bit integer, within `range` when one is given.
    case uint64(range: ClosedRange<UInt64>? = nil)
    /// A double, any bit pattern.
    case double
    /// A string of at most `maximumLength` UTF-8 bytes when a maximum is given.
    case string(maximumLength: Int? = nil)
    /// Data of at most `maximumLength` bytes when a maximum is given.
    case data(maximumLength: Int? = nil)
    /// A UUID.
    case uuid
    /// A date.
    case date
    /// A file descriptor (a slot reference, SPEC §2.6).
    case fd
    /// An endpoint (a slot reference, SPEC §2.6).
    case endpoint
    /// An array whose every element matches `element`, with at most `maximumCount` elements when
    /// a maximum is given.
    case array(XPCSchema, maximumCount: Int? = nil)
    /// A dictionary with named fields and a rule for the keys it does not name.
    case dictionary(Fields)
    /// Null, or a value matching the wrapped schema.
    case optional(XPCSchema)
    /// A value matching at least one of the alternatives; an empty list matches nothing.
    case oneOf([XPCSchema])
}

extension XPCSchema {
    /// A dictionary schema with these fields and extra-key rule.
    ///
    /// ```swift
    /// let point: XPCSchema = .dictionary([.required("x", .double), .required("y", .double)])
    /// ```
    ///
    /// Fields are matched by the UTF-8 bytes of their names (SPEC §2.4); when two fields have the
    /// same name, the last one wins.
    public static func dictionary(_ fields: [Field], extraKeys: ExtraKeys = .allow) -> XPCSchema {
        .dictionary(Fields(fields, extraKeys: extraKeys))
    }

    /// One named entry of a dictionary schema.
    ///
    /// ```swift
    /// let name = XPCSchema.Field.required("name", .string(maximumLength: 64))
    /// ```
    public struct Field: Hashable, Sendable {
        /// The dictionary key, compared by UTF-8 bytes.
        public var name: String
        /// Whether a dictionary must hold the key.
        public var isRequired: Bool
        /// The schema the key's value must match.
        public var schema: XPCSchema

        /// Creates a field.
        public init(name: String, isRequired: Bool, schema: XPCSchema) {
            self.name = name
            self.isRequired = isRequired
            self.schema = schema
        }

        /// A field the dictionary must hold.
        public static func required(_ name: String, _ schema: XPCSchema) -> Field {
            Field(name: name, isRequired: true, schema: schema)
        }

        /// A field the dictionary may leave out; when present, its value must match `schema`.
        ///
        /// A field that may be present with a null value is `.optional(name, .optional(schema))`.
        public static func optional(_ name: String, _ schema: XPCSchema) -> Field {
            Field(name: name, isRequired: false, schema: schema)
        }

        /// Fields are equal when their names have identical bytes and the rest is equal.
        public static func == (lhs: Field, rhs: Field) -> Bool {
            UTF8Order.equal(lhs.name, rhs.name) && lhs.isRequired == rhs.isRequired && lhs.schema == rhs.schema
        }

        /// Hashes the name's bytes and the rest.
        public func hash(into hasher: inout Hasher) {
            hasher.combine(name.utf8.count)
            for byte in name.utf8 { hasher.combine(byte) }
            hasher.combine(isRequired)
            hasher.combine(schema)
        }
    }

    /// What a dictionary schema says about keys that none of its fields names.
    public enum ExtraKeys: Hashable, Sendable {
        /// Extra keys are allowed, with any value.
        case allow
        /// Every extra key is a violation.
        case reject
        /// Extra keys are allowed when their value matches the schema.
        case matching(XPCSchema)
    }

    /// The fields of a dictionary schema, kept sorted by the UTF-8 bytes of their names, and its
    /// rule for extra keys.
    ///
    /// ```swift
    /// let fields = XPCSchema.Fields([.required("b", .bool), .optional("a", .null)], extraKeys: .reject)
    /// fields.fields.map(\.name)  // ["a", "b"]
    /// ```
    public struct Fields: Hashable, Sendable {
        /// The fields, sorted by the UTF-8 bytes of their names, names unique by bytes.
        public private(set) var fields: [Field]
        /// The rule for keys no field names.
        public var extraKeys: ExtraKeys

        /// Creates the fields of a dictionary schema; of fields with byte-equal names the last wins.
        public init(_ fields: [Field] = [], extraKeys: ExtraKeys = .allow) {
            var sorted: [Field] = []
            sorted.reserveCapacity(fields.count)
            for field in fields {
                switch Self.search(sorted, for: field.name) {
                case .found(let index): sorted[index] = field
                case .insertionPoint(let index): sorted.insert(field, at: index)
                }
            }
            self.fields = sorted
            self.extraKeys = extraKeys
        }

        /// The field named `name` (by bytes), if there is one.
        public subscript(name: String) -> Field? {
            guard case .found(let index) = Self.search(fields, for: name) else { return nil }
            return fields[index]
        }

        private enum SearchResult {
            case found(Int)
            case insertionPoint(Int)
        }

        /// Binary search by name bytes.
        private static func search(_ fields: [Field], for name: String) -> SearchResult {
            var low = 0
            var high = fields.count
            while low < high {
                let middle = low + (high - low) / 2
                let order = UTF8Order.compare(fields[middle].name, name)
                if order == 0 { return .found(middle) }
                if order < 0 { low = middle + 1 } else { high = middle }
            }
            return .insertionPoint(low)
        }
    }
}

extension XPCSchema {
    /// A set of message variants, as a schema accepts them or a violation expects them.
    ///
    /// Its description lists the variants in SPEC §2.1 order: `null or string`,
    /// `int64, uint64 or double`.
    public struct Kinds: OptionSet, Hashable, Sendable, CustomStringConvertible {
        /// One bit per ``XPCMessage/Kind``, in `allCases` order.
        public var rawValue: UInt16

        /// Creates a set from its bits.
        public init(rawValue: UInt16) {
            self.rawValue = rawValue
        }

        /// The set holding only `kind`.
        public init(_ kind: XPCMessage.Kind) {
            self.rawValue = 1 << Self.bitIndex(of: kind)
        }

        /// Every variant.
        public static let all = Kinds(rawValue: (1 << 13) - 1)

        /// Whether the set holds `kind`.
        public func contains(_ kind: XPCMessage.Kind) -> Bool {
            rawValue & (1 << Self.bitIndex(of: kind)) != 0
        }

        /// The variants in the set, in SPEC §2.1 order.
        public var kinds: [XPCMessage.Kind] {
            XPCMessage.Kind.allCases.filter { contains($0) }
        }

        /// For example `null or string`; `nothing` for the empty set.
        public var description: String {
            let names = kinds.map(\.rawValue)
            switch names.count {
            case 0: return "nothing"
            case 1: return names[0]
            default: return names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1]
            }
        }

        private static func bitIndex(of kind: XPCMessage.Kind) -> UInt16 {
            switch kind {
            case .null: 0
            case .bool: 1
            case .int64: 2
            case .uint64: 3
            case .double: 4
            case .string: 5
            case .data: 6
            case .fd: 7
            case .uuid: 8
            case .date: 9
            case .endpoint: 10
            case .array: 11
            case .dictionary: 12
            }
        }
    }

    /// The variants a message may have to match this schema (before ranges, lengths and fields
    /// are checked).
    public var acceptedKinds: Kinds {
        switch self {
        case .any: .all
        case .null: Kinds(.null)
        case .bool: Kinds(.bool)
        case .int64: Kinds(.int64)
        case .uint64: Kinds(.uint64)
        case .double: Kinds(.double)
        case .string: Kinds(.string)
        case .data: Kinds(.data)
        case .uuid: Kinds(.uuid)
        case .date: Kinds(.date)
        case .fd: Kinds(.fd)
        case .endpoint: Kinds(.endpoint)
        case .array: Kinds(.array)
        case .dictionary: Kinds(.dictionary)
        case .optional(let wrapped): wrapped.acceptedKinds.union(Kinds(.null))
        case .oneOf(let alternatives):
            alternatives.reduce(into: Kinds()) { $0.formUnion($1.acceptedKinds) }
        }
    }
}
