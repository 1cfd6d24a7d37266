#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a ``BodyParser`` builds from the values it reads and checks: the ``XPCMessage`` tree
/// (``TreeAssembler``), or the flat index the direct Codable decoder reads (``TapeAssembler``).
///
/// The parser makes every check of SPEC §4–§6, in the order of §7.3, before it hands a value
/// over; an assembler only stores what it is given, so every assembler sees the same errors.
protocol BodyAssembler {
    /// A finished value.
    associatedtype Value
    /// A container being filled.
    associatedtype Container

    /// A container of `count` (more than zero) elements or entries, its format byte at `offset`;
    /// `reserve` tells whether the reservation budget allows room for all of them now.
    mutating func openContainer(isMap: Bool, count: Int, at offset: Int, reserve: Bool) -> Container
    /// A container with no elements, complete at once.
    mutating func emptyContainer(isMap: Bool, at offset: Int) -> Value
    /// A map key: checked UTF-8 `bytes` starting at `start` in the input; `isASCII` tells
    /// whether every byte is below 0x80.
    mutating func key(_ bytes: UnsafeRawBufferPointer, start: Int, isASCII: Bool, into container: inout Container)
    /// The next element, or the value of the entry whose key came last.
    mutating func append(_ value: consuming Value, to container: inout Container)
    /// The next element of an array (never a map's value).
    mutating func appendElement(_ value: consuming Value, to container: inout Container)
    /// The finished container. When a map's keys came out of order (`keysSorted` false), the
    /// assembler must report a repeated key as the parser would: `duplicateKey` at `offset`.
    mutating func close(_ container: consuming Container, isMap: Bool, keysSorted: Bool, at offset: Int) throws(XPCWireDecodingError) -> Value
    /// A value that holds no memory: null, bool, integers, double, uuid, date, fd, endpoint.
    mutating func scalar(_ message: XPCMessage, at offset: Int) -> Value
    /// A string: checked UTF-8 `bytes` starting at `start`, its format byte at `offset`;
    /// `isASCII` tells whether every byte is below 0x80.
    mutating func string(_ bytes: UnsafeRawBufferPointer, start: Int, isASCII: Bool, at offset: Int) -> Value
    /// A data value: `bytes` starting at `start`, its format byte at `offset`.
    mutating func data(_ bytes: UnsafeRawBufferPointer, start: Int, at offset: Int) -> Value
}

/// Builds ``XPCMessage`` values: what ``XPCWireDecoder`` returns.
///
/// Each container is built directly in the storage its ``XPCArray`` or ``XPCDictionary`` keeps
/// (one allocation), which the decoder alone refers to until the container is closed.
struct TreeAssembler: BodyAssembler {
    /// Holds nothing that must be released but the storage it fills: the decoder's frames are
    /// then destroyed by specialized code, and closing a container moves its storage out.
    struct Container {
        /// An array's elements; `nil` for a map. (Not the shared empty storage: fetching that
        /// costs a `swift_once` and a retain and release per container.) The storage records
        /// the nesting height so far (see `XPCMessage.nestingHeight`), so that shallow values
        /// are released without the iterative teardown.
        var elements: XPCArrayStorage?
        /// A map's entries; `nil` for an array.
        var entries: XPCDictionaryStorage?
        /// The bytes of the key read for the entry whose value comes next, in the input (valid
        /// for the whole parse): its `String` is made with the entry, so that no string is held,
        /// and released by every assignment, in the meantime.
        var pendingKey: UnsafeRawBufferPointer?
        var pendingKeyIsASCII = false
        /// The declared count: no container ever grows past it.
        let declaredCount: Int
    }

    @inline(__always)
    func openContainer(isMap: Bool, count: Int, at offset: Int, reserve: Bool) -> Container {
        // Beyond the reservation budget (SPEC §6.3), a container starts small and grows as it fills.
        let capacity = reserve ? count : min(count, 16)
        if isMap {
            return Container(elements: nil, entries: .make(capacity: capacity), declaredCount: count)
        }
        return Container(elements: .make(capacity: capacity), entries: nil, declaredCount: count)
    }

    @inline(__always)
    func emptyContainer(isMap: Bool, at offset: Int) -> XPCMessage {
        isMap ? .dictionary(XPCDictionary()) : .array(XPCArray())
    }

    @inline(__always)
    func key(_ bytes: UnsafeRawBufferPointer, start: Int, isASCII: Bool, into container: inout Container) {
        container.pendingKey = bytes
        container.pendingKeyIsASCII = isASCII
    }

    @inline(__always)
    func append(_ value: consuming XPCMessage, to container: inout Container) {
        if let keyBytes = container.pendingKey.take() {
            let key = UTF8Validation.string(fromValidated: keyBytes, isASCII: container.pendingKeyIsASCII)
            Self.append(XPCDictionary.Element(key: key, value: value), to: &container.entries, declaredCount: container.declaredCount)
        } else {
            Self.append(value, to: &container.elements, declaredCount: container.declaredCount)
        }
    }

