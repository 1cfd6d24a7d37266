// The storage of `XPCArray` and `XPCDictionary`: one heap object per container, its elements
// stored inline after a small header (`ManagedBuffer`), so a container costs one allocation, not
// two (a class box around a Swift array). The class's `deinit` takes deeply nested containers
// apart without recursion (`XPCMessage+Teardown.swift`).
//
// This file and the mutating members of `XPCArray` and `XPCDictionary` are the only code that
// touches the elements through pointers. The invariants: elements `0..<count` are initialized,
// `count <= capacity`, `capacity` elements fit in the allocation, and the storage is mutated only
// through a uniquely referenced value (copy-on-write), so sharing it between threads is safe.

/// What container storage keeps besides its elements.
@usableFromInline
struct XPCContainerHeader {
    /// Initialized elements, at the start of the element area.
    @usableFromInline var count: Int
    /// Elements the allocation has room for.
    @usableFromInline var capacity: Int
    /// At least the nesting height of the container (see `XPCMessage.nestingHeight`): every
    /// element that goes in raises it as needed; removals leave it as it was.
    @usableFromInline var height: Int

    @inlinable
    init(count: Int, capacity: Int, height: Int) {
        self.count = count
        self.capacity = capacity
        self.height = height
    }
}

/// An element of container storage: an array's message, or a dictionary's entry.
@usableFromInline
protocol XPCContainerElement {
    /// The message the element holds (a dictionary entry's value), for heights and teardown.
    var containedMessage: XPCMessage { get }

    /// Deinitializes `count` elements from `start`.
    static func deinitialize(_ start: UnsafeMutablePointer<Self>, count: Int)
}

extension XPCMessage: XPCContainerElement {
    @inlinable
    var containedMessage: XPCMessage { self }

    /// Releases only the elements that hold references: deinitializing a scalar (whose payload
    /// is plain bytes) does nothing, and skipping it saves a call per element.
    @inlinable
    static func deinitialize(_ start: UnsafeMutablePointer<XPCMessage>, count: Int) {
        var index = 0
        while index < count {
            switch start[index] {
            case .string, .data, .array, .dictionary: (start + index).deinitialize(count: 1)
            default: break
            }
            index &+= 1
        }
    }
}

extension XPCDictionary.Element: XPCContainerElement {
    @inlinable
    var containedMessage: XPCMessage { value }

    /// One entry at a time, moved out and dropped: the compiler then releases its key and value
    /// inline, where `deinitialize(count:)` calls the runtime's generic array destroy, which
    /// goes through the entry type's value witnesses for each entry.
    @inlinable
    static func deinitialize(_ start: UnsafeMutablePointer<XPCDictionary.Element>, count: Int) {
        var index = 0
        while index < count {
            _ = (start + index).move()
            index &+= 1
        }
    }
}

/// Elements inline after a header, in one allocation. Not `Sendable` itself (`ManagedBuffer`
/// is not); ``XPCArray`` and ``XPCDictionary`` are, because they mutate it only when they hold
/// the only reference.
@usableFromInline
final class XPCContainerStorage<Element: XPCContainerElement>: ManagedBuffer<XPCContainerHeader, Element> {
    /// Empty storage with room for `capacity` elements.
    @inlinable
    static func make(capacity: Int, height: Int = 1) -> XPCContainerStorage {
        let buffer = create(minimumCapacity: capacity) { _ in
            XPCContainerHeader(count: 0, capacity: capacity, height: height)
        }
        // `create` allocates an instance of the class it is called on: this class.
        return unsafeDowncast(buffer, to: XPCContainerStorage.self)
    }

    /// Storage holding copies of `elements`.
    @inlinable
    static func make(copying elements: UnsafeBufferPointer<Element>, capacity: Int, height: Int) -> XPCContainerStorage {
        let storage = make(capacity: Swift.max(capacity, elements.count), height: height)
        if let base = elements.baseAddress {
            storage.elementPointer.initialize(from: base, count: elements.count)
        }
        storage.headerPointer.pointee.count = elements.count
        return storage
    }

    /// Storage holding the elements of a Swift array; its height is measured here.
    @inlinable
    static func make(_ elements: [Element]) -> XPCContainerStorage {
        elements.withUnsafeBufferPointer { buffer in
            make(copying: buffer, capacity: buffer.count, height: XPCMessage.nestingHeight(of: buffer))
        }
    }

    // The two pointers are valid while the storage is alive; every caller holds a reference to
    // it for as long as it uses them. They bypass the exclusivity checks of `header`, which
    // copy-on-write already makes unnecessary.

    /// The header.
    @inlinable
    var headerPointer: UnsafeMutablePointer<XPCContainerHeader> {
        withUnsafeMutablePointerToHeader { $0 }
    }

    /// The first element.
    @inlinable
    var elementPointer: UnsafeMutablePointer<Element> {
        withUnsafeMutablePointerToElements { $0 }
    }

    /// The number of elements.
    @inlinable
    var count: Int { headerPointer.pointee.count }

    /// Room for elements, used or not.
    @inlinable
    var storedCapacity: Int { headerPointer.pointee.capacity }

    /// At least the container's nesting height.
    @inlinable
    var height: Int {
        get { headerPointer.pointee.height }
        set { headerPointer.pointee.height = newValue }
    }

