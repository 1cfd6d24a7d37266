/// A cursor over borrowed bytes that reads big-endian fields without copying.
///
/// This is one of the few places with unsafe pointer work; every read is bounds-checked against
/// `end` first and reports the offset of the field being read when the bytes run out.
struct WireReader {
    /// The whole input; offsets in errors are positions in it.
    let bytes: UnsafeRawBufferPointer
    /// The next byte to read.
    var position: Int
    /// One past the last byte this reader may read.
    let end: Int

    init(bytes: UnsafeRawBufferPointer, position: Int, end: Int) {
        self.bytes = bytes
        self.position = position
        self.end = end
    }

    /// Bytes left before `end`.
    var remaining: Int { end - position }

    /// Fails with `truncated(offset: start)` unless `count` more bytes are available.
    @inline(__always)
    func require(_ count: Int, forItemAt start: Int) throws(XPCWireDecodingError) {
        guard count <= end - position else { throw .truncated(offset: start) }
    }

    /// Reads one byte, failing for the item that starts at `start`.
    @inline(__always)
    mutating func readByte(forItemAt start: Int) throws(XPCWireDecodingError) -> UInt8 {
        try require(1, forItemAt: start)
        let byte = bytes[position]
        position &+= 1
        return byte
    }

    /// Reads a big-endian integer, failing for the item that starts at `start`.
    @inline(__always)
    mutating func readInteger<T: FixedWidthInteger>(
        _: T.Type, forItemAt start: Int
    ) throws(XPCWireDecodingError) -> T {
        try require(MemoryLayout<T>.size, forItemAt: start)
        let value = bytes.loadUnaligned(fromByteOffset: position, as: T.self)
        position &+= MemoryLayout<T>.size
        return T(bigEndian: value)
    }

    /// Returns the next `count` bytes as a borrowed span and moves past them.
    @inline(__always)
    mutating func readSpan(count: Int, forItemAt start: Int) throws(XPCWireDecodingError) -> UnsafeRawBufferPointer {
        try require(count, forItemAt: start)
        let span = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
        position &+= count
        return span
    }
}
