/// Why the JSON form of a schema could not be read (SPEC §9.4.1).
///
/// ```swift
/// do {
///     _ = try XPCSchema(jsonDescription: #"{"type": "array", "elements": {"type": "text"}}"#)
/// } catch {
///     print(error)  // invalid schema at /elements/type: unknown type "text"
/// }
/// ```
public enum XPCSchemaJSONError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text is not JSON; `offset` is the byte where parsing failed.
    case malformedJSON(reason: String, offset: Int)
    /// The JSON is well-formed but not a valid schema; `path` is a JSON Pointer (RFC 6901) to the
    /// offending value, such as `/fields/name/schema/maxLength` (`""` for the whole document).
    case invalidSchema(Problem, path: String)

    /// What is wrong with a well-formed schema document.
    public enum Problem: Hashable, Sendable, CustomStringConvertible {
        /// A schema, or a field, should be a JSON object.
        case expectedObject
        /// A member the object must have is absent.
        case missingMember(String)
        /// The object has a member SPEC §9.4.1 does not define for it.
        case unexpectedMember(String)
        /// `"type"` names no schema kind.
        case unknownType(String)
        /// The value has the wrong JSON type or form; the text says what was expected.
        case invalidValue(expected: String)
        /// `"minimum"` is greater than `"maximum"`.
        case emptyRange

        /// The problem in words.
        public var description: String {
            switch self {
            case .expectedObject: "expected an object"
            case .missingMember(let name): "missing member \(String(reflecting: name))"
            case .unexpectedMember(let name): "unexpected member \(String(reflecting: name))"
            case .unknownType(let name): "unknown type \(String(reflecting: name))"
            case .invalidValue(let expected): "expected \(expected)"
            case .emptyRange: "minimum is greater than maximum"
            }
        }
    }

    /// The error in words.
    public var description: String {
        switch self {
        case .malformedJSON(let reason, let offset): "malformed JSON at byte \(offset): \(reason)"
        case .invalidSchema(let problem, let path): "invalid schema at \(path.isEmpty ? "/" : path): \(problem)"
        }
    }
}

extension XPCSchema {
    /// The JSON form of this schema (SPEC §9.4.1), members in the order that section lists them.
    ///
    /// ```swift
    /// print(XPCSchema.string(maximumLength: 64).jsonDescription(pretty: false))
    /// // {"type":"string","maxLength":64}
    /// ```
    ///
    /// - Parameter pretty: two-space indented lines (default), or one compact line.
    public func jsonDescription(pretty: Bool = true) -> String {
        jsonValue.serialized(pretty: pretty)
    }

    /// Reads a schema from its JSON form (SPEC §9.4.1).
    ///
    /// ```swift
    /// let schema = try XPCSchema(jsonDescription: """
    ///     {"type": "dictionary",
    ///      "fields": {"name": {"required": true, "schema": {"type": "string", "maxLength": 64}}},
    ///      "extraKeys": "reject"}
    ///     """)
    /// ```
    ///
    /// - Throws: ``XPCSchemaJSONError``, with a JSON Pointer to the offending value.
    public init(jsonDescription text: String) throws(XPCSchemaJSONError) {
        try self.init(jsonDescriptionUTF8: Array(text.utf8))
    }

    /// Reads a schema from the UTF-8 bytes of its JSON form (SPEC §9.4.1).
    public init(jsonDescriptionUTF8 bytes: [UInt8]) throws(XPCSchemaJSONError) {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: bytes, maximumDepth: SchemaJSONReader.maximumJSONDepth)
        } catch {
            throw .malformedJSON(reason: error.kind.description, offset: error.offset)
        }
        self = try SchemaJSONReader.schema(from: json, path: "")
    }

    /// The JSON form as a value tree.
    var jsonValue: JSONValue {
        func typed(_ name: String, _ members: [JSONMember] = []) -> JSONValue {
            .object([JSONMember(key: "type", value: .string(name))] + members)
        }
        func bounds<Bound: FixedWidthInteger>(_ range: ClosedRange<Bound>?) -> [JSONMember] {
            guard let range else { return [] }
            return [
                JSONMember(key: "minimum", value: .string(String(range.lowerBound))),
                JSONMember(key: "maximum", value: .string(String(range.upperBound))),
            ]
        }
        func limit(_ name: String, _ value: Int?) -> [JSONMember] {
            value.map { [JSONMember(key: name, value: JSONValue(integer: $0))] } ?? []
        }
        switch self {
        case .any: return typed("any")
        case .null: return typed("null")
        case .bool: return typed("bool")
        case .int64(let range): return typed("int64", bounds(range))
        case .uint64(let range): return typed("uint64", bounds(range))
        case .double: return typed("double")
        case .string(let maximumLength): return typed("string", limit("maxLength", maximumLength))
        case .data(let maximumLength): return typed("data", limit("maxLength", maximumLength))
        case .uuid: return typed("uuid")
        case .date: return typed("date")
        case .fd: return typed("fd")
        case .endpoint: return typed("endpoint")
        case .array(let element, let maximumCount):
            return typed("array", [JSONMember(key: "elements", value: element.jsonValue)] + limit("maxCount", maximumCount))
        case .dictionary(let fields):
            let members = fields.fields.map { field in
                JSONMember(key: field.name, value: .object([
                    JSONMember(key: "required", value: .bool(field.isRequired)),
                    JSONMember(key: "schema", value: field.schema.jsonValue),
                ]))
            }
            let extraKeys: JSONValue = switch fields.extraKeys {
            case .allow: .string("allow")
            case .reject: .string("reject")
            case .matching(let schema): schema.jsonValue
            }
            return typed("dictionary", [
                JSONMember(key: "fields", value: .object(members)),
                JSONMember(key: "extraKeys", value: extraKeys),
            ])
        case .optional(let wrapped):
            return typed("optional", [JSONMember(key: "schema", value: wrapped.jsonValue)])
        case .oneOf(let alternatives):
            return typed("oneOf", [JSONMember(key: "alternatives", value: .array(alternatives.map(\.jsonValue)))])
        }
    }
}

