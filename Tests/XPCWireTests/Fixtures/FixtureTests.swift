import Foundation
import Testing
@testable import XPCWire

/// The golden fixtures pin the format (SPEC §3–§5, §8): every valid fixture decodes to its JSON
/// description and re-encodes to identical bytes; every invalid one fails with its recorded error.
@Suite struct FixtureTests {
    // MARK: Valid

    @Test("Catalog messages encode to the committed bytes and descriptions", arguments: FixtureCatalog.valid)
    func catalogMatchesCommittedFixture(_ fixture: FixtureCatalog.Valid) throws {
        let bytes = try XPCWireEncoder().encode(fixture.message)
        let envelope = try XPCWireDecoder().decodeEnvelope(bytes)
        try FixtureFiles.writeIfMissing("v1", fixture.name + ".bin", bytes)
        try FixtureFiles.writeIfMissing("v1", fixture.name + ".json", Array(FixtureFiles.fixtureText(envelope).utf8))
        #expect(try FixtureFiles.read("v1", fixture.name + ".bin") == bytes, "fixture bytes changed: a format change")
        #expect(try FixtureFiles.readText("v1", fixture.name + ".json") == FixtureFiles.fixtureText(envelope))
    }

    @Test("Every v1 fixture decodes to its description and re-encodes byte-identically")
    func everyValidFixtureRoundTrips() throws {
        let names = try FixtureFiles.names(in: "v1")
        #expect(names.count >= 40)
        #expect(Set(names) == Set(FixtureCatalog.valid.map(\.name)), "fixtures and catalog differ")
        let strict = XPCWireDecoder(options: XPCWireDecodingOptions(requiresCanonicalEncoding: true))
        for name in names {
            let bytes = try FixtureFiles.read("v1", name + ".bin")
            let envelope = try XPCWireDecoder().decodeEnvelope(bytes)
            let described = try XPCEnvelope(jsonDescription: try FixtureFiles.readText("v1", name + ".json"))
            #expect(envelope == described, "\(name): decoded message differs from its description")
            #expect(try strict.decodeEnvelope(bytes) == envelope, "\(name)")
            #expect(try XPCWireEncoder().encode(envelope.message) == bytes, "\(name): re-encoding differs")
        }
    }

    @Test("The fixtures cover all thirteen variants")
    func fixturesCoverEveryVariant() throws {
        var kinds = Set<XPCMessage.Kind>()
        func visit(_ message: XPCMessage) {
            kinds.insert(message.kind)
            message.arrayValue?.forEach(visit)
            message.dictionaryValue?.forEach { visit($0.value) }
        }
        for name in try FixtureFiles.names(in: "v1") {
            visit(try XPCWireDecoder().decode(try FixtureFiles.read("v1", name + ".bin")))
        }
        #expect(kinds == Set(XPCMessage.Kind.allCases))
    }

    // MARK: Invalid

    /// The `.json` beside an invalid fixture: `{"error": KIND, "offset": N}`.
    static func invalidRecord(error: String, offset: Int) -> String {
        JSONValue.object([
            JSONMember(key: "error", value: .string(error)),
            JSONMember(key: "offset", value: JSONValue(integer: offset)),
        ]).serialized() + "\n"
    }

    @Test("Catalog invalid inputs match the committed files", arguments: FixtureCatalog.invalid)
    func invalidCatalogMatchesCommittedFixture(_ fixture: FixtureCatalog.Invalid) throws {
        let record = Self.invalidRecord(error: fixture.error, offset: fixture.offset)
        try FixtureFiles.writeIfMissing("invalid", fixture.name + ".bin", fixture.bytes)
        try FixtureFiles.writeIfMissing("invalid", fixture.name + ".json", Array(record.utf8))
        #expect(try FixtureFiles.read("invalid", fixture.name + ".bin") == fixture.bytes)
        #expect(try FixtureFiles.readText("invalid", fixture.name + ".json") == record)
    }

