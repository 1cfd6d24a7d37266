import ArgumentParser
import Foundation
import XPCWire

extension XPCWireCommand {
    /// The README's main job: a tour of the format on sample messages of every variant.
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build sample messages of every variant; encode, validate, decode and print them.")

        @Flag(help: "Also print each envelope's bytes in hex.")
        var hex = false

        @Flag(help: "Instead, round-trip a file descriptor between two processes over the socket transport.")
        var transport = false

        func run() throws {
            if transport { return try TransportDemo.run() }
            let encoder = XPCWireEncoder()
            let strict = XPCWireDecoder(options: XPCWireDecodingOptions(requiresCanonicalEncoding: true))
            var failures = 0
            for (title, message) in Self.samples {
                print("== \(title)")
                let bytes = try encoder.encode(message)
                let envelope = try strict.decodeEnvelope(bytes)
                let roundTrips = envelope.message == message && (try? encoder.encode(envelope.message)) == bytes
                if !roundTrips { failures += 1 }
                print("\(bytes.count) bytes, \(envelope.slots.count) slots, canonical: yes, round trip: \(roundTrips ? "identical" : "DIFFERENT")")
                if hex { print(Self.hexDump(bytes)) }
                print(XPCWireCommand.Dump.render(envelope))
                print()
            }
            print("== a malformed message is rejected with its offset")
            var broken = try encoder.encode(["name": "ok"])
            broken[broken.count - 1] = 0xff  // invalid UTF-8 in "ok"
            do {
                _ = try strict.decode(broken)
                failures += 1
                print("unexpectedly accepted")
            } catch {
                print("error: \(error)")
            }
            if failures > 0 { throw ExitCode(1) }
        }

        static func hexDump(_ bytes: [UInt8]) -> String {
            stride(from: 0, to: bytes.count, by: 16).map { start in
                let line = bytes[start..<min(start + 16, bytes.count)]
                let offset = String(start, radix: 16)
                return String(repeating: "0", count: max(0, 6 - offset.count)) + offset + "  "
                    + line.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
            }.joined(separator: "\n")
        }

        /// Sample messages covering all thirteen variants.
        static var samples: [(String, XPCMessage)] {
            let launch = try? XPCDate(Date(timeIntervalSinceReferenceDate: 786_000_000.123_456_789))
            return [
                ("scalars", [
                    "null": nil, "bool": true, "int64": -42, "uint64": .uint64(42), "double": 2.5,
                    "string": "héllo, wörld", "data": .data(Array("XPC".utf8)),
                ]),
                ("identity and time", [
                    "uuid": .uuid(UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F") ?? UUID()),
                    "date": .date(launch ?? .referenceDate),
                    "before 2001": .date(XPCDate(nanosecondsSinceReferenceDate: -1)),
                ]),
                ("out-of-band attachments (slot indices; descriptors travel beside the bytes)", [
                    "log": .fd(slot: 0), "reply-to": .endpoint(slot: 1), "log again": .fd(slot: 0),
                ]),
                ("containers and key order by UTF-8 bytes", [
                    "items": [1, "two", 3.0, [], [:]],
                    "é": "precomposed", "e\u{301}": "decomposed", "Z": "uppercase sorts first",
                ]),
                ("integer edges", [
                    .int64(.min), .int64(-33), .int64(-32), 127, 128, .int64(.max),
                    .uint64(0), .uint64(255), .uint64(256), .uint64(.max),
                ]),
                ("double specials", [.double(-0.0), .double(.infinity), .double(.nan), .double(.leastNonzeroMagnitude)]),
            ]
        }
    }
}
