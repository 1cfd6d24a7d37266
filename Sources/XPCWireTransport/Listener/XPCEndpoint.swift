import SystemPackage
import XPCWire

/// A capability to connect to a listener, which travels inside messages as an endpoint slot
/// (SPEC §2.6, §9.2.6).
///
/// A process that receives an endpoint connects to the listener behind it without knowing any
/// path. The endpoint owns its descriptor and closes it when its last copy goes away.
///
/// ```swift
/// // Process A: an anonymous listener, and an endpoint to hand out.
/// let (listener, endpoint) = try XPCEndpoint.anonymousChannel()
/// try toB.send(["service": .endpoint(slot: 0)], attachments: [endpoint.attachment])
///
/// // Process C, after B forwarded the message:
/// let endpoint = XPCEndpoint(adopting: handle)   // from received.attachments
/// let reply = try await XPCConnection(endpoint: endpoint).sendRequest(["op": "ping"])
/// ```
public struct XPCEndpoint: Sendable {
    let storage: DescriptorHandle

    init(storage: DescriptorHandle) {
        self.storage = storage
    }

    /// Makes an anonymous listener (bound to no path) and the endpoint that reaches it.
    public static func anonymousChannel(
        options: XPCListener.Options = XPCListener.Options()
    ) throws(XPCTransportError) -> (listener: XPCListener, endpoint: XPCEndpoint) {
        let listener = try XPCListener(anonymousWith: options)
        return (listener, listener.endpoint)
    }

    /// Takes ownership of a received endpoint's descriptor; it is closed with the endpoint.
    public init(adopting handle: XPCEndpointHandle) {
        self.storage = DescriptorHandle(adopting: handle.fileDescriptor.rawValue)
    }

    /// Duplicates a received endpoint's descriptor (`fcntl(F_DUPFD_CLOEXEC)`); you keep yours.
    public init(duplicating handle: XPCEndpointHandle) throws(XPCTransportError) {
        do {
            self.storage = DescriptorHandle(adopting: try Platform.duplicate(handle.fileDescriptor.rawValue))
        } catch {
            throw .system(error, during: .duplicate)
        }
    }

    /// The endpoint's descriptor, valid while this endpoint (or a copy) exists.
    public var handle: XPCEndpointHandle {
        XPCEndpointHandle(fileDescriptor: FileDescriptor(rawValue: storage.descriptor))
    }

    /// The endpoint as an attachment for an endpoint slot; sending duplicates it.
    public var attachment: XPCAttachment { .endpoint(handle) }
}
