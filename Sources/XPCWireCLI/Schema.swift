import ArgumentParser
import XPCWire

extension XPCWireCommand {
    /// `xpcwire schema`: check messages against schemas and schema versions against each other
    /// (SPEC §9.4).
    struct Schema: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check messages against a schema, or compare two schema versions (SPEC §9.4).",
            subcommands: [Check.self, Diff.self]
        )
    }
}

extension XPCWireCommand.Schema {
    /// Reads a schema's JSON form, turning an invalid one into a message and exit status 64
    /// (`ExitCode.validationFailure`, as for an unreadable file), so that status 1 always means
    /// "does not match" (`check`) or "breaking changes" (`diff`).
    static func readSchema(at path: String) throws -> XPCSchema {
        let bytes = try FileIO.read(path)
        do {
            return try XPCSchema(jsonDescriptionUTF8: bytes)
        } catch {
            FileIO.printError("\(FileIO.displayName(path)): \(error)")
            throw ExitCode.validationFailure
        }
    }

    /// One violation as a JSON object on one line: `path` as printed, `components` (keys as
    /// strings, indices as numbers), `kind` (the ``XPCSchemaViolation/Reason`` case) and `message`.
    static func jsonLine(_ violation: XPCSchemaViolation) -> String {
        let components: [JSONValue] = violation.path.components.map { component in
            switch component {
            case .key(let key): .string(key)
            case .index(let index): JSONValue(integer: index)
            }
        }
        let kind = switch violation.reason {
        case .kindMismatch: "kindMismatch"
        case .int64OutOfRange: "int64OutOfRange"
        case .uint64OutOfRange: "uint64OutOfRange"
        case .stringTooLong: "stringTooLong"
        case .dataTooLong: "dataTooLong"
        case .tooManyElements: "tooManyElements"
        case .missingRequiredField: "missingRequiredField"
        case .unexpectedKey: "unexpectedKey"
        case .noAlternativeMatched: "noAlternativeMatched"
        }
        return JSONValue.object([
            JSONMember(key: "path", value: .string(violation.path.description)),
            JSONMember(key: "components", value: .array(components)),
            JSONMember(key: "kind", value: .string(kind)),
            JSONMember(key: "message", value: .string(violation.reason.description)),
        ]).serialized(pretty: false)
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check an envelope's message against a schema; exit status 1 if it does not match.",
            discussion: """
                On failure every violation is printed on its own line, as 'PATH: REASON', or with \
                --json as a JSON object per line: {"path", "components", "kind", "message"}. Exit \
                status: 0 the message matches, 1 it does not (or the envelope cannot be decoded), \
                64 the schema is invalid or a file cannot be read.
                """)

        @Argument(help: "The schema's JSON form (SPEC §9.4.1).")
        var schemaFile: String

        @Argument(help: "The envelope to check, or '-' for standard input.")
        var messageFile: String

        @Flag(help: "Print each violation as a JSON object on its own line, and nothing on a match.")
        var json = false

        @OptionGroup var options: DecodingOptions

        func validate() throws {
            guard !(schemaFile == "-" && messageFile == "-") else {
                throw ValidationError("Only one of SCHEMA-FILE and MESSAGE-FILE can be '-' (standard input).")
            }
        }

        func run() throws {
            let schema = try XPCWireCommand.Schema.readSchema(at: schemaFile)
            let envelope = try options.decodeEnvelope(at: messageFile)
            let violations = schema.validate(envelope.message)
            guard violations.isEmpty else {
                for violation in violations {
                    print(json ? XPCWireCommand.Schema.jsonLine(violation) : violation.description)
                }
                throw ExitCode(1)
            }
            if !json {
                print("\(FileIO.displayName(messageFile)): matches \(FileIO.displayName(schemaFile))")
            }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the breaking changes between two schema versions; exit status 1 if there are any.",
            discussion: """
                By default the new version reads what the old one wrote (backward): adding a required \
                field or narrowing a range breaks, adding an optional field or widening a range does not. \
                '--direction forward' checks old readers against new messages; 'both' checks both ways. \
                Exit status: 0 no breaking change, 1 breaking changes, 64 a schema is invalid or a file \
                cannot be read.
                """)

        /// Which readers and writers to compare.
        enum Direction: String, ExpressibleByArgument, CaseIterable {
            case backward, forward, both
        }

        @Argument(help: "The old schema's JSON form.")
        var oldFile: String

        @Argument(help: "The new schema's JSON form.")
        var newFile: String

        @Option(help: "backward (new reader, old messages), forward (old reader, new messages) or both.")
        var direction: Direction = .backward

        func validate() throws {
            guard !(oldFile == "-" && newFile == "-") else {
                throw ValidationError("Only one of OLD-FILE and NEW-FILE can be '-' (standard input).")
            }
        }

        func run() throws {
            let old = try XPCWireCommand.Schema.readSchema(at: oldFile)
            let new = try XPCWireCommand.Schema.readSchema(at: newFile)
            var lines: [String] = []
            if direction != .forward {
                let prefix = direction == .both ? "new reader, old messages: " : ""
                lines += XPCSchema.compatibility(reader: new, writer: old).map { prefix + $0.description }
            }
            if direction != .backward {
                let prefix = direction == .both ? "old reader, new messages: " : ""
                lines += XPCSchema.compatibility(reader: old, writer: new).map { prefix + $0.description }
            }
            guard lines.isEmpty else {
                for line in lines {
                    print(line)
                }
                throw ExitCode(1)
            }
            print("no breaking changes (\(direction.rawValue))")
        }
    }
}
