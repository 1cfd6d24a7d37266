#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One value of a checked body, in a flat, pre-order list: a container is followed by its
/// elements (a map by key, value, key, value…), and knows where its last one ends.
///
/// Strings and data stay in the input: a node holds where their bytes are.
struct TapeNode {
    enum Kind: UInt8 {
        case null, bool, int64, uint64, double, string, data, uuid, date, fd, endpoint, array, map
    }

    var kind: Kind
    /// Maps: whether the keys came in canonical order (binary search works).
    var isSorted = true
    /// Strings and data: where their bytes start; everything else: its format byte.
    var offset: Int
    /// bool 0/1; int64, uint64, double, date: their bits; fd, endpoint: the slot; string, data:
    /// the length; array, map: the element (entry) count; uuid: its first 8 bytes.
    var bits: UInt64
    /// uuid: its last 8 bytes.
    var moreBits: UInt64 = 0
    /// Containers: the index just past their last element; everything else: its own index + 1.
    var end: Int
}

/// Builds the tape of a body for the direct Codable decoder (``BodyAssembler``): one node per
/// value, nothing copied out of the input.
struct TapeAssembler: BodyAssembler {
    var nodes: [TapeNode] = []

    /// The input the parse reads: keys are compared in place. Valid while the parse runs.
    let input: UnsafeRawBufferPointer

    init(input: UnsafeRawBufferPointer, bodyLength: Int) {
        self.input = input
        // Every value takes at least one byte, a typical one four or more; the tape grows past
        // this guess when it must.
        nodes.reserveCapacity(min(bodyLength / 4 + 8, 1_024))
    }

    struct Container {
        let index: Int
    }

    /// The index just past the subtree at `index`.
    @inline(__always)
    func end(of index: Int) -> Int { nodes[index].end }

    mutating func openContainer(isMap: Bool, count: Int, at offset: Int, reserve: Bool) -> Container {
        nodes.append(TapeNode(kind: isMap ? .map : .array, offset: offset, bits: UInt64(count), end: 0))
        return Container(index: nodes.count - 1)
    }

    mutating func emptyContainer(isMap: Bool, at offset: Int) {
        nodes.append(TapeNode(kind: isMap ? .map : .array, offset: offset, bits: 0, end: nodes.count + 1))
    }

    mutating func key(_ bytes: UnsafeRawBufferPointer, start: Int, isASCII: Bool, into container: inout Container) {
        nodes.append(TapeNode(kind: .string, offset: start, bits: UInt64(bytes.count), end: nodes.count + 1))
    }

    @inline(__always)
    func append(_ value: consuming Void, to container: inout Container) {}

    @inline(__always)
    func appendElement(_ value: consuming Void, to container: inout Container) {}

    mutating func close(_ container: consuming Container, isMap: Bool, keysSorted: Bool, at offset: Int) throws(XPCWireDecodingError) {
        nodes[container.index].end = nodes.count
        nodes[container.index].isSorted = keysSorted
        if isMap, !keysSorted { try checkForRepeatedKeys(inMapAt: container.index, offset: offset) }
    }

    /// Keys out of order may repeat keys that were not neighbours: sorted, any repeat is adjacent
    /// (as ``TreeAssembler`` finds it).
    private func checkForRepeatedKeys(inMapAt index: Int, offset: Int) throws(XPCWireDecodingError) {
        var keys: [(start: Int, length: Int)] = []
        keys.reserveCapacity(Int(nodes[index].bits))
        var position = index + 1
        while position < nodes[index].end {
            keys.append((nodes[position].offset, Int(nodes[position].bits)))
            position = nodes[position + 1].end
        }
        keys.sort { UTF8Order.compare(slice($0), slice($1)) < 0 }
        for (previous, next) in zip(keys, keys.dropFirst()) where UTF8Order.compare(slice(previous), slice(next)) == 0 {
            throw .duplicateKey(UTF8Validation.string(fromValidated: slice(next)), offset: offset)
        }
    }

    private func slice(_ range: (start: Int, length: Int)) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: input[range.start..<(range.start + range.length)])
    }

    mutating func scalar(_ message: XPCMessage, at offset: Int) {
        let next = nodes.count + 1
        let node: TapeNode
        switch message {
        case .null: node = TapeNode(kind: .null, offset: offset, bits: 0, end: next)
        case .bool(let value): node = TapeNode(kind: .bool, offset: offset, bits: value ? 1 : 0, end: next)
        case .int64(let value): node = TapeNode(kind: .int64, offset: offset, bits: UInt64(bitPattern: value), end: next)
        case .uint64(let value): node = TapeNode(kind: .uint64, offset: offset, bits: value, end: next)
        case .double(let value): node = TapeNode(kind: .double, offset: offset, bits: value.bitPattern, end: next)
        case .date(let date):
            node = TapeNode(kind: .date, offset: offset, bits: UInt64(bitPattern: date.nanosecondsSinceReferenceDate), end: next)
        case .fd(let slot): node = TapeNode(kind: .fd, offset: offset, bits: UInt64(slot), end: next)
        case .endpoint(let slot): node = TapeNode(kind: .endpoint, offset: offset, bits: UInt64(slot), end: next)
        case .uuid(let uuid):
            let (high, low) = withUnsafeBytes(of: uuid.uuid) { raw in
                (raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            }
            node = TapeNode(kind: .uuid, offset: offset, bits: high, moreBits: low, end: next)
        case .string, .data, .array, .dictionary:
            // The parser hands these over through their own calls; never here.
            node = TapeNode(kind: .null, offset: offset, bits: 0, end: next)
        }
        nodes.append(node)
    }

    mutating func string(_ bytes: UnsafeRawBufferPointer, start: Int, isASCII: Bool, at offset: Int) {
        nodes.append(TapeNode(kind: .string, offset: start, bits: UInt64(bytes.count), end: nodes.count + 1))
    }

    mutating func data(_ bytes: UnsafeRawBufferPointer, start: Int, at offset: Int) {
        nodes.append(TapeNode(kind: .data, offset: start, bits: UInt64(bytes.count), end: nodes.count + 1))
    }
}