    @Test("Every invalid fixture fails with its recorded error kind and offset")
    func everyInvalidFixtureFails() throws {
        let names = try FixtureFiles.names(in: "invalid")
        #expect(names.count >= 30)
        #expect(Set(names) == Set(FixtureCatalog.invalid.map(\.name)), "fixtures and catalog differ")
        for name in names {
            let bytes = try FixtureFiles.read("invalid", name + ".bin")
            let record = try JSONValue(parsing: try FixtureFiles.read("invalid", name + ".json"))
            let expectedKind = try #require(record["error"]?.stringValue)
            let expectedOffset = try #require(record["offset"]?.integerValue(as: Int.self))
            do {
                let message = try XPCWireDecoder().decode(bytes)
                Issue.record("\(name): decoded to \(message) instead of failing")
            } catch {
                #expect(error.kindName == expectedKind, "\(name): \(error)")
                #expect(error.offset == expectedOffset, "\(name): \(error)")
            }
        }
    }

    // MARK: Non-canonical

    /// The `.json` beside a non-canonical fixture: the strict error and what the bytes decode to by default.
    static func nonCanonicalRecord(reason: String, offset: Int, envelope: XPCEnvelope) throws -> String {
        let description = try JSONValue(parsing: envelope.jsonDescription(pretty: false))
        return JSONValue.object([
            JSONMember(key: "reason", value: .string(reason)),
            JSONMember(key: "offset", value: JSONValue(integer: offset)),
            JSONMember(key: "decodesTo", value: description),
        ]).serialized() + "\n"
    }

    @Test("Catalog non-canonical inputs match the committed files", arguments: FixtureCatalog.nonCanonical)
    func nonCanonicalCatalogMatchesCommittedFixture(_ fixture: FixtureCatalog.NonCanonical) throws {
        let envelope = try XPCWireDecoder().decodeEnvelope(fixture.bytes)
        #expect(envelope.message == fixture.message)
        let record = try Self.nonCanonicalRecord(reason: fixture.reason.rawValue, offset: fixture.offset, envelope: envelope)
        try FixtureFiles.writeIfMissing("noncanonical", fixture.name + ".bin", fixture.bytes)
        try FixtureFiles.writeIfMissing("noncanonical", fixture.name + ".json", Array(record.utf8))
        #expect(try FixtureFiles.read("noncanonical", fixture.name + ".bin") == fixture.bytes)
        #expect(try FixtureFiles.readText("noncanonical", fixture.name + ".json") == record)
    }

    @Test("Non-canonical fixtures decode by default and fail in strict mode at the recorded offset")
    func everyNonCanonicalFixtureIsRejectedStrictly() throws {
        let names = try FixtureFiles.names(in: "noncanonical")
        #expect(Set(names) == Set(FixtureCatalog.nonCanonical.map(\.name)))
        let strict = XPCWireDecoder(options: XPCWireDecodingOptions(requiresCanonicalEncoding: true))
        for name in names {
            let bytes = try FixtureFiles.read("noncanonical", name + ".bin")
            let record = try JSONValue(parsing: try FixtureFiles.read("noncanonical", name + ".json"))
            let reason = try #require(record["reason"]?.stringValue.flatMap(XPCWireDecodingError.NonCanonicalReason.init))
            let offset = try #require(record["offset"]?.integerValue(as: Int.self))
            let decodesTo = try #require(record["decodesTo"])
            let envelope = try XPCWireDecoder().decodeEnvelope(bytes)
            #expect(envelope == (try XPCEnvelope(jsonDescription: decodesTo.serialized())), "\(name)")
            #expect(throws: XPCWireDecodingError.nonCanonical(reason, offset: offset), "\(name)") {
                try strict.decode(bytes)
            }
            // Re-encoding gives the canonical form, which strict decoding accepts as the same message.
            let canonical = try XPCWireEncoder().encode(envelope.message)
            #expect(canonical != bytes)
            #expect(try strict.decode(canonical) == envelope.message)
        }
    }
}

extension FixtureCatalog.Valid: CustomTestStringConvertible {
    var testDescription: String { name }
}

extension FixtureCatalog.Invalid: CustomTestStringConvertible {
    var testDescription: String { name }
}

extension FixtureCatalog.NonCanonical: CustomTestStringConvertible {
    var testDescription: String { name }
}
