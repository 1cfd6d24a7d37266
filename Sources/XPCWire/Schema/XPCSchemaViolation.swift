/// One way a message fails to match an ``XPCSchema``: where, and why (SPEC §9.4.2).
///
/// Its description is the path and the reason:
///
/// ```swift
/// let schema: XPCSchema = .dictionary([.required("name", .string())])
/// print(schema.validate(["name": 3])[0])  // name: expected string, found int64
/// ```
public struct XPCSchemaViolation: Hashable, Sendable, CustomStringConvertible {
    /// Why a value does not match its schema.
    public enum Reason: Hashable, Sendable, CustomStringConvertible {
        /// The value's variant is none of those the schema accepts.
        case kindMismatch(expected: XPCSchema.Kinds, found: XPCMessage.Kind)
        /// An int64 outside the schema's range.
        case int64OutOfRange(Int64, allowed: ClosedRange<Int64>)
        /// A uint64 outside the schema's range.
        case uint64OutOfRange(UInt64, allowed: ClosedRange<UInt64>)
        /// A string longer, in UTF-8 bytes, than the schema's maximum.
        case stringTooLong(length: Int, maximum: Int)
        /// Data longer than the schema's maximum.
        case dataTooLong(length: Int, maximum: Int)
        /// An array with more elements than the schema's maximum.
        case tooManyElements(count: Int, maximum: Int)
        /// A required field is absent; the path names the field.
        case missingRequiredField
        /// A key that no field names, in a dictionary whose schema rejects extra keys; the path
        /// names the key.
        case unexpectedKey
        /// The value's variant fits several alternatives of a `oneOf`, but it matches none of
        /// them in full; `alternatives` is how many were tried.
        case noAlternativeMatched(alternatives: Int, found: XPCMessage.Kind)

        /// For example `expected string, found int64`.
        public var description: String {
            switch self {
            case .kindMismatch(let expected, let found):
                "expected \(expected), found \(found)"
            case .int64OutOfRange(let value, let allowed):
                "int64 \(value) out of range \(allowed.lowerBound)...\(allowed.upperBound)"
            case .uint64OutOfRange(let value, let allowed):
                "uint64 \(value) out of range \(allowed.lowerBound)...\(allowed.upperBound)"
            case .stringTooLong(let length, let maximum):
                "string of \(length) bytes is longer than the maximum \(maximum)"
            case .dataTooLong(let length, let maximum):
                "data of \(length) bytes is longer than the maximum \(maximum)"
            case .tooManyElements(let count, let maximum):
                "array of \(count) elements has more than the maximum \(maximum)"
            case .missingRequiredField:
                "missing required field"
            case .unexpectedKey:
                "unexpected key"
            case .noAlternativeMatched(let alternatives, let found):
                "\(found) matches none of the \(alternatives) alternatives of oneOf"
            }
        }
    }

    /// Where the offending value (or the missing field) sits in the message.
    public var path: XPCMessagePath
    /// Why it does not match.
    public var reason: Reason

    /// Creates a violation.
    public init(path: XPCMessagePath, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    /// For example `items[3].name: expected string, found int64`.
    public var description: String {
        "\(path): \(reason)"
    }
}

extension XPCSchema {
    /// Every way `message` fails to match this schema, in message order; empty when it matches.
    ///
    /// ```swift
    /// let schema: XPCSchema = .array(.int64(range: 0...9), maximumCount: 2)
    /// schema.validate([1, 20, "x"]).map(\.description)
    /// // ["<root>: array of 3 elements has more than the maximum 2",
    /// //  "[1]: int64 20 out of range 0...9",
    /// //  "[2]: expected int64, found string"]
    /// ```
    ///
    /// A matching message is checked without allocating; paths are built only for violations.
    /// Recursion follows the schema, so its depth is bounded by the schema's nesting, whatever
    /// the message's depth.
    public func validate(_ message: XPCMessage) -> [XPCSchemaViolation] {
        if matches(message) { return [] }
        var collector = ViolationCollector()
        collector.check(message, against: self)
        return collector.violations
    }

