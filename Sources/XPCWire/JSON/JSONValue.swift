// A strict, lossless JSON value (RFC 8259) built on the Swift standard library alone.
//
// One file holds the value type, its parser and its writer so that the helpers can stay
// `fileprivate` and nothing but the documented `package` API enters the module's namespace.

// MARK: - Value

/// A JSON value that keeps everything its text said: number lexemes, member order and the exact
/// Unicode scalars of every string.
///
/// `JSONValue` reads and writes RFC 8259 JSON for machine-checked descriptions (fixtures,
/// command-line output), so it is strict and lossless:
///
/// - Numbers keep their lexeme (`"-0"`, `"1e400"`, `"0.10"`); nothing goes through `Double`.
/// - Objects are an ordered array of ``JSONMember`` values rather than a dictionary, so member
///   order survives a round trip and takes part in equality.
/// - Equality and hashing compare strings, member names and number lexemes by their UTF-8 code
///   units, not with `String`'s canonical equivalence: `"\u{E9}"` and `"e\u{301}"` are different
///   values, as RFC 8259 §8.3 recommends for member names. Equal values therefore serialize to the
///   same bytes.
///
/// ```swift
/// let value = try JSONValue(parsing: #"{"fd": 3, "name": "caf\u00e9"}"#)
/// value["fd"]?.integerValue(as: Int32.self)  // 3
/// value["name"]?.stringValue                 // "café"
/// print(value.serialized())
/// // {
/// //   "fd": 3,
/// //   "name": "café"
/// // }
/// ```
///
/// Equality, hashing and serialization recurse once per nesting level; parsing does not, and its
/// `maximumDepth` bounds the nesting of every parsed value.
package enum JSONValue: Hashable, Sendable {
    /// The literal `null`.
    case null
    /// The literal `true` or `false`.
    case bool(Bool)
    /// A number, stored as its exact RFC 8259 §6 lexeme, for example `"-0"`, `"1e400"` or `"0.10"`.
    ///
    /// The parser only produces valid lexemes. The writer copies a lexeme verbatim, so build
    /// numbers with ``init(integer:)`` or check hand-written lexemes with
    /// ``isValidNumberLexeme(_:)``.
    case number(String)
    /// A string.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object's members, in order.
    ///
    /// Members are ``JSONMember`` structs rather than `(key:value:)` tuples so that the case can be
    /// `Hashable` and `Sendable` like the rest of the type. The parser rejects objects that repeat
    /// a member name; a value built by hand should not repeat one either, because its JSON text
    /// would then be rejected when read back.
    case object([JSONMember])
}

/// One member of a JSON object: a name and its value.
///
/// ```swift
/// let object = JSONValue.object([JSONMember(key: "fd", value: .number("3"))])
/// ```
///
/// Names compare by UTF-8 code units, like every string in ``JSONValue``.
package struct JSONMember: Hashable, Sendable {
    /// The member's name.
    package var key: String
    /// The member's value.
    package var value: JSONValue

    /// Creates a member named `key` holding `value`.
    package init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }

    /// Whether both members have the same name code units and equal values.
    package static func == (lhs: JSONMember, rhs: JSONMember) -> Bool {
        JSONValue.haveSameCodeUnits(lhs.key, rhs.key) && lhs.value == rhs.value
    }

    /// Hashes the name's code units and the value, consistently with `==`.
    package func hash(into hasher: inout Hasher) {
        JSONValue.combineCodeUnits(of: key, into: &hasher)
        hasher.combine(value)
    }
}

// MARK: - Equality and hashing

extension JSONValue {
    /// Whether both values have the same shape, the same number lexemes and the same string code
    /// units, with array elements and object members in the same order.
    package static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null):
            return true
        case let (.bool(left), .bool(right)):
            return left == right
        case let (.number(left), .number(right)), let (.string(left), .string(right)):
            return haveSameCodeUnits(left, right)
        case let (.array(left), .array(right)):
            return left == right
        case let (.object(left), .object(right)):
            return left == right
        default:
            return false
        }
    }

    /// Hashes the value consistently with `==`.
    package func hash(into hasher: inout Hasher) {
        switch self {
        case .null:
            hasher.combine(0 as UInt8)
        case .bool(let flag):
            hasher.combine(1 as UInt8)
            hasher.combine(flag)
        case .number(let lexeme):
            hasher.combine(2 as UInt8)
            Self.combineCodeUnits(of: lexeme, into: &hasher)
        case .string(let text):
            hasher.combine(3 as UInt8)
            Self.combineCodeUnits(of: text, into: &hasher)
        case .array(let elements):
            hasher.combine(4 as UInt8)
            hasher.combine(elements)
        case .object(let members):
            hasher.combine(5 as UInt8)
            hasher.combine(members)
        }
    }

    /// Whether two strings have identical UTF-8 code units (no Unicode normalization).
    fileprivate static func haveSameCodeUnits(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.count == rhs.utf8.count && lhs.utf8.elementsEqual(rhs.utf8)
    }

    /// Feeds a string's UTF-8 code units, length first, to `hasher`.
    fileprivate static func combineCodeUnits(of text: String, into hasher: inout Hasher) {
        hasher.combine(text.utf8.count)
        for unit in text.utf8 {
            hasher.combine(unit)
        }
    }

    /// A `String` that compares and hashes by code units; the parser's set of member names.
    fileprivate struct CodeUnitKey: Hashable {
        /// The wrapped name.
        let text: String

        static func == (lhs: CodeUnitKey, rhs: CodeUnitKey) -> Bool {
            JSONValue.haveSameCodeUnits(lhs.text, rhs.text)
        }

        func hash(into hasher: inout Hasher) {
            JSONValue.combineCodeUnits(of: text, into: &hasher)
        }
    }
}