    @inline(__always)
    func appendElement(_ value: consuming XPCMessage, to container: inout Container) {
        Self.append(value, to: &container.elements, declaredCount: container.declaredCount)
    }

    /// Adds `element` to storage only the decoder refers to, growing it (never past the declared
    /// count) when it is full.
    /// (`slot` is `nil` only if the parser delivered an element of the kind the container does
    /// not hold, which it never does; the element is then dropped.)
    @inline(__always)
    private static func append<Element>(
        _ element: consuming Element, to slot: inout XPCContainerStorage<Element>?, declaredCount: Int
    ) {
        // Room left, the common case: appended in place through the optional.
        if let header = slot?.headerPointer, header.pointee.count < header.pointee.capacity {
            slot?.include(element)
            slot?.appendAssumingCapacity(element)
            return
        }
        // Moved out and back rather than bound with `if let`, which would retain and release it.
        guard var storage = slot.take() else { return }
        let header = storage.headerPointer
        if header.pointee.count == header.pointee.capacity {
            // At least one more: the parser never delivers more than the declared count, but the
            // write below must stay in bounds whatever happens.
            let grown = max(min(declaredCount, 2 * header.pointee.capacity), header.pointee.count + 1)
            storage = storage.resized(to: grown, isUnique: true)
        }
        storage.include(element)
        storage.appendAssumingCapacity(element)
        slot = consume storage
    }

    /// Builds the dictionary of a completed map, sorting it when the input was not in canonical order.
    func close(_ container: consuming Container, isMap: Bool, keysSorted: Bool, at offset: Int) throws(XPCWireDecodingError) -> XPCMessage {
        guard isMap else {
            guard let elements = container.elements.take() else { return .array(XPCArray()) }
            return .array(XPCArray(storage: elements))
        }
        guard let entries = container.entries.take() else { return .dictionary(XPCDictionary()) }
        if !keysSorted {
            let duplicate: String? = entries.withUnsafeMutableBufferPointer { buffer in
                var entries = buffer  // the same memory: sorted in place
                entries.sort { UTF8Order.compare($0.key, $1.key) < 0 }
                var index = 1
                while index < entries.count {
                    if UTF8Order.equal(entries[index - 1].key, entries[index].key) { return entries[index].key }
                    index += 1
                }
                return nil
            }
            if let duplicate { throw .duplicateKey(duplicate, offset: offset) }
        }
        return .dictionary(XPCDictionary(storage: entries))
    }

    @inline(__always)
    func scalar(_ message: XPCMessage, at offset: Int) -> XPCMessage { message }

    @inline(__always)
    func string(_ bytes: UnsafeRawBufferPointer, start: Int, isASCII: Bool, at offset: Int) -> XPCMessage {
        .string(UTF8Validation.string(fromValidated: bytes, isASCII: isASCII))
    }

    @inline(__always)
    func data(_ bytes: UnsafeRawBufferPointer, start: Int, at offset: Int) -> XPCMessage {
        .data(Array(bytes))
    }
}

/// Reads one MessagePack value under the XPCWire profile (SPEC §4), iteratively, checking
/// everything, and hands what it reads to an ``BodyAssembler``.
///
/// Containers in progress live on an explicit stack, so nesting depth is bounded by
/// ``XPCWireLimits/maximumDepth`` and heap memory, never by the call stack.
///
/// A parser holds nothing that must be released but its assembler (nothing at all with a
/// ``TreeAssembler``): its slot table and slot marks are borrowed from ``parseWholeBody(_:options:slots:slotTableOffset:assembler:)``.
/// (`BodyParser<TreeAssembler>` is a generic type, which the compiler destroys through its
/// runtime-instantiated value witnesses, field by field with metadata look-ups: about 200
/// instructions per decode that a parser with nothing to destroy does not spend.)
struct BodyParser<Assembler: BodyAssembler> {
    var reader: WireReader
    let limits: XPCWireLimits
    let canonical: Bool
    /// The envelope's slot table; valid for the parse.
    private(set) var slots: UnsafeBufferPointer<XPCSlotKind>
    /// Offset of the slot table in the input, for `unreferencedSlot` errors; `nil` for a bare body.
    let slotTableOffset: Int?
    /// Which slots the body has referred to so far, as many as `slots`; valid for the parse.
    private(set) var slotReferenced: UnsafeMutableBufferPointer<Bool>
    /// Values decoded so far, containers included.
    var elementCount = 0
    var assembler: Assembler
    /// Capacity that containers may still reserve for their declared counts, in elements, over
    /// the whole decode. The elements of all containers are distinct values of at least one byte
    /// each, so valid input never declares more than the body has bytes; hostile nested claims,
    /// each checked only against the bytes left, could otherwise reserve depth × input size
    /// (SPEC §6.3). Past the budget, containers simply grow as they fill.
    private var reservationBudget: Int