    /// Whether `message` matches this schema: ``validate(_:)`` is empty. Stops at the first
    /// violation and never allocates.
    public func matches(_ message: XPCMessage) -> Bool {
        switch self {
        case .any:
            return true
        case .null:
            return message.isNull
        case .bool:
            if case .bool = message { return true }
            return false
        case .int64(let range):
            guard case .int64(let value) = message else { return false }
            return range?.contains(value) ?? true
        case .uint64(let range):
            guard case .uint64(let value) = message else { return false }
            return range?.contains(value) ?? true
        case .double:
            if case .double = message { return true }
            return false
        case .string(let maximumLength):
            guard case .string(let value) = message else { return false }
            return maximumLength.map { value.utf8.count <= $0 } ?? true
        case .data(let maximumLength):
            guard case .data(let value) = message else { return false }
            return maximumLength.map { value.count <= $0 } ?? true
        case .uuid:
            if case .uuid = message { return true }
            return false
        case .date:
            if case .date = message { return true }
            return false
        case .fd:
            if case .fd = message { return true }
            return false
        case .endpoint:
            if case .endpoint = message { return true }
            return false
        case .array(let element, let maximumCount):
            guard case .array(let elements) = message else { return false }
            if let maximumCount, elements.count > maximumCount { return false }
            return elements.allSatisfy { element.matches($0) }
        case .dictionary(let fields):
            guard case .dictionary(let dictionary) = message else { return false }
            return fields.matches(dictionary)
        case .optional(let wrapped):
            return message.isNull || wrapped.matches(message)
        case .oneOf(let alternatives):
            return alternatives.contains { $0.matches(message) }
        }
    }
}

extension XPCSchema.Fields {
    /// Walks the fields and the entries together: both are sorted by key bytes.
    func matches(_ dictionary: XPCDictionary) -> Bool {
        var fieldIndex = 0
        var entryIndex = 0
        while fieldIndex < fields.count || entryIndex < dictionary.count {
            let order = UTF8Order.mergeOrder(
                fieldIndex < fields.count ? fields[fieldIndex].name : nil,
                entryIndex < dictionary.count ? dictionary[entryIndex].key : nil)
            if order < 0 {
                if fields[fieldIndex].isRequired { return false }
                fieldIndex += 1
            } else if order > 0 {
                switch extraKeys {
                case .allow: break
                case .reject: return false
                case .matching(let schema):
                    if !schema.matches(dictionary[entryIndex].value) { return false }
                }
                entryIndex += 1
            } else {
                if !fields[fieldIndex].schema.matches(dictionary[entryIndex].value) { return false }
                fieldIndex += 1
                entryIndex += 1
            }
        }
        return true
    }
}

/// Collects every violation of a message that does not match, with its path.
private struct ViolationCollector {
    var violations: [XPCSchemaViolation] = []
    /// The path of the value being checked.
    var path: [XPCMessagePath.Component] = []

    mutating func report(_ reason: XPCSchemaViolation.Reason) {
        violations.append(XPCSchemaViolation(path: XPCMessagePath(path), reason: reason))
    }

    mutating func check(_ message: XPCMessage, against schema: XPCSchema) {
        let accepted = schema.acceptedKinds
        guard accepted.contains(message.kind) else {
            report(.kindMismatch(expected: accepted, found: message.kind))
            return
        }
        switch (schema, message) {
        case (.int64(let range?), .int64(let value)) where !range.contains(value):
            report(.int64OutOfRange(value, allowed: range))
        case (.uint64(let range?), .uint64(let value)) where !range.contains(value):
            report(.uint64OutOfRange(value, allowed: range))
        case (.string(let maximum?), .string(let value)) where value.utf8.count > maximum:
            report(.stringTooLong(length: value.utf8.count, maximum: maximum))
        case (.data(let maximum?), .data(let value)) where value.count > maximum:
            report(.dataTooLong(length: value.count, maximum: maximum))
        case (.array(let element, let maximumCount), .array(let elements)):
            if let maximumCount, elements.count > maximumCount {
                report(.tooManyElements(count: elements.count, maximum: maximumCount))
            }
            for (index, value) in elements.enumerated() where !element.matches(value) {
                path.append(.index(index))
                check(value, against: element)
                path.removeLast()
            }
        case (.dictionary(let fields), .dictionary(let dictionary)):
            check(dictionary, against: fields)
        case (.optional(let wrapped), _):
            if !message.isNull {
                check(message, against: wrapped)
            }
        case (.oneOf(let alternatives), _):
            let candidates = alternatives.filter { $0.acceptedKinds.contains(message.kind) }
            if candidates.count == 1 {
                check(message, against: candidates[0])
            } else if !candidates.contains(where: { $0.matches(message) }) {
                report(.noAlternativeMatched(alternatives: candidates.count, found: message.kind))
            }
        default:
            // The variant matches and the schema has no other constraint the value breaks.
            break
        }
    }

    mutating func check(_ dictionary: XPCDictionary, against schema: XPCSchema.Fields) {
        let fields = schema.fields
        var fieldIndex = 0
        var entryIndex = 0
        while fieldIndex < fields.count || entryIndex < dictionary.count {
            let order = UTF8Order.mergeOrder(
                fieldIndex < fields.count ? fields[fieldIndex].name : nil,
                entryIndex < dictionary.count ? dictionary[entryIndex].key : nil)
            if order < 0 {
                if fields[fieldIndex].isRequired {
                    path.append(.key(fields[fieldIndex].name))
                    report(.missingRequiredField)
                    path.removeLast()
                }
                fieldIndex += 1
            } else if order > 0 {
                let entry = dictionary[entryIndex]
                switch schema.extraKeys {
                case .allow:
                    break
                case .reject:
                    path.append(.key(entry.key))
                    report(.unexpectedKey)
                    path.removeLast()
                case .matching(let extraSchema):
                    path.append(.key(entry.key))
                    check(entry.value, against: extraSchema)
                    path.removeLast()
                }
                entryIndex += 1
            } else {
                let entry = dictionary[entryIndex]
                path.append(.key(entry.key))
                check(entry.value, against: fields[fieldIndex].schema)
                path.removeLast()
                fieldIndex += 1
                entryIndex += 1
            }
        }
    }
}
