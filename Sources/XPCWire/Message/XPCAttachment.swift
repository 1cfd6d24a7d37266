import SystemPackage

/// What an envelope slot carries out of band (SPEC §3.4).
public enum XPCSlotKind: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A file descriptor.
    case fd = 0x01
    /// An endpoint: a capability to connect to a listener.
    case endpoint = 0x02

    /// The kind's name as SPEC.md and the JSON description spell it.
    public var description: String {
        switch self {
        case .fd: "fd"
        case .endpoint: "endpoint"
        }
    }
}

/// An opaque endpoint handle: the transport decides what stands behind it.
///
/// On Unix-domain sockets an endpoint is realised as a descriptor; the core only carries it.
public struct XPCEndpointHandle: Hashable, Sendable {
    /// The descriptor that realises the endpoint.
    public var fileDescriptor: FileDescriptor

    /// Wraps the descriptor that realises an endpoint.
    public init(fileDescriptor: FileDescriptor) {
        self.fileDescriptor = fileDescriptor
    }
}

/// One out-of-band attachment, in the slot order of its envelope.
///
/// The core never closes or duplicates descriptors: whoever holds an attachment owns it.
public enum XPCAttachment: Hashable, Sendable {
    /// A file descriptor for an ``XPCSlotKind/fd`` slot.
    case fd(FileDescriptor)
    /// An endpoint for an ``XPCSlotKind/endpoint`` slot.
    case endpoint(XPCEndpointHandle)

    /// The slot kind this attachment fills.
    public var kind: XPCSlotKind {
        switch self {
        case .fd: .fd
        case .endpoint: .endpoint
        }
    }
}