    /// A parser without slots; ``parseWholeBody(_:options:slots:slotTableOffset:assembler:)``
    /// lends it the slot table for the parse.
    private init(reader: WireReader, options: XPCWireDecodingOptions, slotTableOffset: Int?, assembler: Assembler) {
        self.reader = reader
        self.limits = options.limits
        self.canonical = options.requiresCanonicalEncoding
        self.slots = UnsafeBufferPointer(start: nil, count: 0)
        self.slotTableOffset = slotTableOffset
        self.slotReferenced = UnsafeMutableBufferPointer(start: nil, count: 0)
        self.assembler = assembler
        self.reservationBudget = reader.end - reader.position
    }

    /// Decodes exactly one value from `reader`'s span into `assembler`, then checks that it
    /// used the whole span and every slot; returns the value and the assembler.
    @inline(__always)
    static func parseWholeBody(
        _ reader: WireReader, options: XPCWireDecodingOptions, slots: [XPCSlotKind], slotTableOffset: Int?,
        assembler: Assembler
    ) throws(XPCWireDecodingError) -> (value: Assembler.Value, assembler: Assembler) {
        var parser = BodyParser(reader: reader, options: options, slotTableOffset: slotTableOffset, assembler: assembler)
        let value = try slots.withUnsafeBufferPointer { slotKinds throws(XPCWireDecodingError) in
            // On the stack unless the slot table is large; no slots, no memory.
            try withUnsafeTemporaryAllocation(of: Bool.self, capacity: slotKinds.count) { referenced throws(XPCWireDecodingError) in
                referenced.initialize(repeating: false)
                // Both only for this parse: the parser reads neither after it.
                parser.slots = slotKinds
                parser.slotReferenced = referenced
                return try parser.decodeWholeBody()
            }
        }
        return (value, parser.assembler)
    }

    /// A container being filled.
    ///
    /// Plain values only: the container it fills is kept beside it (``Suspended``), so that a
    /// frame needs no destroying. (`BodyParser<TreeAssembler>.Frame` is a generic type: the
    /// compiler destroys a value of it through its runtime-instantiated value witnesses, which
    /// look up `Assembler.Container` as an associated type on every call.)
    private struct Frame {
        /// Offset of the container's format byte.
        let offset: Int
        let isMap: Bool
        /// Elements (or entries) still to read.
        var remaining: Int
        /// A map's key was read and its value comes next.
        var awaitingValue = false
        /// The previous key's bytes in the input, for the order and duplicate checks.
        var previousKeyStart = 0
        var previousKeyLength = -1
        /// `false` once two keys were out of order.
        var keysSorted = true
        /// Arrays: `false` once a run of numbers stopped at something else, whose elements are
        /// then read one at a time.
        var numbersMayFollow = true
    }

    /// A container with its frame, on the stack while a container nested in it is read.
    private struct Suspended {
        var frame: Frame
        var container: Assembler.Container
    }

    /// What a format byte introduced.
    private enum Item {
        case value(Assembler.Value)
        case container(count: Int, isMap: Bool)
    }

    /// Decodes exactly one value, then checks that it used the whole span and every slot.
    mutating func decodeWholeBody() throws(XPCWireDecodingError) -> Assembler.Value {
        let value = try decodeValue()
        if reader.position != reader.end {
            throw .trailingBytes(offset: reader.position)
        }
        if let unreferenced = slotReferenced.firstIndex(of: false) {
            throw .unreferencedSlot(slot: unreferenced, offset: slotTableOffset.map { $0 + unreferenced } ?? 0)
        }
        return value
    }

