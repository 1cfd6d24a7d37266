#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Why a JSON description could not be read (SPEC §8).
public enum XPCJSONDescriptionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text is not JSON; `offset` is the byte where parsing failed.
    case malformedJSON(reason: String, offset: Int)
    /// The JSON is well-formed but not a valid description; `path` is a JSON Pointer (RFC 6901)
    /// to the offending value, such as `/body/array/2`.
    case invalidDescription(Problem, path: String)

    /// What is wrong with a well-formed description.
    public enum Problem: Hashable, Sendable, CustomStringConvertible {
        /// A value should be an object with exactly one member naming a variant.
        case expectedVariantObject
        /// The member names no variant of SPEC §2.
        case unknownVariant(String)
        /// A member of the envelope object is missing.
        case missingMember(String)
        /// The envelope object has a member SPEC §8 does not define.
        case unexpectedMember(String)
        /// The value has the wrong JSON type or form for its place; the text says what was expected.
        case invalidValue(expected: String)
        /// A string holds U+0000 (SPEC §2.3).
        case embeddedNUL
        /// A dictionary repeats a key (by UTF-8 bytes).
        case duplicateKey(String)
        /// The description's slot table differs from the slots its body refers to.
        case slotTableMismatch(declared: [XPCSlotKind], referenced: [XPCSlotKind])

        /// The problem in words.
        public var description: String {
            switch self {
            case .expectedVariantObject: "expected an object with exactly one member naming a variant"
            case .unknownVariant(let name): "unknown variant \(String(reflecting: name))"
            case .missingMember(let name): "missing member \(String(reflecting: name))"
            case .unexpectedMember(let name): "unexpected member \(String(reflecting: name))"
            case .invalidValue(let expected): "expected \(expected)"
            case .embeddedNUL: "string contains U+0000"
            case .duplicateKey(let key): "duplicate key \(String(reflecting: key))"
            case .slotTableMismatch(let declared, let referenced):
                "slots \(declared) differ from the slots the body refers to \(referenced)"
            }
        }
    }

    /// The error in words.
    public var description: String {
        switch self {
        case .malformedJSON(let reason, let offset): "malformed JSON at byte \(offset): \(reason)"
        case .invalidDescription(let problem, let path): "invalid description at \(path.isEmpty ? "/" : path): \(problem)"
        }
    }
}

extension XPCEnvelope {
    /// The lossless JSON description of this envelope (SPEC §8).
    ///
    /// ```swift
    /// let envelope = try XPCWireDecoder().decodeEnvelope(bytes)
    /// print(envelope.jsonDescription())
    /// // {
    /// //   "version": "1.0",
    /// //   "flags": 0,
    /// //   "slots": [],
    /// //   "body": { "int64": "1" } …
    /// ```
    ///
    /// - Parameter pretty: two-space indented lines (default), or one compact line.
    public func jsonDescription(pretty: Bool = true) -> String {
        var writer = JSONTextWriter(pretty: pretty)
        writer.beginObject()
        writer.beginMember("version")
        writer.writeString(version.description)
        writer.beginMember("flags")
        writer.writeNumber(String(flags))
        writer.beginMember("slots")
        writer.write(.array(slots.map { .string($0.description) }))
        writer.beginMember("body")
        message.writeJSONDescription(into: &writer)
        writer.endContainer()
        return String(decoding: writer.output, as: UTF8.self)
    }

    /// Reads an envelope from its JSON description (SPEC §8).
    ///
    /// The description's slot table must match the slots its body refers to.
    public init(jsonDescription text: String) throws(XPCJSONDescriptionError) {
        try self.init(jsonDescriptionUTF8: Array(text.utf8))
    }

    /// Reads an envelope from the UTF-8 bytes of its JSON description (SPEC §8); bytes that are
    /// not UTF-8 are malformed JSON, never repaired.
    public init(jsonDescriptionUTF8 bytes: [UInt8]) throws(XPCJSONDescriptionError) {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: bytes, maximumDepth: JSONDescriptionReader.maximumJSONDepth)
        } catch {
            throw .malformedJSON(reason: error.kind.description, offset: error.offset)
        }
        self = try JSONDescriptionReader.envelope(from: json)
    }
}

