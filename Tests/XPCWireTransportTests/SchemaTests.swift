import Foundation
import SystemPackage
import Testing
import XPCWire
@testable import XPCWireTransport

/// Values recorded from `@Sendable` callbacks.
final class Recorder<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Value] = []

    func append(_ value: Value) {
        lock.lock()
        defer { lock.unlock() }
        recorded.append(value)
    }

    var values: [Value] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }
}

extension TransportTests {
    /// SPEC §9.2.9: schemas per message kind, checked before delivery, over real sockets.
    @Suite struct Schemas {
        static let add: XPCSchema = .dictionary([
            .required("kind", .string()),
            .required("a", .int64()),
            .required("b", .int64()),
        ], extraKeys: .reject)

        static let schemas = XPCMessageSchemas(schemas: [
            "add": add,
            "list": .dictionary([.required("kind", .string()), .required("items", .array(.int64()))]),
            "end": .dictionary([.required("kind", .string())]),
        ])

        @Test func aValidMessageIsDeliveredAndAnInvalidOneIsRejectedWithEveryViolationAndItsDescriptorsClosed() async throws {
            let baseline = OpenDescriptors.count()
            do {
                let (readEnd, writeEnd) = try makePipe()
                defer { try? readEnd.close() }
                let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
                try listener.setMessageSchemas(Self.schemas)
                let serverSide = Task { () -> [XPCConnection.Event] in
                    for await connection in listener.connections { return await collectEvents(connection, count: 3) }
                    return []
                }
                let client = XPCConnection(endpoint: endpoint)
                try client.send(["kind": "add", "a": 1, "b": 2])
                try client.send(
                    ["kind": "add", "a": "one", "r": .fd(slot: 0), "w": .fd(slot: 1)],
                    attachments: [.fd(readEnd), .fd(writeEnd)])
                // The transport sent a duplicate: from now on only the receiver holds a write end.
                try writeEnd.close()
                try client.send(["kind": "end"])
                let events = try await withTimeout { await serverSide.value }

                guard events.count == 3, case .message(let first) = events[0], case .rejected(let rejection) = events[1],
                    case .message(let last) = events[2]
                else {
                    Issue.record("expected message, rejection, message; got \(events)")
                    return
                }
                #expect(first.message == ["kind": "add", "a": 1, "b": 2])
                #expect(first.attachments.isEmpty)
                #expect(last.message == ["kind": "end"])
                #expect(rejection.kind == "add")
                #expect(rejection.messageID == 2)
                #expect(!rejection.isRequest)
                #expect(rejection.violations.map(\.path.description) == ["a", "b", "r", "w"])
                #expect(rejection.violations.map(\.reason) == [
                    .kindMismatch(expected: XPCSchema.Kinds(.int64), found: .string),
                    .missingRequiredField, .unexpectedKey, .unexpectedKey,
                ])
                #expect(rejection.description == "message 2 of kind \"add\" rejected: a: expected int64, found string; "
                    + "b: missing required field; r: unexpected key; w: unexpected key")
                // The receiver closed the write end that came with the rejected message: the pipe
                // reaches end of file while the connection is still up.
                #expect(try await readExactly(1, from: readEnd, seconds: 10) == [])
                client.cancel()
                listener.cancel()
            }
            await OpenDescriptors.expectNoLeak(from: baseline, "a rejected message with two descriptors")
        }

        @Test func aRejectedRequestFailsAtOnceWithItsViolationsAndTheHandlerNeverSeesIt() async throws {
            let baseline = OpenDescriptors.count()
            do {
                let (readEnd, writeEnd) = try makePipe()
                defer { try? readEnd.close() }
                let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
                let handled = Recorder<XPCMessage>()
                let rejected = Recorder<XPCMessageRejection>()
                let server = XPCServer(
                    listener: listener, rejectionHandler: { rejection, _ in rejected.append(rejection) }
                ) { received, _ in
                    handled.append(received.message)
                    received.closeAttachments()
                    let a = received.message["a"]?.int64Value ?? 0
                    let b = received.message["b"]?.int64Value ?? 0
                    return ["sum": .int64(a + b)]
                }
                // Set on the server (its listener): every accepted connection inherits them.
                try server.setMessageSchemas(Self.schemas)
                let serving = Task { await server.run() }
                let client = XPCConnection(endpoint: endpoint)

                await #expect(throws: XPCTransportError.requestRejected(reasons: [
                    "a: expected int64, found string", "b: missing required field", "f: unexpected key",
                ])) {
                    try await withTimeout {
                        try await client.sendRequest(["kind": "add", "a": "x", "f": .fd(slot: 0)], attachments: [.fd(writeEnd)])
                    }
                }
                try writeEnd.close()
                #expect(try await readExactly(1, from: readEnd, seconds: 10) == [])

                // The connection goes on.
                let reply = try await withTimeout { try await client.sendRequest(["kind": "add", "a": 2, "b": 3]) }
                #expect(reply == ["sum": 5])

                await #expect(throws: XPCTransportError.requestRejected(reasons: ["unknown kind \"mul\""])) {
                    try await withTimeout { try await client.sendRequest(["kind": "mul", "a": 2, "b": 3]) }
                }
                await #expect(throws: XPCTransportError.requestRejected(reasons: ["message without a kind"])) {
                    try await withTimeout { try await client.sendRequest(["a": 2, "b": 3]) }
                }
                // A hundred violations: the requester is told of the first 64.
                do {
                    _ = try await withTimeout {
                        try await client.sendRequest(["kind": "list", "items": .array(XPCArray((0..<100).map { .string("\($0)") }))])
                    }
                    Issue.record("the request went through")
                } catch XPCTransportError.requestRejected(let reasons) {
                    #expect(reasons.count == 64)
                    #expect(reasons.first == "items[0]: expected int64, found string")
                    #expect(reasons.last == "items[63]: expected int64, found string")
                }

                #expect(await eventually { rejected.values.count == 4 })
                #expect(rejected.values.map(\.kind) == ["add", "mul", nil, "list"])
                #expect(rejected.values.map(\.isRequest) == [true, true, true, true])
                #expect(rejected.values[1].reason == .unknownKind)
                #expect(rejected.values[3].violations.count == 100)
                #expect(handled.values == [["kind": "add", "a": 2, "b": 3]])
                client.cancel()
                server.cancel()
                await serving.value
            }
            await OpenDescriptors.expectNoLeak(from: baseline, "rejected requests")
        }

        @Test func aConnectionChecksWhatItsPeerSendsButNotTheRepliesToItsOwnRequests() async throws {
            let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
            let server = XPCServer(listener: listener) { _, connection in
                try connection.send(["kind": "progress", "done": .uint64(1)])
                try connection.send(["kind": "progress", "done": "half"])
                try connection.send(["kind": "surprise"])
                return ["sum": 3]
            }
            let serving = Task { await server.run() }
            let client = XPCConnection(endpoint: endpoint)
            try client.setMessageSchemas(XPCMessageSchemas(schemas: [
                "progress": .dictionary([.required("kind", .string()), .required("done", .uint64())])
            ]))
            // The reply has no kind, and the schemas reject unknown kinds: replies are not checked.
            let reply = try await withTimeout { try await client.sendRequest(["kind": "add"]) }
            #expect(reply == ["sum": 3])
            let events = try await withTimeout { await collectEvents(client, count: 3) }
            guard events.count == 3, case .message(let progress) = events[0], case .rejected(let wrongType) = events[1],
                case .rejected(let unknown) = events[2]
            else {
                Issue.record("expected message, rejection, rejection; got \(events)")
                return
            }
            #expect(progress.message["done"] == .uint64(1))
            #expect(wrongType.kind == "progress")
            #expect(wrongType.violations.map(\.description) == ["done: expected uint64, found string"])
            #expect(unknown.kind == "surprise")
            #expect(unknown.reason == .unknownKind)
            #expect(unknown.violations.isEmpty)

            #expect(throws: XPCTransportError.alreadyActivated) { try client.setMessageSchemas(nil) }
            #expect(throws: XPCTransportError.alreadyActivated) { try listener.setMessageSchemas(nil) }
            #expect(throws: XPCTransportError.alreadyActivated) { try server.setMessageSchemas(nil) }
            client.cancel()
            server.cancel()
            await serving.value
        }

        @Test func listenerOptionsCarrySchemasAndTheDeliverPolicyLetsUnknownKindsThrough() async throws {
            var options = XPCListener.Options()
            options.connectionOptions.messageSchemas = XPCMessageSchemas(
                kindKey: "op", schemas: ["ping": .dictionary([.required("op", .string())], extraKeys: .reject)],
                unknownKindPolicy: .deliver)
            let (listener, endpoint) = try XPCEndpoint.anonymousChannel(options: options)
            let serverSide = Task { () -> [XPCConnection.Event] in
                for await connection in listener.connections { return await collectEvents(connection, count: 4) }
                return []
            }
            let client = XPCConnection(endpoint: endpoint)
            try client.send(["op": "ping"])
            try client.send(["op": "ping", "extra": true])
            try client.send(["op": "anything", "extra": true])
            try client.send(["no-op": 1])
            let events = try await withTimeout { await serverSide.value }
            let summary = events.map { event -> String in
                switch event {
                case .message(let received): "message \(received.messageID)"
                case .rejected(let rejection): "rejected \(rejection.messageID): \(rejection.reason)"
                case .error(let error): "error \(error)"
                }
            }
            #expect(summary == ["message 1", "rejected 2: extra: unexpected key", "message 3", "message 4"])
            client.cancel()
            listener.cancel()
        }

        @Test func unknownKindPoliciesAndKindsComparedByBytes() {
            let ping: XPCSchema = .dictionary([.required("kind", .string())], extraKeys: .reject)
            var schemas = XPCMessageSchemas(schemas: ["ping": ping])
            #expect(schemas.kindKey == "kind")
            #expect(schemas.validate(["kind": "ping"]) == nil)
            #expect(schemas.validate(["kind": "ping", "x": 1])
                == .violations([XPCSchemaViolation(path: [.key("x")], reason: .unexpectedKey)]))
            #expect(schemas.validate(["kind": "pong"]) == .unknownKind)
            #expect(schemas.validate(["other": 1]) == .unknownKind)
            #expect(schemas.validate(["kind": 1]) == .unknownKind)
            #expect(schemas.validate([1, 2]) == .unknownKind)
            #expect(schemas.kind(of: ["kind": 1]) == nil)

            schemas.unknownKindPolicy = .deliver
            #expect(schemas.validate(["kind": "pong", "x": 1]) == nil)
            #expect(schemas.validate(nil) == nil)
            #expect(schemas.validate(["kind": "ping", "x": 1]) != nil)

            schemas.unknownKindPolicy = .validate(.dictionary([.required("version", .int64())]))
            #expect(schemas.validate(["kind": "pong", "version": 1]) == nil)
            #expect(schemas.validate(["kind": "pong"])
                == .violations([XPCSchemaViolation(path: [.key("version")], reason: .missingRequiredField)]))

            // One schema for every message, whatever its kind.
            let every = XPCMessageSchemas(unknownKindPolicy: .validate(.dictionary([.required("id", .uuid)])))
            #expect(every.validate(["id": .uuid(UUID())]) == nil)
            #expect(every.validate(["kind": "x"]) == .violations([XPCSchemaViolation(path: [.key("id")], reason: .missingRequiredField)]))

            // Kinds are compared by UTF-8 bytes (SPEC §2.4), not by Unicode canonical equivalence.
            let composed = "caf\u{E9}"
            let decomposed = "cafe\u{301}"
            #expect(composed == decomposed)
            schemas[composed] = .any
            #expect(schemas[composed] == .any)
            #expect(schemas[decomposed] == nil)
            #expect(schemas.kinds.map { Array($0.utf8) } == [Array(composed.utf8), Array("ping".utf8)])
            #expect(schemas.validate(["kind": .string(composed)]) == nil)
            #expect(schemas.validate(["kind": .string(decomposed), "version": 1]) == nil)  // the fallback schema
            schemas[composed] = nil
            #expect(schemas.kinds == ["ping"])
        }

        @Test func theRequesterIsToldAtMost64ReasonsOfAtMost1024BytesEach() throws {
            let many = XPCMessageRejection(
                kind: "k", reason: .violations((0..<100).map { XPCSchemaViolation(path: [.index($0)], reason: .missingRequiredField) }),
                messageID: 1, isRequest: true)
            #expect(many.wireReasons.count == 64)
            let longKey = String(repeating: "é", count: 1000)
            let long = XPCMessageRejection(
                kind: nil, reason: .violations([XPCSchemaViolation(path: [.key(longKey)], reason: .unexpectedKey)]),
                messageID: 1, isRequest: true)
            let reason = try #require(long.wireReasons.first)
            #expect(reason.utf8.count <= 1024)
            #expect(reason.contains("éé"))
            #expect(reason.hasSuffix("é…"))
            let envelope = try XPCWireDecoder().decode(many.wireEnvelope)
            #expect(XPCMessageRejection.reasons(inNoReply: envelope) == many.wireReasons)
            #expect(XPCMessageRejection.reasons(inNoReply: [:]) == nil)
            #expect(XPCMessageRejection.reasons(inNoReply: ["rejected": [1, "x"]]) == ["x"])
            #expect(XPCMessageRejection.truncated("short", toUTF8Length: 1024) == "short")
        }
    }
}