    /// Decodes one value (with everything nested in it) at the reader's position.
    mutating func decodeValue() throws(XPCWireDecodingError) -> Assembler.Value {
        // The innermost open container is a pair of locals (`current`, `container`), changed in
        // place for every value; only the containers around it are on `stack`, pushed and popped
        // once per container. (A frame copied off the stack and back would retain and release
        // its arrays per value.)
        let rootOffset = reader.position
        var current: Frame
        var container: Assembler.Container
        switch try readItem() {
        case .value(let value):
            return value
        case .container(let count, let isMap):
            guard let frame = try openFrame(count: count, isMap: isMap, at: rootOffset, depth: 0) else {
                return assembler.emptyContainer(isMap: isMap, at: rootOffset)
            }
            current = frame
            container = openContainer(frame)
        }
        var stack: [Suspended] = []
        while true {
            if current.isMap {
                if !current.awaitingValue { try readKey(into: &current, container: &container) }
            } else if current.numbersMayFollow, current.remaining > 1 {
                current.numbersMayFollow = try readNumberRun(into: &current, container: &container)
            }
            let itemOffset = reader.position
            var value: Assembler.Value
            // Fixints and short strings, most map values, inline rather than through `readItem`.
            if let common = try readCommonValue(at: itemOffset) {
                value = common
            } else {
                switch try readItem() {
                case .value(let scalar):
                    value = scalar
                case .container(let count, let isMap):
                    guard let frame = try openFrame(count: count, isMap: isMap, at: itemOffset, depth: stack.count + 1) else {
                        value = assembler.emptyContainer(isMap: isMap, at: itemOffset)
                        break
                    }
                    // Room for a few levels at once, rather than growing 1, 2, 4, 8… as nesting deepens.
                    if stack.capacity == 0 { stack.reserveCapacity(min(limits.maximumDepth, 8)) }
                    stack.append(Suspended(frame: current, container: consume container))
                    current = frame
                    container = openContainer(frame)
                    continue
                }
            }
            // Deliver `value` to its container, closing every container it completes.
            while true {
                assembler.append(consume value, to: &container)
                current.awaitingValue = false
                current.remaining &-= 1
                if current.remaining > 0 { break }
                // Moved into `close`: the finished container's storage passes to its value
                // without a retain here and a release when `container` is overwritten.
                value = try assembler.close(
                    consume container, isMap: current.isMap, keysSorted: current.keysSorted, at: current.offset)
                guard let parent = stack.popLast() else { return value }
                current = parent.frame
                container = parent.container
            }
        }
    }

    /// Reads elements of the array in `frame` while they are numbers, leaving at least the last
    /// element (whose delivery closes the array) to ``decodeValue()``. Returns `false` when it
    /// stopped at an element that is not a number.
    ///
    /// The same reads and checks, in the same order, as ``readItem()`` makes for these formats;
    /// only the per-value dispatch and the map-entry bookkeeping are left out, which takes about
    /// 40% off decoding an array of numbers.
    @inline(never)
    private mutating func readNumberRun(
        into frame: inout Frame, container: inout Assembler.Container
    ) throws(XPCWireDecodingError) -> Bool {
        while frame.remaining > 1, reader.position < reader.end {
            let offset = reader.position
            let byte = reader.bytes[offset]
            guard byte < 0x80 || byte >= 0xe0 || (WireFormat.float64...WireFormat.int64).contains(byte) else { return false }
            reader.position = offset &+ 1
            try countElements(1, at: offset)
            let value: XPCMessage
            switch byte {
            case WireFormat.float64: value = .double(Double(bitPattern: try reader.readInteger(UInt64.self, forItemAt: offset)))
            case WireFormat.uint8: value = .uint64(try readUnsigned(UInt8.self, at: offset))
            case WireFormat.uint16: value = .uint64(try readUnsigned(UInt16.self, at: offset))
            case WireFormat.uint32: value = .uint64(try readUnsigned(UInt32.self, at: offset))
            case WireFormat.uint64: value = .uint64(try readUnsigned(UInt64.self, at: offset))
            case WireFormat.int8: value = .int64(try readSigned(Int8.self, format: byte, at: offset))
            case WireFormat.int16: value = .int64(try readSigned(Int16.self, format: byte, at: offset))
            case WireFormat.int32: value = .int64(try readSigned(Int32.self, format: byte, at: offset))
            case WireFormat.int64: value = .int64(try readSigned(Int64.self, format: byte, at: offset))
            default: value = .int64(Int64(Int8(bitPattern: byte)))  // a positive or negative fixint
            }
            assembler.appendElement(assembler.scalar(value, at: offset), to: &container)
            frame.remaining &-= 1
        }
        return true
    }

    /// Checks the depth of a container whose header was read and opens its frame; `nil` for an
    /// empty container (complete at once). `depth`: how many containers are open around it.
    @inline(__always)
    private mutating func openFrame(count: Int, isMap: Bool, at offset: Int, depth: Int) throws(XPCWireDecodingError) -> Frame? {
        guard depth < limits.maximumDepth else {
            throw .depthLimitExceeded(limit: limits.maximumDepth, offset: offset)
        }
        if count == 0 { return nil }
        return Frame(offset: offset, isMap: isMap, remaining: count)
    }

    /// The container that `frame` (just opened) fills, with room for its declared count when
    /// the reservation budget allows.
    @inline(__always)
    private mutating func openContainer(_ frame: Frame) -> Assembler.Container {
        let count = frame.remaining
        let reserve = count <= reservationBudget
        if reserve { reservationBudget &-= count }
        return assembler.openContainer(isMap: frame.isMap, count: count, at: frame.offset, reserve: reserve)
    }

