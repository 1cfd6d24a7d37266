/// A descriptor (a socket, an endpoint, a wake-up pipe) that is closed when the last reference to
/// it goes away.
///
/// A connection's writer thread and its reader (on the connection's thread) each hold one;
/// ``shutdown()`` wakes them, and the descriptor is closed only once neither can use it any more,
/// so its number is never reused while a thread might still pass it to the kernel.
final class DescriptorHandle: Sendable {
    /// The descriptor; valid for the handle's lifetime.
    let descriptor: CInt

    /// Takes ownership of `descriptor`.
    init(adopting descriptor: CInt) {
        self.descriptor = descriptor
    }

    /// `shutdown(SHUT_RDWR)`: blocked reads return end of file and blocked writes fail.
    func shutdown() {
        Platform.shutdown(descriptor)
    }

    deinit {
        Platform.close(descriptor)
    }
}

/// Closes raw descriptors that the transport owns but has not handed on.
enum Descriptors {
    /// `close(2)` on each.
    static func close(_ descriptors: [CInt]) {
        for descriptor in descriptors { Platform.close(descriptor) }
    }
}
