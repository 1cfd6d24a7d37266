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
    /// Reads a schema's JSON form, turning an invalid one into a message and exit status 1.
    static func readSchema(at path: String) throws -> XPCSchema {
        let bytes = try FileIO.read(path)
        do {
            return try XPCSchema(jsonDescriptionUTF8: bytes)
        } catch {
            FileIO.printError("\(FileIO.displayName(path)): \(error)")
            throw ExitCode(1)
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check an envelope's message against a schema; exit status 1 if it does not match.",
            discussion: "On failure every violation is printed on its own line, as 'PATH: REASON'.")

        @Argument(help: "The schema's JSON form (SPEC §9.4.1).")
        var schemaFile: String

        @Argument(help: "The envelope to check, or '-' for standard input.")
        var messageFile: String

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
                    print(violation)
                }
                throw ExitCode(1)
            }
            print("\(FileIO.displayName(messageFile)): matches \(FileIO.displayName(schemaFile))")
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the breaking changes between two schema versions; exit status 1 if there are any.",
            discussion: """
                By default the new version reads what the old one wrote (backward): adding a required \
                field or narrowing a range breaks, adding an optional field or widening a range does not. \
                '--direction forward' checks old readers against new messages; 'both' checks both ways.
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