    /// Counts one decoded value against the element limit.
    @inline(__always)
    private mutating func countElements(_ count: Int, at offset: Int) throws(XPCWireDecodingError) {
        guard count <= limits.maximumElementCount - elementCount else {
            throw .limitExceeded(.elementCount, value: elementCount + count, limit: limits.maximumElementCount, offset: offset)
        }
        elementCount += count
    }

    /// Reads a map key (a string) into `frame`, checking order and duplicates against the previous key.
    private mutating func readKey(into frame: inout Frame, container: inout Assembler.Container) throws(XPCWireDecodingError) {
        let keyOffset = reader.position
        let span: UnsafeRawBufferPointer
        let isASCII: Bool
        if let short = shortASCIIString(at: keyOffset) {
            span = short
            isASCII = true
            reader.position = keyOffset &+ 1 &+ short.count
        } else {
            (span, isASCII) = try readKeySlowly(at: keyOffset)
        }
        // Both paths leave the reader just past the key's bytes.
        let start = reader.position &- span.count
        let length = span.count
        if frame.previousKeyLength >= 0, let base = reader.bytes.baseAddress {
            // Within the input: the previous key was read from it.
            let previous = UnsafeRawBufferPointer(start: base + frame.previousKeyStart, count: frame.previousKeyLength)
            let order = UTF8Order.compare(previous, span)
            if order == 0 {
                throw .duplicateKey(UTF8Validation.string(fromValidated: span), offset: keyOffset)
            }
            if order > 0 {
                if canonical { throw .nonCanonical(.unsortedKeys, offset: keyOffset) }
                frame.keysSorted = false
            }
        }
        frame.previousKeyStart = start
        frame.previousKeyLength = length
        frame.awaitingValue = true
        assembler.key(span, start: start, isASCII: isASCII, into: &container)
    }

    /// Reads a key of any form with every check (``readKey(into:container:)`` when the key is
    /// not a short ASCII fixstr); returns its bytes and whether they are all ASCII.
    @inline(never)
    private mutating func readKeySlowly(at keyOffset: Int) throws(XPCWireDecodingError) -> (UnsafeRawBufferPointer, Bool) {
        let byte = try reader.readByte(forItemAt: keyOffset)
        let length: Int
        switch byte {
        case 0xa0...0xbf: length = Int(byte & 0x1f)
        case WireFormat.str8, WireFormat.str16, WireFormat.str32:
            length = try readLength(format: byte, at: keyOffset)
        default:
            throw .nonStringKey(formatByte: byte, offset: keyOffset)
        }
        let (span, _, isASCII) = try readString(length: length, at: keyOffset)
        return (span, isASCII)
    }

    /// The bytes of the fixstr at `offset` when reading it with every check could only succeed
    /// and find it all ASCII: the common key or short string, read with one bounds check and
    /// one word test instead of the general path. `nil` for anything else (another format, a
    /// truncated or over-limit string, a zero byte, a byte from 0x80), which the general path
    /// then reads from the start and reports exactly as before. Moves nothing.
    @inline(__always)
    private func shortASCIIString(at offset: Int) -> UnsafeRawBufferPointer? {
        guard offset < reader.end, let base = reader.bytes.baseAddress else { return nil }
        let byte = base.load(fromByteOffset: offset, as: UInt8.self)
        guard byte & 0xe0 == 0xa0 else { return nil }
        let length = Int(byte & 0x1f)
        let start = offset &+ 1
        // `start <= end` here, so the subtraction cannot overflow.
        guard length <= reader.end &- start, length <= limits.maximumStringLength,
              UTF8Validation.isASCIIWithoutNUL(base + start, countBelow32: length)
        else { return nil }
        return UnsafeRawBufferPointer(start: base + start, count: length)
    }

    /// The value at `offset` when it is a fixint or a short ASCII fixstr (most map values), read
    /// inline with the same checks in the same order as ``readItem()``: the format byte is
    /// there, the element count, the string's checks. `nil`, with nothing read or counted, for
    /// anything else, which ``readItem()`` then reads.
    @inline(__always)
    private mutating func readCommonValue(at offset: Int) throws(XPCWireDecodingError) -> Assembler.Value? {
        guard offset < reader.end, let base = reader.bytes.baseAddress else { return nil }
        let byte = base.load(fromByteOffset: offset, as: UInt8.self)
        if byte < 0x80 || byte >= 0xe0 {
            try countElements(1, at: offset)
            reader.position = offset &+ 1
            return assembler.scalar(.int64(Int64(Int8(bitPattern: byte))), at: offset)
        }
        guard byte & 0xe0 == 0xa0, let short = shortASCIIString(at: offset) else { return nil }
        try countElements(1, at: offset)
        reader.position = offset &+ 1 &+ short.count
        return assembler.string(short, start: offset &+ 1, isASCII: true, at: offset)
    }

