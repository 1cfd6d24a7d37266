// Helpers shared by the Codable bridge tests (SPEC §9.1). Self-contained on purpose: the wire test
// helpers at the top level of the test target belong to other suites.

import Foundation
import SystemPackage
import Testing
@testable import XPCWire

/// A coding key with any string or integer value, for hand-written `encode(to:)` / `init(from:)`.
struct CodableTestKey: CodingKey, Hashable {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }

    init(_ stringValue: String) { self.init(stringValue: stringValue) }
}

enum CodableTesting {
    /// A 1.0 envelope around `body` with the given slot kinds (SPEC §3.1), built by hand.
    static func envelope(body: [UInt8], slots: [UInt8] = []) -> [UInt8] {
        var bytes: [UInt8] = [0x58, 0x50, 0x43, 0x57, 0x01, 0x00, 0x00, 0x00]
        bytes += [UInt8(truncatingIfNeeded: slots.count >> 8), UInt8(truncatingIfNeeded: slots.count)]
        let length = UInt32(body.count)
        bytes += [UInt8(length >> 24), UInt8(truncatingIfNeeded: length >> 16), UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
        return bytes + slots + body
    }

    /// The string values of a coding path: `["items", "Index 2", "name"]`.
    static func strings(_ path: [any CodingKey]) -> [String] { path.map(\.stringValue) }

    /// The integer values of a coding path: `nil` for keys, the index for array positions.
    static func ints(_ path: [any CodingKey]) -> [Int?] { path.map(\.intValue) }

    /// Checks a mapping in both directions and on both paths:
    /// - tree: `encodeMessage` gives exactly `expected` and `attachments`; decoding `expected` gives `value`;
    /// - bytes: `encode` gives exactly `XPCWireEncoder().encode(expected, attachments:)`, and decoding
    ///   those bytes gives `value`.
    static func expectMapping<T: Codable & Equatable>(
        _ value: T, _ expected: XPCMessage, attachments expectedAttachments: [XPCAttachment] = [],
        encoder: XPCEncoder = XPCEncoder(), decoder: XPCDecoder = XPCDecoder(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        var attachments: [XPCAttachment] = []
        let tree = try encoder.encodeMessage(value, attachments: &attachments)
        #expect(tree == expected, "tree:\n\(tree.treeDescription())\nexpected:\n\(expected.treeDescription())", sourceLocation: sourceLocation)
        #expect(attachments == expectedAttachments, sourceLocation: sourceLocation)
        let fromTree = try decoder.decode(T.self, from: expected, attachments: expectedAttachments)
        #expect(fromTree == value, sourceLocation: sourceLocation)

        let encoded = try encoder.encode(value)
        let wireBytes = try XPCWireEncoder().encode(expected, attachments: expectedAttachments)
        #expect(encoded.bytes == wireBytes, "bytes path differs from the tree path", sourceLocation: sourceLocation)
        #expect(encoded.attachments == expectedAttachments, sourceLocation: sourceLocation)
        let fromBytes = try decoder.decode(T.self, from: encoded.bytes, attachments: encoded.attachments)
        #expect(fromBytes == value, sourceLocation: sourceLocation)
    }

    /// Encodes through both paths and checks only the encoding direction (for types that do not
    /// decode back to an equal value, such as `Date`s that are not whole nanoseconds).
    static func expectEncoding<T: Encodable>(
        _ value: T, _ expected: XPCMessage, encoder: XPCEncoder = XPCEncoder(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        var attachments: [XPCAttachment] = []
        let tree = try encoder.encodeMessage(value, attachments: &attachments)
        #expect(tree == expected, "tree:\n\(tree.treeDescription())", sourceLocation: sourceLocation)
        let encoded = try encoder.encode(value)
        #expect(encoded.bytes == (try XPCWireEncoder().encode(expected, attachments: attachments)), sourceLocation: sourceLocation)
    }

    /// The error of type `E` that `operation` throws; records an issue when it succeeds (naming
    /// what it produced) or throws something else.
    static func expectedError<E: Error, Result>(
        _: E.Type, _ operation: () throws -> Result, describing: (Result) -> String,
        sourceLocation: SourceLocation
    ) -> E? {
        do {
            let result = try operation()
            Issue.record("\(describing(result)) instead of failing", sourceLocation: sourceLocation)
        } catch let error as E {
            return error
        } catch {
            Issue.record("threw \(error), not a\(E.self == EncodingError.self ? "n" : "") \(E.self)", sourceLocation: sourceLocation)
        }
        return nil
    }

    /// The `DecodingError` that decoding `message` as `T` throws; records an issue when it does not.
    static func decodingError<T: Decodable>(
        _ type: T.Type, from message: XPCMessage, attachments: [XPCAttachment] = [],
        decoder: XPCDecoder = XPCDecoder(), sourceLocation: SourceLocation = #_sourceLocation
    ) -> DecodingError? {
        expectedError(DecodingError.self, { try decoder.decode(type, from: message, attachments: attachments) },
                      describing: { "decoded \($0)" }, sourceLocation: sourceLocation)
    }

    /// The `DecodingError` that decoding `bytes` as `T` throws; records an issue when it does not.
    static func decodingError<T: Decodable>(
        _ type: T.Type, fromBytes bytes: [UInt8], attachments: [XPCAttachment] = [],
        decoder: XPCDecoder = XPCDecoder(), sourceLocation: SourceLocation = #_sourceLocation
    ) -> DecodingError? {
        expectedError(DecodingError.self, { try decoder.decode(type, from: bytes, attachments: attachments) },
                      describing: { "decoded \($0)" }, sourceLocation: sourceLocation)
    }

    /// The `EncodingError` that encoding `value` as a tree throws; records an issue when it does not.
    static func encodingError<T: Encodable>(
        _ value: T, encoder: XPCEncoder = XPCEncoder(), sourceLocation: SourceLocation = #_sourceLocation
    ) -> EncodingError? {
        expectedError(EncodingError.self, {
            var attachments: [XPCAttachment] = []
            return try encoder.encodeMessage(value, attachments: &attachments)
        }, describing: { "encoded \($0)" }, sourceLocation: sourceLocation)
    }

    /// The `EncodingError` that encoding `value` to bytes throws; records an issue when it does not.
    static func bytesEncodingError<T: Encodable>(
        _ value: T, encoder: XPCEncoder = XPCEncoder(), sourceLocation: SourceLocation = #_sourceLocation
    ) -> EncodingError? {
        expectedError(EncodingError.self, { try encoder.encode(value) },
                      describing: { "encoded \($0.bytes.count) bytes" }, sourceLocation: sourceLocation)
    }
}

extension DecodingError {
    /// The case name: `typeMismatch`, `valueNotFound`, `keyNotFound` or `dataCorrupted`.
    var caseName: String {
        switch self {
        case .typeMismatch: "typeMismatch"
        case .valueNotFound: "valueNotFound"
        case .keyNotFound: "keyNotFound"
        case .dataCorrupted: "dataCorrupted"
        @unknown default: "unknown"
        }
    }

    var context: Context {
        switch self {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context),
            .dataCorrupted(let context):
            context
        @unknown default:
            Context(codingPath: [], debugDescription: "")
        }
    }

    /// The coding path as strings.
    var pathStrings: [String] { CodableTesting.strings(context.codingPath) }

    /// The wire error underneath a `dataCorrupted` raised for invalid bytes.
    var wireError: XPCWireDecodingError? { context.underlyingError as? XPCWireDecodingError }

    /// The type a `typeMismatch` or `valueNotFound` names.
    var namedType: Any.Type? {
        switch self {
        case .typeMismatch(let type, _), .valueNotFound(let type, _): type
        default: nil
        }
    }

    /// The missing key of a `keyNotFound`.
    var missingKey: String? {
        if case .keyNotFound(let key, _) = self { return key.stringValue }
        return nil
    }
}

extension EncodingError {
    var context: Context {
        switch self {
        case .invalidValue(_, let context): context
        @unknown default: Context(codingPath: [], debugDescription: "")
        }
    }

    var pathStrings: [String] { CodableTesting.strings(context.codingPath) }
}