/// Reads the JSON form of SPEC §9.4.1, reporting problems with JSON Pointers.
enum SchemaJSONReader {
    /// JSON nesting accepted; each schema level takes at most three JSON levels (a dictionary's
    /// `fields`, the field object, its `schema`), so reading recurses at most this deep.
    static let maximumJSONDepth = 512

    /// The members each type allows besides `"type"`.
    private static let membersByType: [String: [String]] = [
        "any": [], "null": [], "bool": [], "double": [], "uuid": [], "date": [], "fd": [], "endpoint": [],
        "int64": ["minimum", "maximum"], "uint64": ["minimum", "maximum"],
        "string": ["maxLength"], "data": ["maxLength"],
        "array": ["elements", "maxCount"],
        "dictionary": ["fields", "extraKeys"],
        "optional": ["schema"],
        "oneOf": ["alternatives"],
    ]

    /// `path` extended by one JSON Pointer reference token (RFC 6901 §3: `~` → `~0`, `/` → `~1`).
    static func pointer(_ path: String, _ token: String) -> String {
        var escaped = ""
        for character in token.unicodeScalars {
            switch character {
            case "~": escaped += "~0"
            case "/": escaped += "~1"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return path + "/" + escaped
    }

    static func schema(from json: JSONValue, path: String) throws(XPCSchemaJSONError) -> XPCSchema {
        guard let members = json.objectMembers else { throw .invalidSchema(.expectedObject, path: path) }
        guard let typeValue = json["type"] else { throw .invalidSchema(.missingMember("type"), path: path) }
        guard let type = typeValue.stringValue else {
            throw .invalidSchema(.invalidValue(expected: "a string naming a schema type"), path: pointer(path, "type"))
        }
        guard let allowed = membersByType[type] else {
            throw .invalidSchema(.unknownType(type), path: pointer(path, "type"))
        }
        // Names compare by code units, as `json[name]` looks members up: with `String`'s `==`,
        // "extra\u{212A}eys" (with U+212A KELVIN SIGN) would pass as "extraKeys" and be ignored.
        for member in members
        where !(["type"] + allowed).contains(where: { $0.utf8.elementsEqual(member.key.utf8) }) {
            throw .invalidSchema(.unexpectedMember(member.key), path: path)
        }
        switch type {
        case "any": return .any
        case "null": return .null
        case "bool": return .bool
        case "double": return .double
        case "uuid": return .uuid
        case "date": return .date
        case "fd": return .fd
        case "endpoint": return .endpoint
        case "int64": return .int64(range: try range(in: json, path: path, as: Int64.self))
        case "uint64": return .uint64(range: try range(in: json, path: path, as: UInt64.self))
        case "string": return .string(maximumLength: try limit("maxLength", in: json, path: path))
        case "data": return .data(maximumLength: try limit("maxLength", in: json, path: path))
        case "array":
            guard let elements = json["elements"] else { throw .invalidSchema(.missingMember("elements"), path: path) }
            let element = try schema(from: elements, path: pointer(path, "elements"))
            return .array(element, maximumCount: try limit("maxCount", in: json, path: path))
        case "dictionary":
            return .dictionary(try fields(in: json, path: path))
        case "optional":
            guard let wrapped = json["schema"] else { throw .invalidSchema(.missingMember("schema"), path: path) }
            return .optional(try schema(from: wrapped, path: pointer(path, "schema")))
        default: // "oneOf", the last entry of membersByType
            let alternativesPath = pointer(path, "alternatives")
            guard let value = json["alternatives"] else { throw .invalidSchema(.missingMember("alternatives"), path: path) }
            guard let elements = value.arrayValue else {
                throw .invalidSchema(.invalidValue(expected: "an array of schemas"), path: alternativesPath)
            }
            var alternatives: [XPCSchema] = []
            alternatives.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                alternatives.append(try schema(from: element, path: pointer(alternativesPath, String(index))))
            }
            return .oneOf(alternatives)
        }
    }

    /// `"minimum"` and `"maximum"`: decimal strings as in SPEC §8.3 for int64 and uint64.
    private static func range<Bound: FixedWidthInteger>(
        in json: JSONValue, path: String, as _: Bound.Type
    ) throws(XPCSchemaJSONError) -> ClosedRange<Bound>? {
        let minimum = try decimal("minimum", in: json, path: path, as: Bound.self)
        let maximum = try decimal("maximum", in: json, path: path, as: Bound.self)
        if minimum == nil && maximum == nil { return nil }
        let lower = minimum ?? Bound.min
        let upper = maximum ?? Bound.max
        guard lower <= upper else { throw .invalidSchema(.emptyRange, path: path) }
        return lower...upper
    }

    private static func decimal<Bound: FixedWidthInteger>(
        _ name: String, in json: JSONValue, path: String, as _: Bound.Type
    ) throws(XPCSchemaJSONError) -> Bound? {
        guard let value = json[name] else { return nil }
        let expected = Bound.isSigned
            ? "a decimal string of an int64 without leading zeros or \"+\""
            : "a decimal string of a uint64 without leading zeros or sign"
        guard let text = value.stringValue, isCanonicalDecimal(text, signed: Bound.isSigned),
              let number = JSONValue.number(text).integerValue(as: Bound.self)
        else {
            throw .invalidSchema(.invalidValue(expected: expected), path: pointer(path, name))
        }
        return number
    }

    /// `-?(0|[1-9][0-9]*)` without `-0`; the sign only when `signed`.
    private static func isCanonicalDecimal(_ text: String, signed: Bool) -> Bool {
        var digits = Substring(text).utf8[...]
        if signed, digits.first == UInt8(ascii: "-") {
            digits = digits.dropFirst()
            if digits.elementsEqual("0".utf8) { return false }
        }
        guard let first = digits.first else { return false }
        guard first != UInt8(ascii: "0") || digits.count == 1 else { return false }
        return digits.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// `"maxLength"` and `"maxCount"`: JSON integers 0 … 4,294,967,295 (SPEC §2.1's limits).
    private static func limit(_ name: String, in json: JSONValue, path: String) throws(XPCSchemaJSONError) -> Int? {
        guard let value = json[name] else { return nil }
        guard let lexeme = value.numberLexeme, isCanonicalDecimal(lexeme, signed: false),
              let number = value.integerValue(as: UInt32.self)
        else {
            throw .invalidSchema(.invalidValue(expected: "an integer 0 … 4294967295"), path: pointer(path, name))
        }
        return Int(number)
    }

    private static func fields(in json: JSONValue, path: String) throws(XPCSchemaJSONError) -> XPCSchema.Fields {
        let fieldsPath = pointer(path, "fields")
        guard let value = json["fields"] else { throw .invalidSchema(.missingMember("fields"), path: path) }
        guard let members = value.objectMembers else {
            throw .invalidSchema(.invalidValue(expected: "an object of fields"), path: fieldsPath)
        }
        var fields: [XPCSchema.Field] = []
        fields.reserveCapacity(members.count)
        for member in members {
            let fieldPath = pointer(fieldsPath, member.key)
            guard !member.key.utf8.contains(0) else {
                throw .invalidSchema(.invalidValue(expected: "a field name without U+0000"), path: fieldPath)
            }
            guard let fieldMembers = member.value.objectMembers else { throw .invalidSchema(.expectedObject, path: fieldPath) }
            for fieldMember in fieldMembers where fieldMember.key != "required" && fieldMember.key != "schema" {
                throw .invalidSchema(.unexpectedMember(fieldMember.key), path: fieldPath)
            }
            guard let required = member.value["required"] else { throw .invalidSchema(.missingMember("required"), path: fieldPath) }
            guard let isRequired = required.boolValue else {
                throw .invalidSchema(.invalidValue(expected: "true or false"), path: pointer(fieldPath, "required"))
            }
            guard let fieldSchema = member.value["schema"] else { throw .invalidSchema(.missingMember("schema"), path: fieldPath) }
            let schema = try schema(from: fieldSchema, path: pointer(fieldPath, "schema"))
            fields.append(XPCSchema.Field(name: member.key, isRequired: isRequired, schema: schema))
        }
        let extraKeys: XPCSchema.ExtraKeys
        switch json["extraKeys"] {
        case nil, .string("allow")?:
            extraKeys = .allow
        case .string("reject")?:
            extraKeys = .reject
        case .object(let extraMembers)?:
            extraKeys = .matching(try schema(from: .object(extraMembers), path: pointer(path, "extraKeys")))
        default:
            throw .invalidSchema(.invalidValue(expected: "\"allow\", \"reject\" or a schema"), path: pointer(path, "extraKeys"))
        }
        return XPCSchema.Fields(fields, extraKeys: extraKeys)
    }
}