    /// Reads one format byte and what it introduces: a scalar, or a container header.
    private mutating func readItem() throws(XPCWireDecodingError) -> Item {
        let offset = reader.position
        let byte = try reader.readByte(forItemAt: offset)
        try countElements(1, at: offset)
        // The fix ranges first, by comparison; the rest (c0…df, one meaning per byte) in a switch
        // of single bytes, which compiles to a jump table rather than a chain of range tests.
        if byte < 0x80 {
            return .value(assembler.scalar(.int64(Int64(byte)), at: offset))
        }
        if byte >= 0xe0 {
            return .value(assembler.scalar(.int64(Int64(Int8(bitPattern: byte))), at: offset))
        }
        if byte < 0xc0 {
            if byte >= 0xa0 {
                if let short = shortASCIIString(at: offset) {
                    reader.position = offset &+ 1 &+ short.count
                    return .value(assembler.string(short, start: offset &+ 1, isASCII: true, at: offset))
                }
                let (span, start, isASCII) = try readString(length: Int(byte & 0x1f), at: offset)
                return .value(assembler.string(span, start: start, isASCII: isASCII, at: offset))
            }
            return try openContainer(count: Int(byte & 0x0f), isMap: byte < 0x90, at: offset)
        }
        switch byte {
        case WireFormat.null:
            return .value(assembler.scalar(.null, at: offset))
        case WireFormat.false:
            return .value(assembler.scalar(.bool(false), at: offset))
        case WireFormat.true:
            return .value(assembler.scalar(.bool(true), at: offset))
        case WireFormat.reserved:
            throw .reservedByte(offset: offset)
        case WireFormat.uint8:
            return .value(assembler.scalar(.uint64(try readUnsigned(UInt8.self, at: offset)), at: offset))
        case WireFormat.uint16:
            return .value(assembler.scalar(.uint64(try readUnsigned(UInt16.self, at: offset)), at: offset))
        case WireFormat.uint32:
            return .value(assembler.scalar(.uint64(try readUnsigned(UInt32.self, at: offset)), at: offset))
        case WireFormat.uint64:
            return .value(assembler.scalar(.uint64(try readUnsigned(UInt64.self, at: offset)), at: offset))
        case WireFormat.int8:
            return .value(assembler.scalar(.int64(try readSigned(Int8.self, format: byte, at: offset)), at: offset))
        case WireFormat.int16:
            return .value(assembler.scalar(.int64(try readSigned(Int16.self, format: byte, at: offset)), at: offset))
        case WireFormat.int32:
            return .value(assembler.scalar(.int64(try readSigned(Int32.self, format: byte, at: offset)), at: offset))
        case WireFormat.int64:
            return .value(assembler.scalar(.int64(try readSigned(Int64.self, format: byte, at: offset)), at: offset))
        case WireFormat.float32:
            if canonical { throw .nonCanonical(.float32, offset: offset) }
            let bits = try reader.readInteger(UInt32.self, forItemAt: offset)
            return .value(assembler.scalar(.double(Self.widen(float32Bits: bits)), at: offset))
        case WireFormat.float64:
            let bits = try reader.readInteger(UInt64.self, forItemAt: offset)
            return .value(assembler.scalar(.double(Double(bitPattern: bits)), at: offset))
        case WireFormat.str8, WireFormat.str16, WireFormat.str32:
            let length = try readLength(format: byte, at: offset)
            let (span, start, isASCII) = try readString(length: length, at: offset)
            return .value(assembler.string(span, start: start, isASCII: isASCII, at: offset))
        case WireFormat.bin8, WireFormat.bin16, WireFormat.bin32:
            let length = try readLength(format: byte, at: offset)
            let (span, start) = try readData(length: length, at: offset)
            return .value(assembler.data(span, start: start, at: offset))
        case WireFormat.array16, WireFormat.array32:
            let count = try readLength(format: byte, at: offset)
            return try openContainer(count: count, isMap: false, at: offset)
        case WireFormat.map16, WireFormat.map32:
            let count = try readLength(format: byte, at: offset)
            return try openContainer(count: count, isMap: true, at: offset)
        case WireFormat.fixext1, WireFormat.fixext2, WireFormat.fixext4, WireFormat.fixext8, WireFormat.fixext16:
            let length = 1 << Int(byte - WireFormat.fixext1)
            return .value(assembler.scalar(try readExt(length: length, isFixed: true, at: offset), at: offset))
        case WireFormat.ext8, WireFormat.ext16, WireFormat.ext32:
            let length = try readLength(format: byte, at: offset)
            return .value(assembler.scalar(try readExt(length: length, isFixed: false, at: offset), at: offset))
        default:
            // Every byte value is covered above; this keeps the switch total without a trap.
            throw .reservedByte(offset: offset)
        }
    }

