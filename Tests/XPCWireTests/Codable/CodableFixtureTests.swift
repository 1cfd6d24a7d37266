import Foundation
import Testing
@testable import XPCWire

/// The typed golden fixtures pin the Codable mapping (SPEC §9.1): each catalog value encodes to its
/// committed envelope and description, and the committed bytes decode to the value again.
@Suite struct CodableFixtureTests {
    static let directory = "codable"

    @Test("Catalog values encode to the committed bytes and descriptions", arguments: CodableFixtureCatalog.all)
    func catalogMatchesCommittedFixture(_ fixture: CodableFixtureCatalog.Fixture) throws {
        let encoded = try fixture.encode()
        #expect(encoded.attachments == fixture.attachments)
        let envelope = try XPCWireDecoder().decodeEnvelope(encoded.bytes)
        try FixtureFiles.writeIfMissing(Self.directory, fixture.name + ".bin", encoded.bytes)
        try FixtureFiles.writeIfMissing(Self.directory, fixture.name + ".json", Array(FixtureFiles.fixtureText(envelope).utf8))
        #expect(try FixtureFiles.read(Self.directory, fixture.name + ".bin") == encoded.bytes, "fixture bytes changed: a mapping or format change")
        #expect(try FixtureFiles.readText(Self.directory, fixture.name + ".json") == FixtureFiles.fixtureText(envelope))

        // The tree path gives the same bytes.
        let (tree, attachments) = try fixture.encodeMessage()
        #expect(attachments == fixture.attachments)
        #expect(try XPCWireEncoder().encode(tree, attachments: attachments) == encoded.bytes)
    }

    @Test("Committed bytes decode to the catalog value and re-encode byte-identically", arguments: CodableFixtureCatalog.all)
    func committedFixtureDecodesToTheValue(_ fixture: CodableFixtureCatalog.Fixture) throws {
        let bytes = try FixtureFiles.read(Self.directory, fixture.name + ".bin")
        let decoded = try fixture.decodeAndReencode(bytes, fixture.attachments)
        #expect(decoded.isValue, "\(fixture.name): the committed bytes decode to a different value")
        #expect(decoded.bytes == bytes, "\(fixture.name): re-encoding differs")

        // The bytes are canonical, their slot table is the attachments', and the JSON describes them.
        let strict = XPCWireDecoder(options: XPCWireDecodingOptions(requiresCanonicalEncoding: true))
        let envelope = try strict.decodeEnvelope(bytes)
        #expect(envelope.slots == fixture.attachments.map(\.kind))
        let text = try FixtureFiles.readText(Self.directory, fixture.name + ".json")
        #expect(text == FixtureFiles.fixtureText(envelope))
        #expect(try XPCEnvelope(jsonDescription: text) == envelope)
    }

    @Test("Fixtures/codable holds exactly the catalog's fixtures")
    func directoryHoldsExactlyTheCatalog() throws {
        let expected = CodableFixtureCatalog.all.flatMap { [$0.name + ".bin", $0.name + ".json"] }.sorted()
        #expect(try FixtureFiles.files(in: Self.directory) == expected)
        #expect(Set(CodableFixtureCatalog.all.map(\.name)).count == CodableFixtureCatalog.all.count, "duplicate fixture names")
    }
}