/// A checked body as a tape, with the input it points into.
struct BodyTape {
    let nodes: [TapeNode]
    /// The whole input; valid as long as the decode that made the tape runs.
    let input: UnsafeRawBufferPointer

    /// The bytes of a string or data node.
    @inline(__always)
    func bytes(of index: Int) -> UnsafeRawBufferPointer {
        let node = nodes[index]
        return UnsafeRawBufferPointer(rebasing: input[node.offset..<(node.offset + Int(node.bits))])
    }

    /// The value at `index` as a message; containers are built whole (iteratively).
    func message(at index: Int) -> XPCMessage {
        if let scalar = scalarMessage(at: index) { return scalar }
        // Containers: an explicit stack, so depth costs heap, never call stack.
        struct Open {
            let index: Int
            var elements: [XPCMessage] = []
            var entries: [XPCDictionary.Element] = []
            var pendingKey: String?
        }
        func add(_ value: XPCMessage, to open: inout Open) {
            if let key = open.pendingKey.take() {
                open.entries.append(XPCDictionary.Element(key: key, value: value))
            } else {
                open.elements.append(value)
            }
        }
        var stack = [Open(index: index)]
        var position = index + 1
        while let top = stack.indices.last {
            if position >= nodes[stack[top].index].end {
                let finished = stack.removeLast()
                var value = XPCMessage.array(XPCArray(finished.elements))
                if nodes[finished.index].kind == .map {
                    // The parse rejected repeated keys; keys out of order only need sorting.
                    var entries = finished.entries
                    if !nodes[finished.index].isSorted { entries.sort { UTF8Order.compare($0.key, $1.key) < 0 } }
                    value = .dictionary(XPCDictionary(sortedUniqueEntries: entries))
                }
                guard let parent = stack.indices.last else { return value }
                add(value, to: &stack[parent])
                continue
            }
            if nodes[stack[top].index].kind == .map, stack[top].pendingKey == nil {
                stack[top].pendingKey = UTF8Validation.string(fromValidated: bytes(of: position))
                position += 1
                continue
            }
            if let scalar = scalarMessage(at: position) {
                add(scalar, to: &stack[top])
                position += 1
            } else {
                stack.append(Open(index: position))
                position += 1
            }
        }
        return .null  // unreachable: the root container returns above
    }

    /// A non-container value as a message; `nil` for arrays and maps.
    func scalarMessage(at index: Int) -> XPCMessage? {
        let node = nodes[index]
        switch node.kind {
        case .null: return .null
        case .bool: return .bool(node.bits != 0)
        case .int64: return .int64(Int64(bitPattern: node.bits))
        case .uint64: return .uint64(node.bits)
        case .double: return .double(Double(bitPattern: node.bits))
        case .string: return .string(UTF8Validation.string(fromValidated: bytes(of: index)))
        case .data: return .data(Array(bytes(of: index)))
        case .uuid:
            var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &uuid) { raw in
                raw.storeBytes(of: node.bits, toByteOffset: 0, as: UInt64.self)
                raw.storeBytes(of: node.moreBits, toByteOffset: 8, as: UInt64.self)
            }
            return .uuid(UUID(uuid: uuid))
        case .date: return .date(XPCDate(nanosecondsSinceReferenceDate: Int64(bitPattern: node.bits)))
        case .fd: return .fd(slot: UInt16(truncatingIfNeeded: node.bits))
        case .endpoint: return .endpoint(slot: UInt16(truncatingIfNeeded: node.bits))
        case .array, .map: return nil
        }
    }

    /// The variant and, for scalars, the value, as ``ScalarDecoding/summary(_:)`` words it.
    func summary(at index: Int) -> String {
        let node = nodes[index]
        switch node.kind {
        case .array: return "array of \(node.bits)"
        case .map: return "dictionary of \(node.bits)"
        case .data: return "data of \(node.bits) bytes"
        default: return scalarMessage(at: index).map(ScalarDecoding.summary) ?? ""
        }
    }
}