    /// Checks a container's declared count against the limits and the bytes left, before allocating.
    private mutating func openContainer(count: Int, isMap: Bool, at offset: Int) throws(XPCWireDecodingError) -> Item {
        // Each element takes at least one byte; each entry a key and a value, two bytes.
        let minimumBytes = isMap ? count * 2 : count
        guard minimumBytes <= reader.remaining else { throw .truncated(offset: offset) }
        guard count <= limits.maximumElementCount - elementCount else {
            throw .limitExceeded(.elementCount, value: elementCount + count, limit: limits.maximumElementCount, offset: offset)
        }
        return .container(count: count, isMap: isMap)
    }

    /// Reads the 8-, 16- or 32-bit length that follows a str/bin/array/map/ext format byte and,
    /// in strict mode, checks that no shorter form could have held it.
    private mutating func readLength(format byte: UInt8, at offset: Int) throws(XPCWireDecodingError) -> Int {
        let length: Int
        let shortestMinimum: Int  // the smallest length that needs this form
        switch byte {
        case WireFormat.str8:
            length = Int(try reader.readInteger(UInt8.self, forItemAt: offset)); shortestMinimum = 32
        case WireFormat.bin8, WireFormat.ext8:
            length = Int(try reader.readInteger(UInt8.self, forItemAt: offset)); shortestMinimum = 0
        case WireFormat.str16, WireFormat.bin16, WireFormat.ext16:
            length = Int(try reader.readInteger(UInt16.self, forItemAt: offset)); shortestMinimum = 256
        case WireFormat.array16, WireFormat.map16:
            length = Int(try reader.readInteger(UInt16.self, forItemAt: offset)); shortestMinimum = 16
        default:  // str32, bin32, ext32, array32, map32
            length = Int(try reader.readInteger(UInt32.self, forItemAt: offset)); shortestMinimum = 65_536
        }
        // Ext lengths are judged by readExt (fixext forms), so they are exempt here.
        let isExt = byte == WireFormat.ext8 || byte == WireFormat.ext16 || byte == WireFormat.ext32
        if canonical, !isExt, length < shortestMinimum {
            throw .nonCanonical(.nonShortestLength, offset: offset)
        }
        return length
    }

    /// Reads and checks `length` bytes of string; returns them, where they start, and whether
    /// they are all ASCII.
    private mutating func readString(length: Int, at offset: Int) throws(XPCWireDecodingError) -> (UnsafeRawBufferPointer, Int, Bool) {
        // Truncation first, then the limit (SPEC §7.3): both fail before anything is allocated.
        try reader.require(length, forItemAt: offset)
        guard length <= limits.maximumStringLength else {
            throw .limitExceeded(.stringLength, value: length, limit: limits.maximumStringLength, offset: offset)
        }
        let start = reader.position
        let span = try reader.readSpan(count: length, forItemAt: offset)
        let isASCII = try UTF8Validation.validate(span, at: start)
        return (span, start, isASCII)
    }

    /// Reads `length` bytes of data; returns them and where they start.
    private mutating func readData(length: Int, at offset: Int) throws(XPCWireDecodingError) -> (UnsafeRawBufferPointer, Int) {
        try reader.require(length, forItemAt: offset)
        guard length <= limits.maximumDataLength else {
            throw .limitExceeded(.dataLength, value: length, limit: limits.maximumDataLength, offset: offset)
        }
        let start = reader.position
        return (try reader.readSpan(count: length, forItemAt: offset), start)
    }

    @inline(__always)
    private mutating func readUnsigned<T: FixedWidthInteger & UnsignedInteger>(
        _: T.Type, at offset: Int
    ) throws(XPCWireDecodingError) -> UInt64 {
        let value = UInt64(try reader.readInteger(T.self, forItemAt: offset))
        if canonical, WireEncoding.unsignedFormat(for: value) != reader.bytes[offset] {
            throw .nonCanonical(.nonShortestInteger, offset: offset)
        }
        return value
    }

    @inline(__always)
    private mutating func readSigned<T: FixedWidthInteger & SignedInteger>(
        _: T.Type, format: UInt8, at offset: Int
    ) throws(XPCWireDecodingError) -> Int64 {
        let value = Int64(try reader.readInteger(T.self, forItemAt: offset))
        if canonical, WireEncoding.signedFormat(for: value) != format {
            throw .nonCanonical(.nonShortestInteger, offset: offset)
        }
        return value
    }

    /// Widens float32 bits to a double: exactly for numbers; for NaN, sign kept, payload shifted
    /// into the top of the double's payload and the quiet bit set (SPEC §4.5), on every platform.
    static func widen(float32Bits bits: UInt32) -> Double {
        let float = Float(bitPattern: bits)
        guard float.isNaN else { return Double(float) }
        let sign = UInt64(bits >> 31) << 63
        let payload = UInt64(bits & 0x007f_ffff) << 29
        return Double(bitPattern: sign | 0x7ff0_0000_0000_0000 | 0x0008_0000_0000_0000 | payload)
    }

