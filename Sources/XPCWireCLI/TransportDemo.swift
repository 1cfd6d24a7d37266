import ArgumentParser
import Foundation
import SystemPackage
import XPCWire
import XPCWireTransport

/// `xpcwire demo --transport`: a round trip with a file descriptor between two processes over the
/// socket transport (SPEC §9.2).
enum TransportDemo {
    static func run() throws {
        let directory = FileManager.default.temporaryDirectory.path + "/xpcwire-demo-\(ProcessInfo.processInfo.processIdentifier)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/demo.sock"
        let server = Process()
        server.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        if let own = Bundle.main.executableURL { server.executableURL = own }
        server.arguments = ["serve", path, "--until-stdin-closes"]
        let input = Pipe()
        let output = Pipe()
        server.standardInput = input
        server.standardOutput = output
        try server.run()
        defer {
            try? input.fileHandleForWriting.close()
            server.waitUntilExit()
        }
        guard let ready = String(data: output.fileHandleForReading.availableData, encoding: .utf8), ready.contains("listening") else {
            throw ValidationError("the server process did not start")
        }
        print("== process \(server.processIdentifier) serves \(path)")

        let pipe = try FileDescriptor.pipe()
        defer { try? pipe.readEnd.close() }
        let text = "hello from process \(server.processIdentifier), through a descriptor passed by \(ProcessInfo.processInfo.processIdentifier)\n"
        let request: XPCMessage = ["op": "write", "fd": .fd(slot: 0), "text": .string(text)]
        print("== process \(ProcessInfo.processInfo.processIdentifier) sends a request with a pipe's write end in slot 0")
        print(request.treeDescription())
        let reply = try AsyncBridge.run {
            let connection = XPCConnection(socketPath: path)
            defer { connection.cancel() }
            return try await connection.sendRequestReceivingAttachments(request, attachments: [.fd(pipe.writeEnd)])
        }
        try pipe.writeEnd.close()
        reply.closeAttachments()
        print("== the reply (its attachments: \(reply.attachments.map(\.kind)))")
        print(XPCEnvelope(slots: reply.attachments.map(\.kind), message: reply.message).jsonDescription())
        var buffer = [UInt8](repeating: 0, count: text.utf8.count)
        var received = 0
        while received < buffer.count {
            let count = try buffer.withUnsafeMutableBytes {
                try pipe.readEnd.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[received...]))
            }
            if count == 0 { break }
            received += count
        }
        print("== read from our end of the pipe: \(String(decoding: buffer.prefix(received), as: UTF8.self))", terminator: "")
        guard received == buffer.count else { throw ExitCode(1) }
    }
}
