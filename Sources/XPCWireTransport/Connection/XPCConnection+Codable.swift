import XPCWire

extension XPCConnection {
    /// Sends an `Encodable` value as a message that wants no reply, through ``XPCEncoder``
    /// (SPEC §9.1). `FileDescriptor` and ``XPCEndpointHandle`` fields travel as attachments.
    ///
    /// ```swift
    /// struct Log: Codable { var line: String }
    /// try connection.send(encoding: Log(line: "started"))
    /// ```
    public func send<Value: Encodable>(encoding value: Value, encoder: XPCEncoder = XPCEncoder()) throws {
        let encoded = try encoder.encode(value)
        try sendEnvelope(encoded.bytes, attachments: encoded.attachments, kind: .message)
    }

    /// Sends an `Encodable` request and decodes the reply as `Reply` through ``XPCDecoder``.
    ///
    /// Descriptors in the reply become the decoded value's `FileDescriptor` fields, which you own.
    ///
    /// ```swift
    /// struct Sum: Codable { var a: Int; var b: Int }
    /// struct Total: Codable { var sum: Int }
    /// let total = try await connection.sendRequest(encoding: Sum(a: 1, b: 2), decoding: Total.self)
    /// ```
    public func sendRequest<Value: Encodable, Reply: Decodable>(
        encoding value: Value, decoding replyType: Reply.Type,
        encoder: XPCEncoder = XPCEncoder(), decoder: XPCDecoder = XPCDecoder()
    ) async throws -> Reply {
        let encoded = try encoder.encode(value)
        let reply = try await sendRequestEnvelope(encoded.bytes, attachments: encoded.attachments)
        return try reply.decode(replyType, decoder: decoder)
    }
}

extension XPCReceivedMessage {
    /// Decodes the message as `Value` through ``XPCDecoder``; fd and endpoint fields take their
    /// descriptors from ``attachments``.
    public func decode<Value: Decodable>(_ type: Value.Type, decoder: XPCDecoder = XPCDecoder()) throws -> Value {
        try decoder.decode(type, from: message, attachments: attachments)
    }

    /// Answers a request with an `Encodable` value, which must encode to a dictionary (a struct or
    /// class with keyed fields).
    public func reply<Value: Encodable>(encoding value: Value, encoder: XPCEncoder = XPCEncoder()) throws {
        var attachments: [XPCAttachment] = []
        let message = try encoder.encodeMessage(value, attachments: &attachments)
        try reply(message, attachments: attachments)
    }
}