// MARK: - Accessors

extension JSONValue {
    /// Creates a number holding `value` in decimal, for example `.number("-42")`.
    package init(integer value: some BinaryInteger) {
        self = .number(String(value))
    }

    /// Whether the value is `null`.
    package var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The flag of a `bool`, or `nil` for any other kind of value.
    package var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    /// The lexeme of a `number`, or `nil` for any other kind of value.
    package var numberLexeme: String? {
        if case .number(let lexeme) = self { return lexeme }
        return nil
    }

    /// The text of a `string`, or `nil` for any other kind of value.
    package var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The elements of an `array`, or `nil` for any other kind of value.
    package var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The members of an `object` in order, or `nil` for any other kind of value.
    package var objectMembers: [JSONMember]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The value of the first member named `key` (compared by code units), or `nil` if there is
    /// none or this is not an object.
    ///
    /// ```swift
    /// try JSONValue(parsing: #"{"a": [true]}"#)["a"]  // .array([.bool(true)])
    /// ```
    package subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { Self.haveSameCodeUnits($0.key, key) }?.value
    }

    /// The number as an integer of type `Integer`, read from the lexeme digit by digit.
    ///
    /// Returns `nil` for anything that is not a `number`, for lexemes with a fraction or an
    /// exponent (`"1.0"`, `"1e2"`), and for values outside `Integer`'s range. `"-0"` is zero.
    ///
    /// ```swift
    /// JSONValue.number("-9223372036854775808").integerValue(as: Int64.self)  // Int64.min
    /// JSONValue.number("256").integerValue(as: UInt8.self)                   // nil
    /// ```
    package func integerValue<Integer: FixedWidthInteger>(as type: Integer.Type = Integer.self) -> Integer? {
        guard case .number(let lexeme) = self else { return nil }
        return Self.exactInteger(fromLexeme: lexeme, as: type)
    }

    /// Whether `lexeme` is exactly one RFC 8259 §6 number, such as `"-0"`, `"12.5e-3"` or `"1E400"`.
    ///
    /// ```swift
    /// JSONValue.isValidNumberLexeme("0.5")  // true
    /// JSONValue.isValidNumberLexeme(".5")   // false
    /// ```
    package static func isValidNumberLexeme(_ lexeme: String) -> Bool {
        var parser = Parser(bytes: Array(lexeme.utf8), maximumDepth: 0)
        return parser.consumesExactlyOneNumber()
    }

    /// Parses an integer lexeme (`-?(0|[1-9][0-9]*)`) into `Integer`, failing on overflow.
    ///
    /// Negative numbers accumulate downwards so that the most negative value is reachable.
    private static func exactInteger<Integer: FixedWidthInteger>(
        fromLexeme lexeme: String, as _: Integer.Type
    ) -> Integer? {
        var digits = lexeme.utf8[...]
        let isNegative = digits.first == ASCII.minus
        if isNegative {
            digits = digits.dropFirst()
        }
        guard let leading = digits.first, ASCII.isDigit(leading) else { return nil }
        guard leading != ASCII.zero || digits.count == 1 else { return nil }
        var result: Integer = 0
        for byte in digits {
            guard ASCII.isDigit(byte), let digit = Integer(exactly: byte - ASCII.zero) else { return nil }
            let (scaled, scaleOverflow) = result.multipliedReportingOverflow(by: 10)
            let (next, digitOverflow) = isNegative
                ? scaled.subtractingReportingOverflow(digit)
                : scaled.addingReportingOverflow(digit)
            guard !scaleOverflow, !digitOverflow else { return nil }
            result = next
        }
        return result
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByBooleanLiteral {
    /// Creates `.bool(value)`.
    package init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    /// Creates a number from an integer literal, for example `.number("7")`.
    package init(integerLiteral value: Int) {
        self = .number(String(value))
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    /// Creates `.string(value)`.
    package init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension JSONValue: ExpressibleByArrayLiteral {
    /// Creates `.array(elements)`.
    package init(arrayLiteral elements: JSONValue...) {
        self = .array(elements)
    }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// Creates an object whose members are in the literal's order, for example
    /// `["b": 1, "a": 2]` keeps `b` first.
    package init(dictionaryLiteral members: (String, JSONValue)...) {
        self = .object(members.map { JSONMember(key: $0.0, value: $0.1) })
    }
}

// MARK: - Parse errors

/// Why parsing a ``JSONValue`` failed, and at which byte.
///
/// ```swift
/// do {
///     _ = try JSONValue(parsing: "[1,}")
/// } catch {
///     print(error)  // JSON error at byte 3: unexpected byte 0x7D
/// }
/// ```
package struct JSONParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong with the input. Each case says where ``JSONParseError/offset`` points.
    package enum Kind: Hashable, Sendable, CustomStringConvertible {
        /// The input ended inside a value or before any value; `offset` is the input's length.
        case unexpectedEnd
        /// A byte that cannot start or continue the construct being read (including comments,
        /// `NaN`, single quotes, trailing commas and a byte order mark); `offset` is that byte.
        case unexpectedByte(UInt8)
        /// A number with a leading zero or without a digit after `-`, `.` or the exponent marker;
        /// `offset` is the byte (or end of input) where a digit or the number's end was expected.
        case invalidNumber
        /// A backslash followed by a byte other than `"` `\` `/` `b` `f` `n` `r` `t` `u`;
        /// `offset` is the backslash.
        case invalidEscape
        /// A `\u` escape not followed by four hexadecimal digits; `offset` is the backslash.
        case invalidUnicodeEscape
        /// A `\u` escape naming a surrogate that is not a high surrogate immediately followed by a
        /// `\u` low surrogate; `offset` is the backslash of the first escape of the would-be pair.
        case loneSurrogate
        /// String bytes that are not well-formed UTF-8 (RFC 3629: no overlong forms, surrogates
        /// or values above U+10FFFF); `offset` is the first byte of the ill-formed sequence.
        case invalidUTF8
        /// An unescaped byte below 0x20 inside a string; `offset` is that byte.
        case controlCharacterInString
        /// An object member whose name, compared by code units, an earlier member of the same
        /// object already has; `offset` is the opening quote of the repeated name.
        case duplicateKey(String)
        /// An array or object that would be open more than `maximumDepth` levels deep;
        /// `offset` is its opening bracket.
        case depthLimitExceeded
        /// Something other than whitespace after the value; `offset` is its first byte.
        case trailingData

        /// A short English phrase, for example `unexpected byte 0x7D`.
        package var description: String {
            switch self {
            case .unexpectedEnd: "unexpected end of input"
            case .unexpectedByte(let byte): "unexpected byte 0x\(Self.twoHexDigits(byte))"
            case .invalidNumber: "invalid number"
            case .invalidEscape: "invalid escape sequence"
            case .invalidUnicodeEscape: "invalid \\u escape (four hexadecimal digits expected)"
            case .loneSurrogate: "unpaired surrogate in \\u escape"
            case .invalidUTF8: "invalid UTF-8 in string"
            case .controlCharacterInString: "unescaped control character in string"
            case .duplicateKey(let name): "duplicate object member name \(JSONValue.string(name).serialized(pretty: false))"
            case .depthLimitExceeded: "nesting exceeds the depth limit"
            case .trailingData: "unexpected data after the JSON value"
            }
        }

        /// `byte` as two uppercase hexadecimal digits.
        private static func twoHexDigits(_ byte: UInt8) -> String {
            let digits = String(byte, radix: 16, uppercase: true)
            return byte < 0x10 ? "0" + digits : digits
        }
    }

    /// What was wrong.
    package var kind: Kind
    /// The byte offset in the input where the problem was found; see each ``Kind`` case.
    package var offset: Int

    /// Creates an error of `kind` at byte `offset`.
    package init(kind: Kind, offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    /// For example `JSON error at byte 17: unexpected byte 0x7D`.
    package var description: String {
        "JSON error at byte \(offset): \(kind)"
    }
}

// MARK: - Parsing

extension JSONValue {
    /// Parses UTF-8 JSON text holding exactly one value, with optional whitespace around it.
    ///
    /// The grammar is RFC 8259's with no extensions: no comments, trailing commas, leading
    /// zeros, `NaN`/`Infinity`, single quotes or byte order mark. Strings must be well-formed
    /// UTF-8 with control characters escaped; `\u` surrogate escapes must form pairs. An object
    /// may not repeat a member name (compared by code units).
    ///
    /// ```swift
    /// let value = try JSONValue(parsing: Array(#"[1, "two"]"#.utf8))
    /// ```
    ///
    /// - Parameters:
    ///   - bytes: The UTF-8 text. Error offsets count from its first element.
    ///   - maximumDepth: The most arrays and objects that may be nested inside each other.
    ///     `0` admits only scalars. Parsing uses no recursion, so this bounds memory and the
    ///     recursion depth of later operations on the value, not the parser's stack.
    /// - Throws: ``JSONParseError`` naming the first problem and its byte offset.
    package init(parsing bytes: some Collection<UInt8>, maximumDepth: Int = 512) throws(JSONParseError) {
        var parser = Parser(bytes: Array(bytes), maximumDepth: maximumDepth)
        self = try parser.parseDocument()
    }

    /// Parses JSON text; the same as parsing `text.utf8`.
    ///
    /// ```swift
    /// let value = try JSONValue(parsing: #"{"version": "1.0"}"#)
    /// ```
    package init(parsing text: String, maximumDepth: Int = 512) throws(JSONParseError) {
        try self.init(parsing: text.utf8, maximumDepth: maximumDepth)
    }

    /// A strict RFC 8259 parser over a byte array that keeps open containers on an explicit
    /// stack instead of recursing.
    fileprivate struct Parser {
        /// The whole input; error offsets are indices into it.
        private let bytes: [UInt8]
        /// The most containers that may be open at once.
        private let maximumDepth: Int
        /// The index of the next byte to read; never past `bytes.count`.
        private var position = 0

        init(bytes: [UInt8], maximumDepth: Int) {
            self.bytes = bytes
            self.maximumDepth = maximumDepth
        }

        /// Parses one value with optional whitespace around it and nothing else.
        mutating func parseDocument() throws(JSONParseError) -> JSONValue {
            let value = try parseValue()
            skipWhitespace()
            guard position == bytes.count else {
                throw JSONParseError(kind: .trailingData, offset: position)
            }
            return value
        }

        /// Whether the whole input is one number lexeme.
        mutating func consumesExactlyOneNumber() -> Bool {
            do {
                _ = try parseNumber()
            } catch {
                return false
            }
            return position == bytes.count
        }

        // MARK: Structure

        /// An array or object whose closing bracket has not been read yet.
        private struct OpenContainer {
            /// Whether this is an object (else an array).
            let isObject: Bool
            /// An array's elements so far.
            private var elements: [JSONValue] = []
            /// An object's members so far.
            private var members: [JSONMember] = []
            /// An object's member names so far, to reject repeats.
            private var memberNames: Set<CodeUnitKey> = []
            /// The name read for the object member whose value comes next.
            private var pendingName = ""

            init(isObject: Bool) {
                self.isObject = isObject
            }

            /// The byte that closes this container.
            var closingByte: UInt8 {
                isObject ? ASCII.closeBrace : ASCII.closeBracket
            }

            /// The finished array or object.
            var value: JSONValue {
                isObject ? .object(members) : .array(elements)
            }

            /// Records the name of the next member; `false` if the object already has it.
            mutating func beginMember(named name: String) -> Bool {
                pendingName = name
                return memberNames.insert(CodeUnitKey(text: name)).inserted
            }

            /// Adds the next element, or the value of the member begun last.
            mutating func append(_ value: JSONValue) {
                if isObject {
                    members.append(JSONMember(key: pendingName, value: value))
                } else {
                    elements.append(value)
                }
            }
        }

        /// What reading the start of a value produced.
        private enum ValueStart {
            /// A scalar or an empty container: the value is finished.
            case complete(JSONValue)
            /// A non-empty container, positioned at its first element's value.
            case opened(OpenContainer)
        }

        /// Parses one value, however deeply nested, without recursion.
        ///
        /// Each pass of the outer loop reads the start of a value; the inner loop hands each
        /// finished value to the innermost open container and closes containers as their
        /// closing brackets arrive.
        private mutating func parseValue() throws(JSONParseError) -> JSONValue {
            var openContainers: [OpenContainer] = []
            while true {
                var value: JSONValue
                switch try readValueStart(depth: openContainers.count) {
                case .complete(let finished):
                    value = finished
                case .opened(let container):
                    openContainers.append(container)
                    continue
                }
                while let innermost = openContainers.indices.last {
                    openContainers[innermost].append(value)
                    guard try readSeparatorOrEnd(of: &openContainers[innermost]) else { break }
                    value = openContainers.removeLast().value
                }
                if openContainers.isEmpty {
                    return value
                }
            }
        }

        /// Reads a scalar, an empty container, or the opening of a non-empty one.
        private mutating func readValueStart(depth: Int) throws(JSONParseError) -> ValueStart {
            skipWhitespace()
            let byte = try currentByte()
            switch byte {
            case ASCII.openBracket:
                return try openContainer(isObject: false, depth: depth)
            case ASCII.openBrace:
                return try openContainer(isObject: true, depth: depth)
            case ASCII.quote:
                return .complete(.string(try parseString()))
            case ASCII.minus, ASCII.zero...ASCII.nine:
                return .complete(.number(try parseNumber()))
            case ASCII.lowercaseT:
                try expectLiteral(ASCII.trueLiteral)
                return .complete(.bool(true))
            case ASCII.lowercaseF:
                try expectLiteral(ASCII.falseLiteral)
                return .complete(.bool(false))
            case ASCII.lowercaseN:
                try expectLiteral(ASCII.nullLiteral)
                return .complete(.null)
            default:
                throw unexpected(byte)
            }
        }

        /// Reads `[` or `{` at nesting level `depth`, and for an object its first member's name.
        private mutating func openContainer(isObject: Bool, depth: Int) throws(JSONParseError) -> ValueStart {
            guard depth < maximumDepth else {
                throw JSONParseError(kind: .depthLimitExceeded, offset: position)
            }
            position += 1
            var container = OpenContainer(isObject: isObject)
            skipWhitespace()
            if try currentByte() == container.closingByte {
                position += 1
                return .complete(container.value)
            }
            if isObject {
                try readMemberName(into: &container)
            }
            return .opened(container)
        }

        /// Reads what follows an element: `,` (then, in an object, the next member's name) or
        /// the closing bracket. Returns `true` when the container was closed.
        private mutating func readSeparatorOrEnd(of container: inout OpenContainer) throws(JSONParseError) -> Bool {
            skipWhitespace()
            let byte = try currentByte()
            if byte == ASCII.comma {
                position += 1
                if container.isObject {
                    try readMemberName(into: &container)
                }
                return false
            }
            guard byte == container.closingByte else { throw unexpected(byte) }
            position += 1
            return true
        }

        /// Reads `"name" :` before a member's value, rejecting a name the object already has.
        private mutating func readMemberName(into container: inout OpenContainer) throws(JSONParseError) {
            skipWhitespace()
            let nameOffset = position
            let byte = try currentByte()
            guard byte == ASCII.quote else { throw unexpected(byte) }
            let name = try parseString()
            guard container.beginMember(named: name) else {
                throw JSONParseError(kind: .duplicateKey(name), offset: nameOffset)
            }
            skipWhitespace()
            try expect(ASCII.colon)
        }

        // MARK: Scalars

        /// Reads the rest of `true`, `false` or `null`, whose first byte is at `position`.
        private mutating func expectLiteral(_ literal: [UInt8]) throws(JSONParseError) {
            for expected in literal {
                try expect(expected)
            }
        }

        /// Reads a number (RFC 8259 §6) starting at `position` and returns its lexeme.
        private mutating func parseNumber() throws(JSONParseError) -> String {
            let start = position
            if peekByte() == ASCII.minus {
                position += 1
            }
            if peekByte() == ASCII.zero {
                position += 1
                if let next = peekByte(), ASCII.isDigit(next) {
                    throw JSONParseError(kind: .invalidNumber, offset: position)
                }
            } else {
                try readDigits()
            }
            if peekByte() == ASCII.dot {
                position += 1
                try readDigits()
            }
            if peekByte() == ASCII.lowercaseE || peekByte() == ASCII.uppercaseE {
                position += 1
                if peekByte() == ASCII.plus || peekByte() == ASCII.minus {
                    position += 1
                }
                try readDigits()
            }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        /// Reads one or more decimal digits.
        private mutating func readDigits() throws(JSONParseError) {
            guard let first = peekByte(), ASCII.isDigit(first) else {
                throw JSONParseError(kind: .invalidNumber, offset: position)
            }
            position += 1
            while let byte = peekByte(), ASCII.isDigit(byte) {
                position += 1
            }
        }

        // MARK: Strings

        /// Reads a string whose opening quote is at `position`, decoding escapes and checking
        /// that its bytes are UTF-8. A string without escapes is made straight from the input.
        private mutating func parseString() throws(JSONParseError) -> String {
            position += 1
            var runStart = position
            var decoded: [UInt8] = []
            var hasEscapes = false
            while true {
                let byte = try currentByte()
                switch byte {
                case ASCII.quote:
                    let run = bytes[runStart..<position]
                    position += 1
                    guard hasEscapes else { return String(decoding: run, as: UTF8.self) }
                    decoded.append(contentsOf: run)
                    return String(decoding: decoded, as: UTF8.self)
                case ASCII.backslash:
                    decoded.append(contentsOf: bytes[runStart..<position])
                    hasEscapes = true
                    try readEscape(into: &decoded)
                    runStart = position
                case 0x00..<0x20:
                    throw JSONParseError(kind: .controlCharacterInString, offset: position)
                case 0x20..<0x80:
                    position += 1
                default:
                    try skipMultiByteSequence(lead: byte)
                }
            }
        }

        /// Decodes the escape whose backslash is at `position` and appends its UTF-8 bytes.
        private mutating func readEscape(into decoded: inout [UInt8]) throws(JSONParseError) {
            let escapeOffset = position
            position += 1
            let code = try currentByte()
            position += 1
            switch code {
            case ASCII.quote, ASCII.backslash, ASCII.slash:
                decoded.append(code)
            case ASCII.lowercaseB:
                decoded.append(0x08)
            case ASCII.lowercaseF:
                decoded.append(0x0C)
            case ASCII.lowercaseN:
                decoded.append(0x0A)
            case ASCII.lowercaseR:
                decoded.append(0x0D)
            case ASCII.lowercaseT:
                decoded.append(0x09)
            case ASCII.lowercaseU:
                decoded.append(contentsOf: try readUnicodeEscape(escapeOffset: escapeOffset).utf8)
            default:
                throw JSONParseError(kind: .invalidEscape, offset: escapeOffset)
            }
        }

        /// Reads the digits of a `\u` escape (at `escapeOffset`) and, for a high surrogate, the
        /// low-surrogate escape that must follow; returns the scalar they encode.
        private mutating func readUnicodeEscape(escapeOffset: Int) throws(JSONParseError) -> Unicode.Scalar {
            var codePoint = try readHexQuad(escapeOffset: escapeOffset)
            if (0xD800...0xDBFF).contains(codePoint) {
                let low = try readLowSurrogateEscape(pairedWithEscapeAt: escapeOffset)
                // Both halves are range-checked, so this is at most 0x10FFFF.
                codePoint = 0x10000 + ((codePoint - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(codePoint) else {
                // Only a low surrogate without a high one before it gets here.
                throw JSONParseError(kind: .loneSurrogate, offset: escapeOffset)
            }
            return scalar
        }

        /// Reads the `\uDC00`–`\uDFFF` escape that must follow the high surrogate escaped at
        /// `escapeOffset`.
        private mutating func readLowSurrogateEscape(pairedWithEscapeAt escapeOffset: Int) throws(JSONParseError) -> UInt32 {
            let unpaired = JSONParseError(kind: .loneSurrogate, offset: escapeOffset)
            let lowOffset = position
            guard try currentByte() == ASCII.backslash else { throw unpaired }
            position += 1
            guard try currentByte() == ASCII.lowercaseU else { throw unpaired }
            position += 1
            let low = try readHexQuad(escapeOffset: lowOffset)
            guard (0xDC00...0xDFFF).contains(low) else { throw unpaired }
            return low
        }

        /// Reads the four hexadecimal digits of the `\u` escape that starts at `escapeOffset`.
        private mutating func readHexQuad(escapeOffset: Int) throws(JSONParseError) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = ASCII.hexDigitValue(try currentByte()) else {
                    throw JSONParseError(kind: .invalidUnicodeEscape, offset: escapeOffset)
                }
                value = value << 4 | UInt32(digit)
                position += 1
            }
            return value
        }

        /// Checks the multi-byte UTF-8 sequence whose lead byte `lead` is at `position` and moves
        /// past it (RFC 3629 §4: no overlong forms, surrogates or scalars above U+10FFFF).
        private mutating func skipMultiByteSequence(lead: UInt8) throws(JSONParseError) {
            let leadOffset = position
            guard let shape = Self.sequenceShape(lead: lead) else {
                throw JSONParseError(kind: .invalidUTF8, offset: leadOffset)
            }
            position += 1
            for continuationIndex in 1..<shape.length {
                let allowed: ClosedRange<UInt8> = continuationIndex == 1 ? shape.second : 0x80...0xBF
                guard allowed.contains(try currentByte()) else {
                    throw JSONParseError(kind: .invalidUTF8, offset: leadOffset)
                }
                position += 1
            }
        }

        /// The length of the sequence a lead byte starts and the range its second byte must lie
        /// in, or `nil` if the byte cannot start a sequence of two or more bytes.
        private static func sequenceShape(lead: UInt8) -> (length: Int, second: ClosedRange<UInt8>)? {
            switch lead {
            case 0xC2...0xDF: (2, 0x80...0xBF)
            case 0xE0: (3, 0xA0...0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (3, 0x80...0xBF)
            case 0xED: (3, 0x80...0x9F)
            case 0xF0: (4, 0x90...0xBF)
            case 0xF1...0xF3: (4, 0x80...0xBF)
            case 0xF4: (4, 0x80...0x8F)
            default: nil
            }
        }

        // MARK: Bytes

        /// The byte at `position`, or `nil` at the end of the input.
        private func peekByte() -> UInt8? {
            position < bytes.count ? bytes[position] : nil
        }

        /// The byte at `position`; the end of the input is an error.
        private func currentByte() throws(JSONParseError) -> UInt8 {
            guard let byte = peekByte() else {
                throw JSONParseError(kind: .unexpectedEnd, offset: position)
            }
            return byte
        }

        /// Reads `expected`, failing on any other byte or the end of the input.
        private mutating func expect(_ expected: UInt8) throws(JSONParseError) {
            let byte = try currentByte()
            guard byte == expected else { throw unexpected(byte) }
            position += 1
        }

        /// Moves past spaces, tabs, line feeds and carriage returns.
        private mutating func skipWhitespace() {
            while let byte = peekByte(), ASCII.isWhitespace(byte) {
                position += 1
            }
        }

        /// An `unexpectedByte` error for `byte` at `position`.
        private func unexpected(_ byte: UInt8) -> JSONParseError {
            JSONParseError(kind: .unexpectedByte(byte), offset: position)
        }
    }
}

// MARK: - Serialization

extension JSONValue {
    /// The value as JSON text, byte-for-byte deterministic.
    ///
    /// The pretty form puts each array element and object member on its own line, indented by
    /// two spaces per level, with `"name": value` (one space after the colon); `[]` and `{}`
    /// stay on one line and there is no trailing newline. The compact form has no whitespace.
    ///
    /// Strings escape only `"`, `\` and U+0000–U+001F (as `\b` `\f` `\n` `\r` `\t` where those
    /// exist, else `\u00xx` in lowercase hex); everything else, U+007F and all non-ASCII
    /// included, is written literally as UTF-8. Number lexemes are written verbatim.
    ///
    /// ```swift
    /// let value: JSONValue = ["fds": [0, 1], "name": "é"]
    /// value.serialized(pretty: false)  // {"fds":[0,1],"name":"é"}
    /// ```
    package func serialized(pretty: Bool = true) -> String {
        String(decoding: serializedBytes(pretty: pretty), as: UTF8.self)
    }

    /// The UTF-8 bytes of ``serialized(pretty:)``.
    package func serializedBytes(pretty: Bool = true) -> [UInt8] {
        var writer = JSONTextWriter(pretty: pretty)
        writer.write(self)
        return writer.output
    }
}

/// Writes JSON text as a sequence of events (values, container starts and ends), so a caller
/// can write a tree it walks without recursion; ``JSONValue/serialized(pretty:)`` is one caller.
struct JSONTextWriter {
    /// The ASCII bytes of JSON's grammar.
    private typealias ASCII = JSONValue.ASCII

    /// Whether to write the indented multi-line form.
    let pretty: Bool
    /// The text written so far.
    private(set) var output: [UInt8] = []
    /// Each open container: whether it is an array (or an object), and whether it has an item yet.
    private var open: [(isArray: Bool, hasItems: Bool)] = []

    init(pretty: Bool) {
        self.pretty = pretty
    }

    /// Writes a value tree (recursively: for trees of bounded depth).
    mutating func write(_ value: JSONValue) {
        switch value {
        case .null: writeNull()
        case .bool(let flag): writeBool(flag)
        case .number(let lexeme): writeNumber(lexeme)
        case .string(let text): writeString(text)
        case .array(let elements):
            beginArray()
            for element in elements {
                beginElement()
                write(element)
            }
            endContainer()
        case .object(let members):
            beginObject()
            for member in members {
                beginMember(member.key)
                write(member.value)
            }
            endContainer()
        }
    }

    mutating func writeNull() { output.append(contentsOf: ASCII.nullLiteral) }

    mutating func writeBool(_ flag: Bool) { output.append(contentsOf: flag ? ASCII.trueLiteral : ASCII.falseLiteral) }

    /// Writes a number's lexeme as it is.
    mutating func writeNumber(_ lexeme: String) { output.append(contentsOf: lexeme.utf8) }

    mutating func beginArray() {
        output.append(ASCII.openBracket)
        open.append((isArray: true, hasItems: false))
    }

    mutating func beginObject() {
        output.append(ASCII.openBrace)
        open.append((isArray: false, hasItems: false))
    }

    /// Starts the next element of the innermost array.
    mutating func beginElement() { beginItem() }

    /// Starts the next member of the innermost object: `"name": `.
    mutating func beginMember(_ name: String) {
        beginItem()
        writeString(name)
        output.append(ASCII.colon)
        if pretty {
            output.append(ASCII.space)
        }
    }

    /// Closes the innermost container, on its own line when pretty and it has items.
    mutating func endContainer() {
        guard let closing = open.popLast() else { return }
        if pretty && closing.hasItems {
            writeNewline(indentedTo: open.count)
        }
        output.append(closing.isArray ? ASCII.closeBracket : ASCII.closeBrace)
    }

    /// Writes the comma before every item but the first and, when pretty, a new line.
    private mutating func beginItem() {
        guard let last = open.indices.last else { return }
        if open[last].hasItems {
            output.append(ASCII.comma)
        }
        open[last].hasItems = true
        if pretty {
            writeNewline(indentedTo: open.count)
        }
    }

    /// Writes a line feed and two spaces per level.
    private mutating func writeNewline(indentedTo level: Int) {
        output.append(ASCII.lineFeed)
        for _ in 0..<level {
            output.append(ASCII.space)
            output.append(ASCII.space)
        }
    }

    /// Writes a quoted string, escaping `"`, `\` and control characters only.
    mutating func writeString(_ text: String) {
        output.append(ASCII.quote)
        for unit in text.utf8 {
            switch unit {
            case ASCII.quote, ASCII.backslash:
                writeEscape(unit)
            case 0x08:
                writeEscape(ASCII.lowercaseB)
            case 0x0C:
                writeEscape(ASCII.lowercaseF)
            case 0x0A:
                writeEscape(ASCII.lowercaseN)
            case 0x0D:
                writeEscape(ASCII.lowercaseR)
            case 0x09:
                writeEscape(ASCII.lowercaseT)
            case 0x00..<0x20:
                writeEscape(ASCII.lowercaseU)
                output.append(ASCII.zero)
                output.append(ASCII.zero)
                output.append(ASCII.lowercaseHexDigits[Int(unit >> 4)])
                output.append(ASCII.lowercaseHexDigits[Int(unit & 0x0F)])
            default:
                output.append(unit)
            }
        }
        output.append(ASCII.quote)
    }

    /// Writes a backslash and `code`.
    private mutating func writeEscape(_ code: UInt8) {
        output.append(ASCII.backslash)
        output.append(code)
    }
}

// MARK: - Bytes

extension JSONValue {
    /// The ASCII bytes of JSON's grammar.
    enum ASCII {
        static let space = UInt8(ascii: " ")
        static let tab = UInt8(ascii: "\t")
        static let lineFeed = UInt8(ascii: "\n")
        static let carriageReturn = UInt8(ascii: "\r")
        static let quote = UInt8(ascii: "\"")
        static let backslash = UInt8(ascii: "\\")
        static let slash = UInt8(ascii: "/")
        static let comma = UInt8(ascii: ",")
        static let colon = UInt8(ascii: ":")
        static let openBracket = UInt8(ascii: "[")
        static let closeBracket = UInt8(ascii: "]")
        static let openBrace = UInt8(ascii: "{")
        static let closeBrace = UInt8(ascii: "}")
        static let minus = UInt8(ascii: "-")
        static let plus = UInt8(ascii: "+")
        static let dot = UInt8(ascii: ".")
        static let zero = UInt8(ascii: "0")
        static let nine = UInt8(ascii: "9")
        static let lowercaseB = UInt8(ascii: "b")
        static let lowercaseE = UInt8(ascii: "e")
        static let uppercaseE = UInt8(ascii: "E")
        static let lowercaseF = UInt8(ascii: "f")
        static let lowercaseN = UInt8(ascii: "n")
        static let lowercaseR = UInt8(ascii: "r")
        static let lowercaseT = UInt8(ascii: "t")
        static let lowercaseU = UInt8(ascii: "u")
        static let trueLiteral = Array("true".utf8)
        static let falseLiteral = Array("false".utf8)
        static let nullLiteral = Array("null".utf8)
        static let lowercaseHexDigits = Array("0123456789abcdef".utf8)

        /// Whether `byte` is JSON whitespace: space, tab, line feed or carriage return.
        static func isWhitespace(_ byte: UInt8) -> Bool {
            byte == space || byte == tab || byte == lineFeed || byte == carriageReturn
        }

        /// Whether `byte` is `0`–`9`.
        static func isDigit(_ byte: UInt8) -> Bool {
            (zero...nine).contains(byte)
        }

        /// The value of a hexadecimal digit in either case, or `nil` for any other byte.
        static func hexDigitValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
    }
}