    /// Reads an ext value's type and payload and maps it to a variant (SPEC §4.9).
    private mutating func readExt(length: Int, isFixed: Bool, at offset: Int) throws(XPCWireDecodingError) -> XPCMessage {
        let type = Int8(bitPattern: try reader.readByte(forItemAt: offset))
        let payload = try reader.readSpan(count: length, forItemAt: offset)
        func requireLength(_ expected: Int) throws(XPCWireDecodingError) {
            guard length == expected else { throw .badExtLength(type: type, length: length, offset: offset) }
            if canonical, !isFixed { throw .nonCanonical(.nonShortestExtForm, offset: offset) }
        }
        switch type {
        case WireFormat.extUUID:
            try requireLength(16)
            return .uuid(UUID(uuid: (
                payload[0], payload[1], payload[2], payload[3], payload[4], payload[5], payload[6], payload[7],
                payload[8], payload[9], payload[10], payload[11], payload[12], payload[13], payload[14], payload[15])))
        case WireFormat.extDate:
            try requireLength(8)
            return .date(XPCDate(nanosecondsSinceReferenceDate: Int64(bitPattern: Self.bigEndianUInt64(payload, at: 0))))
        case WireFormat.extFD, WireFormat.extEndpoint:
            try requireLength(2)
            let slot = UInt16(payload[0]) << 8 | UInt16(payload[1])
            let kind: XPCSlotKind = type == WireFormat.extFD ? .fd : .endpoint
            try referenceSlot(slot, as: kind, at: offset)
            return kind == .fd ? .fd(slot: slot) : .endpoint(slot: slot)
        case WireFormat.extTimestamp:
            if canonical { throw .nonCanonical(.timestampExt, offset: offset) }
            return .date(try Self.date(fromTimestamp: payload, type: type, offset: offset))
        default:
            throw .unknownExtType(type, offset: offset)
        }
    }

    /// Records a reference to `slot`, checking it exists and has the kind it is used as.
    private mutating func referenceSlot(_ slot: UInt16, as kind: XPCSlotKind, at offset: Int) throws(XPCWireDecodingError) {
        let index = Int(slot)
        guard index < slots.count else {
            throw .slotIndexOutOfRange(slot: slot, slotCount: slots.count, offset: offset)
        }
        guard slots[index] == kind else {
            throw .slotKindMismatch(slot: slot, slotKind: slots[index], referencedAs: kind, offset: offset)
        }
        slotReferenced[index] = true
    }

    private static func bigEndianUInt64(_ span: UnsafeRawBufferPointer, at index: Int) -> UInt64 {
        UInt64(bigEndian: span.loadUnaligned(fromByteOffset: index, as: UInt64.self))
    }

    private static func bigEndianUInt32(_ span: UnsafeRawBufferPointer, at index: Int) -> UInt32 {
        UInt32(bigEndian: span.loadUnaligned(fromByteOffset: index, as: UInt32.self))
    }

    /// Converts a MessagePack timestamp (ext -1, SPEC §4.8) to nanoseconds since 2001.
    private static func date(
        fromTimestamp payload: UnsafeRawBufferPointer, type: Int8, offset: Int
    ) throws(XPCWireDecodingError) -> XPCDate {
        let unixSeconds: Int64
        let nanoseconds: Int64
        switch payload.count {
        case 4:
            unixSeconds = Int64(bigEndianUInt32(payload, at: 0))
            nanoseconds = 0
        case 8:
            let packed = bigEndianUInt64(payload, at: 0)
            nanoseconds = Int64(packed >> 34)
            unixSeconds = Int64(packed & 0x3_ffff_ffff)
        case 12:
            nanoseconds = Int64(bigEndianUInt32(payload, at: 0))
            unixSeconds = Int64(bitPattern: bigEndianUInt64(payload, at: 4))
        default:
            throw .badExtLength(type: type, length: payload.count, offset: offset)
        }
        guard nanoseconds < 1_000_000_000 else { throw .badExtPayload(type: type, offset: offset) }
        var (seconds, overflow1) = unixSeconds.subtractingReportingOverflow(XPCDate.unixEpochOffsetSeconds)
        var fraction = nanoseconds
        // Before 2001 with a fraction, borrow one second so the product cannot overflow when the
        // sum fits: (s + 1) * 10^9 + (ns - 10^9) == s * 10^9 + ns.
        if !overflow1, seconds < 0, fraction > 0 {
            seconds += 1
            fraction -= 1_000_000_000
        }
        let (scaled, overflow2) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflow3) = scaled.addingReportingOverflow(fraction)
        guard !overflow1, !overflow2, !overflow3 else { throw .dateOutOfRange(offset: offset) }
        return XPCDate(nanosecondsSinceReferenceDate: total)
    }
}
