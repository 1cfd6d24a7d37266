import XPCWire

/// The hello frame each side sends first (SPEC §9.2.5).
enum Handshake {
    /// The hello's envelope: `{"transport": 1}` in format 1.0.
    static let helloEnvelope: [UInt8] = {
        // A fixed, canonical 1.0 envelope; encoding it cannot fail.
        (try? XPCWireEncoder().encode(["transport": .int64(XPCTransportVersion.current)])) ?? []
    }()

    /// Checks the peer's hello: format major version 1, transport version 1, no descriptors.
    static func validate(_ frame: ReceivedFrame, decoder: XPCWireDecoder) throws(XPCTransportError) {
        guard frame.header.kind == .hello else { throw .protocolViolation(.missingHello) }
        guard frame.header.messageID == 0, frame.header.replyID == 0 else {
            throw .protocolViolation(.outOfSequence(expected: 0, received: frame.header.messageID))
        }
        guard frame.descriptors.isEmpty else { throw .protocolViolation(.descriptorsWithHello) }
        let envelope = frame.envelope
        guard envelope.count >= 6, envelope[0] == 0x58, envelope[1] == 0x50, envelope[2] == 0x43, envelope[3] == 0x57 else {
            throw .protocolViolation(.malformedHello)
        }
        let version = XPCWireVersion(major: envelope[4], minor: envelope[5])
        guard version.major == XPCWireVersion.current.major else {
            throw .versionMismatch(peerFormat: version, peerTransport: nil)
        }
        let message: XPCMessage
        do {
            message = try decoder.decode(envelope)
        } catch {
            throw .malformedMessage(error, messageID: 0)
        }
        guard case .int64(let transport)? = message["transport"] else { throw .protocolViolation(.malformedHello) }
        guard transport == XPCTransportVersion.current else {
            throw .versionMismatch(peerFormat: version, peerTransport: transport)
        }
    }
}