extension XPCMessage {
    /// The JSON description of this message alone: the `body` part of SPEC §8.
    ///
    /// Written without recursion, so any depth can be described; pretty lines are indented once
    /// per enclosing JSON container, so that form grows with the square of the nesting depth.
    public func jsonDescription(pretty: Bool = true) -> String {
        var writer = JSONTextWriter(pretty: pretty)
        writeJSONDescription(into: &writer)
        return String(decoding: writer.output, as: UTF8.self)
    }

    /// Writes the description (SPEC §8) as JSON events, walking the message without recursion.
    func writeJSONDescription(into writer: inout JSONTextWriter) {
        // The writer moves into the visitor and back (swapped, not copied with its text).
        var description = JSONDescriptionWriting(writer: JSONTextWriter(pretty: writer.pretty))
        swap(&description.writer, &writer)
        walk(&description)
        swap(&description.writer, &writer)
    }

    /// Reads a message from the JSON description of a body (SPEC §8).
    public init(jsonDescription text: String) throws(XPCJSONDescriptionError) {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: Array(text.utf8), maximumDepth: JSONDescriptionReader.maximumJSONDepth)
        } catch {
            throw .malformedJSON(reason: error.kind.description, offset: error.offset)
        }
        self = try JSONDescriptionReader.message(from: json, path: "")
    }

}

/// ``XPCMessage/writeJSONDescription(into:)``: each value as `{"variant": value}`, arrays as
/// `{"array": [...]}`, dictionaries as `{"dictionary": [["key", value], ...]}` (SPEC §8).
private struct JSONDescriptionWriting: XPCMessageVisitor {
    var writer: JSONTextWriter

    /// Starts the item a value is: an element, or the value of a `["key", value]` pair.
    private mutating func beginItem(_ label: XPCMessageWalkLabel) {
        switch label {
        case .root: break
        case .index: writer.beginElement()
        case .key(let key):
            writer.beginElement()
            writer.beginArray()
            writer.beginElement()
            writer.writeString(key)
            writer.beginElement()
        }
    }

    /// Ends what ``beginItem(_:)`` started once the value is written.
    private mutating func endItem(_ label: XPCMessageWalkLabel) {
        if case .key = label { writer.endContainer() }
    }

    mutating func visitLeaf(_ message: XPCMessage, label: XPCMessageWalkLabel, depth: Int) {
        beginItem(label)
        writer.beginObject()
        switch message {
        case .null:
            writer.beginMember("null")
            writer.writeNull()
        case .bool(let value):
            writer.beginMember("bool")
            writer.writeBool(value)
        case .int64(let value):
            writer.beginMember("int64")
            writer.writeString(String(value))
        case .uint64(let value):
            writer.beginMember("uint64")
            writer.writeString(String(value))
        case .double(let value):
            writer.beginMember("double")
            writer.writeString(JSONDescriptionReader.hex16(value.bitPattern))
        case .string(let value):
            writer.beginMember("string")
            writer.writeString(value)
        case .data(let bytes):
            writer.beginMember("data")
            writer.writeString(Base64.encode(bytes))
        case .fd(let slot):
            writer.beginMember("fd")
            writer.writeNumber(String(slot))
        case .uuid(let uuid):
            writer.beginMember("uuid")
            writer.writeString(uuid.uuidString)
        case .date(let date):
            writer.beginMember("date")
            writer.writeString(String(date.nanosecondsSinceReferenceDate))
        case .endpoint(let slot):
            writer.beginMember("endpoint")
            writer.writeNumber(String(slot))
        case .array, .dictionary:
            break  // containers are entered, not visited as leaves
        }
        writer.endContainer()
        endItem(label)
    }

    mutating func enterContainer(_ message: XPCMessage, count: Int, label: XPCMessageWalkLabel, depth: Int) {
        beginItem(label)
        writer.beginObject()
        if case .array = message { writer.beginMember("array") } else { writer.beginMember("dictionary") }
        writer.beginArray()
    }

