import Foundation
import Testing
@testable import XPCWire

/// The golden fixtures pin the format (SPEC §3–§5, §8): every valid fixture decodes to its JSON
/// description and re-encodes to identical bytes; every invalid one fails with its recorded error.
@Suite struct FixtureTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let writesMissingFixtures = ProcessInfo.processInfo.environment["XPCWIRE_WRITE_FIXTURES"] == "1"

    static func directory(_ name: String) -> URL { root.appendingPathComponent(name) }

    /// Names of the `.bin` files in a fixture directory.
    static func names(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Self.directory(directory).path)
            .filter { $0.hasSuffix(".bin") }
            .map { String($0.dropLast(4)) }
            .sorted()
    }

    static func read(_ directory: String, _ file: String) throws -> [UInt8] {
        Array(try Data(contentsOf: Self.directory(directory).appendingPathComponent(file)))
    }

    static func readText(_ directory: String, _ file: String) throws -> String {
        String(decoding: try read(directory, file), as: UTF8.self)
    }

    /// Writes a file only when asked to and only when it does not exist: fixtures are never rewritten.
    static func writeIfMissing(_ directory: String, _ file: String, _ bytes: [UInt8]) throws {
        let url = Self.directory(directory).appendingPathComponent(file)
        guard writesMissingFixtures, !FileManager.default.fileExists(atPath: url.path) else { return }
        try FileManager.default.createDirectory(at: Self.directory(directory), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    /// Fixture descriptions are pretty-printed, except where that would pass 64 KiB (large or deep
    /// bodies), which are written on one line.
    static func fixtureText(_ envelope: XPCEnvelope) -> String {
        let pretty = envelope.jsonDescription(pretty: true)
        return (pretty.utf8.count <= 65_536 ? pretty : envelope.jsonDescription(pretty: false)) + "\n"
    }

    // MARK: Valid

    @Test("Catalog messages encode to the committed bytes and descriptions", arguments: FixtureCatalog.valid)
    func catalogMatchesCommittedFixture(_ fixture: FixtureCatalog.Valid) throws {
        let bytes = try XPCWireEncoder().encode(fixture.message)
        let envelope = try XPCWireDecoder().decodeEnvelope(bytes)
        try Self.writeIfMissing("v1", fixture.name + ".bin", bytes)
        try Self.writeIfMissing("v1", fixture.name + ".json", Array(Self.fixtureText(envelope).utf8))
        #expect(try Self.read("v1", fixture.name + ".bin") == bytes, "fixture bytes changed: a format change")
        #expect(try Self.readText("v1", fixture.name + ".json") == Self.fixtureText(envelope))
    }

    @Test("Every v1 fixture decodes to its description and re-encodes byte-identically")
    func everyValidFixtureRoundTrips() throws {
        let names = try Self.names(in: "v1")
        #expect(names.count >= 40)
        #expect(Set(names) == Set(FixtureCatalog.valid.map(\.name)), "fixtures and catalog differ")
        let strict = XPCWireDecoder(options: XPCWireDecodingOptions(requiresCanonicalEncoding: true))
        for name in names {
            let bytes = try Self.read("v1", name + ".bin")
            let envelope = try XPCWireDecoder().decodeEnvelope(bytes)
            let described = try XPCEnvelope(jsonDescription: try Self.readText("v1", name + ".json"))
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
        for name in try Self.names(in: "v1") {
            visit(try XPCWireDecoder().decode(try Self.read("v1", name + ".bin")))
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
        try Self.writeIfMissing("invalid", fixture.name + ".bin", fixture.bytes)
        try Self.writeIfMissing("invalid", fixture.name + ".json", Array(record.utf8))
        #expect(try Self.read("invalid", fixture.name + ".bin") == fixture.bytes)
        #expect(try Self.readText("invalid", fixture.name + ".json") == record)
    }

    @Test("Every invalid fixture fails with its recorded error kind and offset")
    func everyInvalidFixtureFails() throws {
        let names = try Self.names(in: "invalid")
        #expect(names.count >= 30)
        #expect(Set(names) == Set(FixtureCatalog.invalid.map(\.name)), "fixtures and catalog differ")
        for name in names {
            let bytes = try Self.read("invalid", name + ".bin")
            let record = try JSONValue(parsing: try Self.read("invalid", name + ".json"))
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
        try Self.writeIfMissing("noncanonical", fixture.name + ".bin", fixture.bytes)
        try Self.writeIfMissing("noncanonical", fixture.name + ".json", Array(record.utf8))
        #expect(try Self.read("noncanonical", fixture.name + ".bin") == fixture.bytes)
        #expect(try Self.readText("noncanonical", fixture.name + ".json") == record)
    }

    @Test("Non-canonical fixtures decode by default and fail in strict mode at the recorded offset")
    func everyNonCanonicalFixtureIsRejectedStrictly() throws {
        let names = try Self.names(in: "noncanonical")
        #expect(Set(names) == Set(FixtureCatalog.nonCanonical.map(\.name)))
        let strict = XPCWireDecoder(options: XPCWireDecodingOptions(requiresCanonicalEncoding: true))
        for name in names {
            let bytes = try Self.read("noncanonical", name + ".bin")
            let record = try JSONValue(parsing: try Self.read("noncanonical", name + ".json"))
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