    /// Calls `body` with the elements.
    @inlinable
    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        try withUnsafeMutablePointers { header, elements in
            try body(UnsafeBufferPointer(start: elements, count: header.pointee.count))
        }
    }

    /// Calls `body` with the elements, mutably. Only on storage nothing else refers to.
    @inlinable
    func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Element>) throws -> R) rethrows -> R {
        try withUnsafeMutablePointers { header, elements in
            try body(UnsafeMutableBufferPointer(start: elements, count: header.pointee.count))
        }
    }

    /// The elements as a Swift array (a copy).
    @inlinable
    var array: [Element] { withUnsafeBufferPointer { Array($0) } }

    /// Raises ``height`` for an element that is (or is about to be) among the elements.
    @inlinable
    func include(_ element: Element) {
        let needed = element.containedMessage.nestingHeight + 1
        if needed > height { height = needed }
    }

    /// Adds `element` at the end; there must be room (`count < storedCapacity`).
    @inlinable
    func appendAssumingCapacity(_ element: consuming Element) {
        let header = headerPointer
        (elementPointer + header.pointee.count).initialize(to: element)
        header.pointee.count &+= 1
    }

    /// Puts `element` at `index` (`0...count`), moving the elements from there up by one; there
    /// must be room (`count < storedCapacity`).
    @inlinable
    func insertAssumingCapacity(_ element: Element, at index: Int) {
        let header = headerPointer
        let count = header.pointee.count
        let base = elementPointer
        (base + index + 1).moveInitialize(from: base + index, count: count - index)
        (base + index).initialize(to: element)
        header.pointee.count = count + 1
    }

    /// Moves out the element at `index` (`0..<count`), moving the elements after it down by one.
    @inlinable
    func remove(at index: Int) -> Element {
        let header = headerPointer
        let count = header.pointee.count
        let base = elementPointer
        let removed = (base + index).move()
        (base + index).moveInitialize(from: base + index + 1, count: count - index - 1)
        header.pointee.count = count - 1
        return removed
    }

    /// Storage with room for `capacity` elements holding this storage's elements: moved out of
    /// this storage (left empty) when `isUnique`, copied otherwise.
    @inlinable
    func resized(to capacity: Int, isUnique: Bool) -> XPCContainerStorage {
        let count = self.count
        let storage = XPCContainerStorage.make(capacity: Swift.max(capacity, count), height: height)
        if isUnique {
            storage.elementPointer.moveInitialize(from: elementPointer, count: count)
            headerPointer.pointee.count = 0
        } else {
            storage.elementPointer.initialize(from: elementPointer, count: count)
        }
        storage.headerPointer.pointee.count = count
        return storage
    }

    /// Moves out every element, leaving the storage empty.
    @inlinable
    func removeAll() {
        let header = headerPointer
        let count = header.pointee.count
        header.pointee.count = 0
        Element.deinitialize(elementPointer, count: count)
    }

    deinit {
        if height > XPCMessage.recursiveReleaseHeightLimit {
            XPCMessage.dismantleElements(of: self)
        }
        removeAll()
    }
}

/// The storage of an ``XPCArray``.
@usableFromInline
typealias XPCArrayStorage = XPCContainerStorage<XPCMessage>

/// The storage of an ``XPCDictionary``: entries sorted by key bytes, keys unique.
@usableFromInline
typealias XPCDictionaryStorage = XPCContainerStorage<XPCDictionary.Element>

/// The elements of container storage as a collection, for reading (`storage.elements`,
/// `storage.entries`): no copy.
@usableFromInline
struct XPCContainerElements<Element: XPCContainerElement>: RandomAccessCollection {
    @usableFromInline
    let storage: XPCContainerStorage<Element>

    @inlinable
    init(storage: XPCContainerStorage<Element>) {
        self.storage = storage
    }

    @inlinable
    var startIndex: Int { 0 }

    @inlinable
    var endIndex: Int { storage.count }

    @inlinable
    subscript(position: Int) -> Element {
        storage.withUnsafeBufferPointer { $0[position] }
    }

    /// Calls `body` with the elements in contiguous memory.
    @inlinable
    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }
}

extension XPCContainerStorage where Element == XPCMessage {
    /// The array's elements, for reading.
    @inlinable
    var elements: XPCContainerElements<XPCMessage> { XPCContainerElements(storage: self) }

    /// The storage of every empty array made by ``XPCArray/init()``: never mutated (it is
    /// shared, so mutations copy it first), and it saves an allocation per empty array.
    @usableFromInline
    static var emptyArray: XPCArrayStorage { sharedEmptyArrayStorage }
}

extension XPCContainerStorage where Element == XPCDictionary.Element {
    /// The dictionary's entries, sorted by key bytes, for reading.
    @inlinable
    var entries: XPCContainerElements<XPCDictionary.Element> { XPCContainerElements(storage: self) }

    /// The storage of every empty dictionary made by ``XPCDictionary/init()`` (see
    /// ``XPCContainerStorage/emptyArray``).
    @usableFromInline
    static var emptyDictionary: XPCDictionaryStorage { sharedEmptyDictionaryStorage }
}

/// Never mutated, so sharing it is safe.
@usableFromInline
nonisolated(unsafe) let sharedEmptyArrayStorage = XPCArrayStorage.make(capacity: 0)
/// Never mutated, so sharing it is safe.
@usableFromInline
nonisolated(unsafe) let sharedEmptyDictionaryStorage = XPCDictionaryStorage.make(capacity: 0)