    mutating func leaveContainer(_ message: XPCMessage, label: XPCMessageWalkLabel, depth: Int) {
        writer.endContainer()
        writer.endContainer()
        endItem(label)
    }
}

/// Reads JSON value trees back into messages, strictly (SPEC §8).
enum JSONDescriptionReader {
    /// Two JSON levels per message level, plus the envelope, for the default depth limit and more.
    static let maximumJSONDepth = 4 * 256 + 8

    static func hex16(_ bits: UInt64) -> String {
        let digits = String(bits, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    static func envelope(from json: JSONValue) throws(XPCJSONDescriptionError) -> XPCEnvelope {
        guard case .object(let members) = json else {
            throw .invalidDescription(.invalidValue(expected: "an envelope object"), path: "")
        }
        let known = ["version", "flags", "slots", "body"]
        for member in members where !known.contains(member.key) {
            throw .invalidDescription(.unexpectedMember(member.key), path: "")
        }
        func member(_ name: String) throws(XPCJSONDescriptionError) -> JSONValue {
            guard let value = json[name] else { throw .invalidDescription(.missingMember(name), path: "") }
            return value
        }
        let version = try parseVersion(member("version"))
        guard let flags = try unsignedInteger(member("flags"), as: UInt16.self) else {
            throw .invalidDescription(.invalidValue(expected: "flags as an integer 0…65535"), path: "/flags")
        }
        guard case .array(let slotNames) = try member("slots") else {
            throw .invalidDescription(.invalidValue(expected: "an array of slot kinds"), path: "/slots")
        }
        var slots: [XPCSlotKind] = []
        for (index, name) in slotNames.enumerated() {
            guard let kind = XPCSlotKind.allCases.first(where: { name.stringValue == $0.description }) else {
                throw .invalidDescription(.invalidValue(expected: "\"fd\" or \"endpoint\""), path: "/slots/\(index)")
            }
            slots.append(kind)
        }
        let message = try message(from: member("body"), path: "/body")
        let table: [XPCSlotKind]
        do {
            var referenced = BodyEncoder(maximumDepth: Int.max)
            try referenced.encode(message)
            table = try referenced.slotTable()
        } catch {
            throw .invalidDescription(.invalidValue(expected: "a body whose slots can be encoded (\(error))"), path: "/body")
        }
        guard table == slots else {
            throw .invalidDescription(.slotTableMismatch(declared: slots, referenced: table), path: "/slots")
        }
        return XPCEnvelope(version: version, flags: flags, slots: slots, message: message)
    }

    private static func parseVersion(_ json: JSONValue) throws(XPCJSONDescriptionError) -> XPCWireVersion {
        let parts = json.stringValue?.split(separator: ".", omittingEmptySubsequences: false) ?? []
        guard parts.count == 2, let major = canonicalInteger(parts[0], as: UInt8.self),
            let minor = canonicalInteger(parts[1], as: UInt8.self)
        else {
            throw .invalidDescription(.invalidValue(expected: "a version string \"MAJOR.MINOR\""), path: "/version")
        }
        return XPCWireVersion(major: major, minor: minor)
    }

    /// A JSON number written as plain decimal digits (no sign, fraction or exponent; SPEC §8.3).
    static func unsignedInteger<T: FixedWidthInteger & LosslessStringConvertible>(_ json: JSONValue, as type: T.Type) -> T? {
        guard case .number(let lexeme) = json, lexeme.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return canonicalInteger(Substring(lexeme), as: type)
    }

    /// Parses a decimal integer written the one way `String(value)` writes it (no `+`, no leading zeros).
    static func canonicalInteger<T: FixedWidthInteger & LosslessStringConvertible>(
        _ text: Substring, as _: T.Type
    ) -> T? {
        guard let value = T(String(text)), String(value) == text else { return nil }
        return value
    }

    static func message(from json: JSONValue, path: String) throws(XPCJSONDescriptionError) -> XPCMessage {
        guard case .object(let members) = json, members.count == 1, let member = members.first else {
            throw .invalidDescription(.expectedVariantObject, path: path)
        }
        let value = member.value
        let here = path + "/" + member.key
        func invalid(_ expected: String) -> XPCJSONDescriptionError {
            .invalidDescription(.invalidValue(expected: expected), path: here)
        }
        switch member.key {
        case "null":
            guard case .null = value else { throw invalid("null") }
            return .null
        case "bool":
            guard let bool = value.boolValue else { throw invalid("true or false") }
            return .bool(bool)
        case "int64":
            guard let text = value.stringValue, let number = canonicalInteger(Substring(text), as: Int64.self) else {
                throw invalid("a decimal string of a signed 64-bit integer")
            }
            return .int64(number)
        case "uint64":
            guard let text = value.stringValue, let number = canonicalInteger(Substring(text), as: UInt64.self) else {
                throw invalid("a decimal string of an unsigned 64-bit integer")
            }
            return .uint64(number)
        case "double":
            guard let text = value.stringValue, text.utf8.count == 16,
                text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
                let bits = UInt64(text, radix: 16)
            else { throw invalid("16 lowercase hex digits of the IEEE 754 bit pattern") }
            return .double(Double(bitPattern: bits))
        case "string":
            guard let text = value.stringValue else { throw invalid("a string") }
            guard !text.utf8.contains(0) else { throw .invalidDescription(.embeddedNUL, path: here) }
            return .string(text)
        case "data":
            guard let text = value.stringValue, let bytes = Base64.decode(text) else {
                throw invalid("canonical base64 with padding")
            }
            return .data(bytes)
        case "uuid":
            guard let text = value.stringValue, let uuid = UUID(uuidString: text), uuid.uuidString == text else {
                throw invalid("an uppercase UUID string 8-4-4-4-12")
            }
            return .uuid(uuid)
        case "date":
            guard let text = value.stringValue, let nanoseconds = canonicalInteger(Substring(text), as: Int64.self) else {
                throw invalid("a decimal string of signed 64-bit nanoseconds since 2001")
            }
            return .date(XPCDate(nanosecondsSinceReferenceDate: nanoseconds))
        case "fd", "endpoint":
            guard let slot = unsignedInteger(value, as: UInt16.self) else { throw invalid("a slot index 0…65535") }
            return member.key == "fd" ? .fd(slot: slot) : .endpoint(slot: slot)
        case "array":
            guard case .array(let elements) = value else { throw invalid("an array of values") }
            var messages: [XPCMessage] = []
            messages.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                messages.append(try message(from: element, path: here + "/\(index)"))
            }
            return .array(XPCArray(messages))
        case "dictionary":
            guard case .array(let pairs) = value else { throw invalid("an array of [key, value] pairs") }
            var entries: [XPCDictionary.Element] = []
            entries.reserveCapacity(pairs.count)
            for (index, pair) in pairs.enumerated() {
                let pairPath = here + "/\(index)"
                guard case .array(let parts) = pair, parts.count == 2, let key = parts[0].stringValue else {
                    throw .invalidDescription(.invalidValue(expected: "a [key, value] pair with a string key"), path: pairPath)
                }
                guard !key.utf8.contains(0) else { throw .invalidDescription(.embeddedNUL, path: pairPath + "/0") }
                // Keys strictly ascending by UTF-8 bytes (SPEC §8.3): one spelling per dictionary.
                if let previous = entries.last?.key {
                    let order = UTF8Order.compare(previous, key)
                    if order == 0 { throw .invalidDescription(.duplicateKey(key), path: pairPath + "/0") }
                    if order > 0 {
                        throw .invalidDescription(
                            .invalidValue(expected: "keys in ascending UTF-8 byte order"), path: pairPath + "/0")
                    }
                }
                entries.append(XPCDictionary.Element(key: key, value: try message(from: parts[1], path: pairPath + "/1")))
            }
            let dictionary = XPCDictionary(sortedUniqueEntries: entries)
            return .dictionary(dictionary)
        default:
            throw .invalidDescription(.unknownVariant(member.key), path: path)
        }
    }
}
