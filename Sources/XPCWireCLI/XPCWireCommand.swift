import ArgumentParser
import XPCWire

/// `xpcwire`: inspect, validate and produce XPCWire envelopes.
@main
struct XPCWireCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xpcwire",
        abstract: "Inspect, validate and produce XPCWire messages (see SPEC.md).",
        discussion: "FILE arguments read standard input when given as '-'.",
        version: "xpcwire 0.1.0, format \(XPCWireVersion.current)",
        subcommands: [Dump.self, JSON.self, Encode.self, Validate.self, Demo.self, Random.self, Serve.self, Send.self, Schema.self]
    )
}

/// Options every reading command shares.
struct DecodingOptions: ParsableArguments {
    @Flag(help: "Reject input that is not canonically encoded (SPEC §5.3).")
    var canonical = false

    @Option(help: "Deepest nesting of arrays and dictionaries accepted.")
    var maxDepth = XPCWireLimits().maximumDepth

    @Option(help: "Largest envelope accepted, in bytes.")
    var maxSize = XPCWireLimits().maximumMessageSize

    func validate() throws {
        guard maxDepth >= 0 else { throw ValidationError("--max-depth must be 0 or more.") }
        guard maxSize >= 0 else { throw ValidationError("--max-size must be 0 or more.") }
    }

    var decoder: XPCWireDecoder {
        var limits = XPCWireLimits()
        limits.maximumDepth = maxDepth
        limits.maximumMessageSize = maxSize
        return XPCWireDecoder(options: XPCWireDecodingOptions(limits: limits, requiresCanonicalEncoding: canonical))
    }

    /// The deepest message `dump` and pretty `json` print: they indent every line once per level,
    /// so their output grows with the square of the depth (a million levels would be terabytes).
    static let maximumIndentedDepth = 1_024

    /// Exits with status 1 and a message when `envelope` is nested too deep to print indented.
    func checkIndentable(_ envelope: XPCEnvelope, from path: String, alternative: String) throws {
        let depth = envelope.message.nestingDepth
        guard depth > Self.maximumIndentedDepth else { return }
        FileIO.printError(
            "\(FileIO.displayName(path)): nested \(depth) levels deep; indented output stops at "
                + "\(Self.maximumIndentedDepth) levels (its size grows with the square of the depth): \(alternative)")
        throw ExitCode(1)
    }

    /// Reads and decodes FILE, turning a decoding error into a message and exit status 1.
    func decodeEnvelope(at path: String) throws -> XPCEnvelope {
        let bytes = try FileIO.read(path)
        do {
            return try decoder.decodeEnvelope(bytes)
        } catch {
            FileIO.printError("\(FileIO.displayName(path)): invalid: \(error)")
            throw ExitCode(1)
        }
    }
}

extension XPCWireCommand {
    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an envelope's header and its message as an indented tree.")

        @Argument(help: "The envelope to read, or '-' for standard input.")
        var file: String

        @OptionGroup var options: DecodingOptions

        func run() throws {
            let envelope = try options.decodeEnvelope(at: file)
            try options.checkIndentable(envelope, from: file, alternative: "use 'xpcwire json --compact' instead")
            print(Self.render(envelope))
        }

        static func render(_ envelope: XPCEnvelope) -> String {
            let slots = envelope.slots.enumerated().map { "\($0.offset):\($0.element)" }.joined(separator: " ")
            return """
                XPCWire \(envelope.version), flags 0x\(String(envelope.flags, radix: 16)), \
                \(envelope.slots.count) slot\(envelope.slots.count == 1 ? "" : "s")\(slots.isEmpty ? "" : " [\(slots)]")
                \(envelope.message.treeDescription())
                """
        }
    }

    struct JSON: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an envelope's lossless JSON description (SPEC §8).")

        @Argument(help: "The envelope to read, or '-' for standard input.")
        var file: String

        @Flag(help: "Print the description on one line.")
        var compact = false

        @OptionGroup var options: DecodingOptions

        func run() throws {
            let envelope = try options.decodeEnvelope(at: file)
            if !compact {
                try options.checkIndentable(envelope, from: file, alternative: "use --compact")
            }
            print(envelope.jsonDescription(pretty: !compact))
        }
    }

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encode a JSON description (SPEC §8) into a canonical envelope.")

        @Argument(help: "The JSON description to read, or '-' for standard input.")
        var jsonFile: String

        @Option(name: [.short, .long], help: "Where to write the envelope; '-' writes to standard output.")
        var output: String

        func run() throws {
            let text = try FileIO.read(jsonFile)
            let envelope: XPCEnvelope
            do {
                envelope = try XPCEnvelope(jsonDescriptionUTF8: text)
            } catch {
                FileIO.printError("\(FileIO.displayName(jsonFile)): \(error)")
                throw ExitCode(1)
            }
            guard envelope.version == .current, envelope.flags == 0 else {
                FileIO.printError(
                    "\(FileIO.displayName(jsonFile)): can only encode version \(XPCWireVersion.current) with flags 0, "
                        + "not version \(envelope.version) with flags \(envelope.flags)")
                throw ExitCode(1)
            }
            let bytes: [UInt8]
            do {
                bytes = try XPCWireEncoder().encode(envelope.message)
            } catch {
                FileIO.printError("\(FileIO.displayName(jsonFile)): cannot encode: \(error)")
                throw ExitCode(1)
            }
            try FileIO.write(bytes, to: output)
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that a file is a valid envelope; exit status 0 if it is, 1 if not.",
            discussion: "On failure the error names the byte offset at fault.")

        @Argument(help: "The envelope to check, or '-' for standard input.")
        var file: String

        @Flag(help: "Read a stream of concatenated envelopes and check each one.")
        var stream = false

        @OptionGroup var options: DecodingOptions

        func run() throws {
            guard stream else {
                let envelope = try options.decodeEnvelope(at: file)
                let mode = options.canonical ? "valid, canonical" : "valid"
                print("\(FileIO.displayName(file)): \(mode): XPCWire \(envelope.version), \(envelope.slots.count) slots, \(envelope.message.kind) body")
                return
            }
            let bytes = try FileIO.read(file)
            var start = 0
            var count = 0
            while start < bytes.count {
                let rest = bytes[start...]
                let length: Int
                do {
                    guard let declared = try XPCWireDecoder.declaredLength(ofEnvelopeStartingWith: rest) else {
                        throw XPCWireDecodingError.truncated(offset: 0)
                    }
                    length = min(declared, rest.count)
                    _ = try options.decoder.decodeEnvelope(Array(rest.prefix(length)))
                } catch {
                    FileIO.printError("\(FileIO.displayName(file)): envelope \(count) at byte \(start): invalid: \(error)")
                    throw ExitCode(1)
                }
                start += length
                count += 1
            }
            print("\(FileIO.displayName(file)): \(count) envelopes, all \(options.canonical ? "valid, canonical" : "valid")")
        }
    }
}
