import Foundation
@testable import XPCWire

/// Reading and writing the golden fixture files under `Fixtures/`, for ``FixtureTests`` and
/// ``CodableFixtureTests``.
///
/// Fixtures are written only with `XPCWIRE_WRITE_FIXTURES=1` and only when missing: a test never
/// rewrites a committed fixture, so a changed encoding fails instead of silently updating it.
enum FixtureFiles {
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

    /// Names of all files in a fixture directory.
    static func files(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Self.directory(directory).path).sorted()
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
}
