import CMsgPackBench

// msgpack-c, the C peer. Its unpacker builds a `msgpack_object` tree in a zone; strings and
// binary payloads point into the input buffer (no copy), which is msgpack-c's normal behaviour
// and is noted in BENCHMARKS.md.

/// A body unpacked once by msgpack-c and kept alive: the input of the msgpack-c pack benchmark
/// (a C program encodes from its own object tree, as ours encodes from an `XPCMessage`).
public final class MsgPackCTree: @unchecked Sendable {
    /// The body bytes; the tree's strings and binaries point into them.
    let storage: UnsafeMutableRawBufferPointer
    private var unpacked = msgpack_unpacked()

    public init?(body: [UInt8]) {
        storage = .allocate(byteCount: max(body.count, 1), alignment: 16)
        storage.copyBytes(from: body)
        msgpack_unpacked_init(&unpacked)
        var offset = 0
        let result = storage.baseAddress.map { base in
            msgpack_unpack_next(&unpacked, base.assumingMemoryBound(to: CChar.self), body.count, &offset)
        }
        guard result == MSGPACK_UNPACK_SUCCESS, offset == body.count else { return nil }
    }

    deinit {
        msgpack_unpacked_destroy(&unpacked)
        storage.deallocate()
    }

    /// The root object.
    public var object: msgpack_object { unpacked.data }

    /// Packs the tree into a fresh sbuffer with `msgpack_pack_*` (through `msgpack_pack_object`);
    /// returns the packed bytes.
    public func packedBytes() -> [UInt8] {
        MsgPackC.pack(object) { Array(UnsafeRawBufferPointer(start: $0, count: $1)) }
    }
}

/// A pinned copy of a body, for msgpack-c to unpack in place.
public final class PinnedBytes: @unchecked Sendable {
    public let pointer: UnsafePointer<CChar>
    public let count: Int
    private let storage: UnsafeMutableRawBufferPointer

    public init(_ bytes: [UInt8]) {
        storage = .allocate(byteCount: max(bytes.count, 1), alignment: 16)
        storage.copyBytes(from: bytes)
        pointer = UnsafePointer(storage.baseAddress!.assumingMemoryBound(to: CChar.self))
        count = bytes.count
    }

    deinit { storage.deallocate() }
}

public enum MsgPackC {
    /// One pack operation as a C caller does it: a new sbuffer, `msgpack_pack_object`, then
    /// `body` sees the bytes before the buffer is freed.
    @inline(__always)
    public static func pack<R>(_ object: msgpack_object, _ body: (UnsafeRawPointer?, Int) -> R) -> R {
        var buffer = msgpack_sbuffer()
        msgpack_sbuffer_init(&buffer)
        var packer = msgpack_packer()
        msgpack_packer_init(&packer, &buffer) { data, bytes, length in msgpack_sbuffer_write(data, bytes, length) }
        _ = msgpack_pack_object(&packer, object)
        let result = body(buffer.data.map { UnsafeRawPointer($0) }, buffer.size)
        msgpack_sbuffer_destroy(&buffer)
        return result
    }

    /// One unpack operation as a C caller does it: `msgpack_unpack_next` into a new zone, which
    /// is freed afterwards. Returns the number of bytes consumed, or -1 on failure.
    @inline(__always)
    public static func unpack(_ bytes: PinnedBytes, _ body: (msgpack_object) -> Void = { _ in }) -> Int {
        var unpacked = msgpack_unpacked()
        msgpack_unpacked_init(&unpacked)
        var offset = 0
        let result = msgpack_unpack_next(&unpacked, bytes.pointer, bytes.count, &offset)
        if result == MSGPACK_UNPACK_SUCCESS { body(unpacked.data) }
        msgpack_unpacked_destroy(&unpacked)
        return result == MSGPACK_UNPACK_SUCCESS ? offset : -1
    }

    /// `true` when two objects are equal by msgpack-c's own comparison.
    public static func equal(_ lhs: msgpack_object, _ rhs: msgpack_object) -> Bool {
        msgpack_object_equal(lhs, rhs)
    }

    /// The library version, e.g. "4.0.0".
    public static var version: String { String(cString: msgpack_version()) }
}
