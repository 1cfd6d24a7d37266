#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension XPCMessage: CustomStringConvertible, CustomDebugStringConvertible {
    /// A one-line rendering that names every scalar's variant, e.g.
    /// `{"n": int64 3, "f": fd slot 0, "tags": [string "a"]}`.
    public var description: String {
        var line = OneLineRendering()
        walk(&line)
        return line.output
    }

    /// The same as ``description``.
    public var debugDescription: String { description }

    /// A multi-line indented tree, one value per line, as `xpcwire dump` prints it.
    ///
    /// Every line is indented once per enclosing container, so the text grows with the square of
    /// the nesting depth; ``description`` grows only with the message.
    public func treeDescription(indentation: String = "  ") -> String {
        var tree = TreeRendering(indentation: indentation)
        walk(&tree)
        return tree.output
    }

    /// The scalar part of a rendering: `int64 3`, `string "a"`, `array (2)` and so on.
    static func summary(of message: XPCMessage) -> String {
        switch message {
        case .null: return "null"
        case .bool(let value): return "bool \(value)"
        case .int64(let value): return "int64 \(value)"
        case .uint64(let value): return "uint64 \(value)"
        case .double(let value): return "double \(value)"
        case .string(let value): return "string \(XPCMessage.quoted(value))"
        case .data(let bytes): return "data \(bytes.count) bytes \(hex(bytes, limit: 32))"
        case .fd(let slot): return "fd slot \(slot)"
        case .uuid(let value): return "uuid \(value.uuidString)"
        case .date(let value): return "date \(value)"
        case .endpoint(let slot): return "endpoint slot \(slot)"
        case .array(let elements): return "array (\(elements.count))"
        case .dictionary(let dictionary): return "dictionary (\(dictionary.count))"
        }
    }

    /// Quotes a string so that look-alikes stay apart: combining marks, invisible and control
    /// characters are written as `\u{…}` escapes, everything else literally.
    static func quoted(_ string: String) -> String {
        var text = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            default:
                switch scalar.properties.generalCategory {
                case .nonspacingMark, .enclosingMark, .spacingMark, .control, .format, .lineSeparator,
                    .paragraphSeparator, .privateUse, .surrogate, .unassigned:
                    text += "\\u{\(String(scalar.value, radix: 16))}"
                default:
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        return text + "\""
    }

    private static func hex(_ bytes: [UInt8], limit: Int) -> String {
        let digits: [Character] = Array("0123456789abcdef")
        var text = "<"
        for byte in bytes.prefix(limit) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        if bytes.count > limit { text += "…" }
        return text + ">"
    }

}

/// ``XPCMessage/description``: `[…]` and `{key: …}` around each value's summary.
private struct OneLineRendering: XPCMessageVisitor {
    var output = ""
    /// Whether the innermost open container has had a value yet.
    private var isFirst = true

    private mutating func begin(_ label: XPCMessageWalkLabel) {
        if case .root = label { return }
        if !isFirst { output += ", " }
        isFirst = false
        if case .key(let key) = label { output += XPCMessage.quoted(key) + ": " }
    }

    mutating func visitLeaf(_ message: XPCMessage, label: XPCMessageWalkLabel, depth: Int) {
        begin(label)
        output += XPCMessage.summary(of: message)
    }

    mutating func enterContainer(_ message: XPCMessage, count: Int, label: XPCMessageWalkLabel, depth: Int) {
        begin(label)
        if case .array = message { output += "[" } else { output += "{" }
        isFirst = true
    }

    mutating func leaveContainer(_ message: XPCMessage, label: XPCMessageWalkLabel, depth: Int) {
        if case .array = message { output += "]" } else { output += "}" }
        isFirst = false
    }
}

/// ``XPCMessage/treeDescription(indentation:)``: a line per value, indented by depth.
private struct TreeRendering: XPCMessageVisitor {
    let indentation: String
    var output = ""

    private mutating func line(_ message: XPCMessage, label: XPCMessageWalkLabel, depth: Int) {
        if !output.isEmpty { output += "\n" }
        output += String(repeating: indentation, count: depth)
        switch label {
        case .root: break
        case .index(let index): output += "[\(index)]: "
        case .key(let key): output += XPCMessage.quoted(key) + ": "
        }
        output += XPCMessage.summary(of: message)
    }

    mutating func visitLeaf(_ message: XPCMessage, label: XPCMessageWalkLabel, depth: Int) {
        line(message, label: label, depth: depth)
    }

    mutating func enterContainer(_ message: XPCMessage, count: Int, label: XPCMessageWalkLabel, depth: Int) {
        line(message, label: label, depth: depth)
    }

    mutating func leaveContainer(_ message: XPCMessage, label: XPCMessageWalkLabel, depth: Int) {}
}

extension XPCDate: CustomStringConvertible {
    /// The date in ISO 8601 form with nine fractional digits, UTC, e.g. `2001-01-01T00:00:00.000000000Z`.
    ///
    /// Computed with integer arithmetic (proleptic Gregorian calendar), so every representable
    /// nanosecond prints exactly.
    public var description: String {
        let nanosPerSecond: Int64 = 1_000_000_000
        var seconds = nanosecondsSinceReferenceDate / nanosPerSecond
        var fraction = nanosecondsSinceReferenceDate % nanosPerSecond
        if fraction < 0 {
            fraction += nanosPerSecond
            seconds -= 1
        }
        // Days relative to 1970-01-01, then the civil-from-days algorithm.
        let unixSeconds = seconds + XPCDate.unixEpochOffsetSeconds
        var days = unixSeconds / 86_400
        var secondOfDay = unixSeconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = XPCDate.civil(fromDaysSinceUnixEpoch: days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let yearText = year < 0 ? "-" + pad(-year, 4) : pad(year, 4)
        return "\(yearText)-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(fraction, 9))Z"
    }

    /// Howard Hinnant's days-to-civil conversion; inputs here are at most ±1.1e8 days, far from overflow.
    private static func civil(fromDaysSinceUnixEpoch days: Int64) -> (Int64, Int64, Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}
