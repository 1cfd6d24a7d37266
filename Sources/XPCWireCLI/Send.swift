import ArgumentParser
import Foundation
import XPCWire
import XPCWireTransport

extension XPCWireCommand {
    /// `xpcwire send PATH JSON_OR_FILE`: one request over the socket transport (SPEC §9.2).
    struct Send: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send one request to a socket and print the reply's JSON description (SPEC §8).",
            discussion: """
                The request is a JSON description: of an envelope (SPEC §8.1) or of a value alone (§8.2), \
                given inline (starting with '{') or as a file ('-' for standard input). It cannot refer to \
                fd or endpoint slots. Descriptors that come back with the reply are closed.
                """)

        @Argument(help: "The socket path to connect to.")
        var path: String

        @Argument(help: "The request: inline JSON, a file, or '-' for standard input.")
        var request: String

        @Flag(help: "Print the description on one line.")
        var compact = false

        @Option(help: "Give up after this many seconds without a reply.")
        var timeout: Double = 30

        func validate() throws {
            guard timeout > 0 else { throw ValidationError("--timeout must be more than 0.") }
        }

        func run() throws {
            let message = try Self.parse(request)
            let path = self.path
            let timeout = self.timeout
            let reply: XPCReceivedMessage
            do {
                reply = try AsyncBridge.run {
                    let connection = XPCConnection(socketPath: path)
                    defer { connection.cancel() }
                    return try await withThrowingTaskGroup(of: XPCReceivedMessage?.self) { group in
                        group.addTask { try await connection.sendRequestReceivingAttachments(message) }
                        group.addTask {
                            try await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                            return nil
                        }
                        defer { group.cancelAll() }
                        guard let first = try await group.next(), let reply = first else {
                            throw SendTimeout(seconds: timeout)
                        }
                        return reply
                    }
                }
            } catch {
                FileIO.printError("xpcwire send: \(error)")
                throw ExitCode(1)
            }
            defer { reply.closeAttachments() }
            let envelope = XPCEnvelope(slots: reply.attachments.map(\.kind), message: reply.message)
            print(envelope.jsonDescription(pretty: !compact))
        }

        /// The request message from inline JSON or a file, as an envelope or a value description.
        static func parse(_ argument: String) throws -> XPCMessage {
            let trimmed = argument.drop { $0 == " " || $0 == "\n" || $0 == "\t" }
            let text = trimmed.hasPrefix("{") || trimmed.hasPrefix("[")
                ? argument : String(decoding: try FileIO.read(argument), as: UTF8.self)
            let message: XPCMessage
            if let envelope = try? XPCEnvelope(jsonDescription: text) {
                message = envelope.message
            } else {
                do {
                    message = try XPCMessage(jsonDescription: text)
                } catch {
                    throw ValidationError("the request is not a JSON description (SPEC §8): \(error)")
                }
            }
            guard (try? XPCWireEncoder().encode(message, attachments: [])) != nil else {
                throw ValidationError("the request refers to fd or endpoint slots, which 'send' cannot fill")
            }
            return message
        }
    }
}

/// No reply within `xpcwire send --timeout`.
struct SendTimeout: Error, CustomStringConvertible {
    var seconds: Double
    var description: String { "no reply within \(seconds) seconds" }
}
