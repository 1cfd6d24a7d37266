/// `XPCMessage` is `Codable`, so a struct can hold a dynamic field (SPEC §9.1).
///
/// Through ``XPCEncoder`` and ``XPCDecoder`` the message is carried exactly as it is. Other coders
/// (JSON, property lists) get a best-effort mapping: scalars as themselves, `data` as an array of
/// bytes, `uuid` as its string, `date` as nanoseconds, fd and endpoint slots as their index — use
/// the JSON description (SPEC §8) when a lossless text form is needed.
extension XPCMessage: Codable {
    /// Decodes a message; through ``XPCDecoder`` this is the value exactly as received.
    public init(from decoder: any Decoder) throws {
        if let decoder = decoder as? ValueDecoder {
            self = decoder.message
            return
        }
        if let keyed = try? decoder.container(keyedBy: XPCCodingKey.self) {
            var dictionary = XPCDictionary()
            for key in keyed.allKeys {
                dictionary[key.stringValue] = try keyed.decode(XPCMessage.self, forKey: key)
            }
            self = .dictionary(dictionary)
            return
        }
        if var unkeyed = try? decoder.unkeyedContainer() {
            var elements: [XPCMessage] = []
            while !unkeyed.isAtEnd { elements.append(try unkeyed.decode(XPCMessage.self)) }
            self = .array(XPCArray(elements))
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let value = try? single.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? single.decode(Int64.self) {
            self = .int64(value)
        } else if let value = try? single.decode(UInt64.self) {
            self = .uint64(value)
        } else if let value = try? single.decode(Double.self) {
            self = .double(value)
        } else {
            self = .string(try single.decode(String.self))
        }
    }

    /// Encodes a message; through ``XPCEncoder`` this is the value exactly as it is.
    public func encode(to encoder: any Encoder) throws {
        if let encoder = encoder as? ValueEncoder {
            encoder.future = .value(self)
            return
        }
        switch self {
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(element) }
        case .dictionary(let dictionary):
            var container = encoder.container(keyedBy: XPCCodingKey.self)
            for entry in dictionary { try container.encode(entry.value, forKey: XPCCodingKey(stringValue: entry.key)) }
        default:
            var container = encoder.singleValueContainer()
            switch self {
            case .null: try container.encodeNil()
            case .bool(let value): try container.encode(value)
            case .int64(let value): try container.encode(value)
            case .uint64(let value): try container.encode(value)
            case .double(let value): try container.encode(value)
            case .string(let value): try container.encode(value)
            case .data(let bytes): try container.encode(bytes)
            case .fd(let slot), .endpoint(let slot): try container.encode(slot)
            case .uuid(let uuid): try container.encode(uuid.uuidString)
            case .date(let date): try container.encode(date.nanosecondsSinceReferenceDate)
            case .array, .dictionary: break  // handled above
            }
        }
    }
}

extension XPCEndpointHandle: Codable {
    /// Decodes an endpoint; only ``XPCDecoder`` can, from an endpoint slot.
    public init(from decoder: any Decoder) throws {
        throw DecodingError.typeMismatch(XPCEndpointHandle.self, DecodingError.Context(
            codingPath: decoder.codingPath, debugDescription: "Endpoints can only be decoded by XPCDecoder."))
    }

    /// Encodes an endpoint; only ``XPCEncoder`` can, as an endpoint slot.
    public func encode(to encoder: any Encoder) throws {
        throw EncodingError.invalidValue(self, EncodingError.Context(
            codingPath: encoder.codingPath, debugDescription: "Endpoints can only be encoded by XPCEncoder."))
    }
}
