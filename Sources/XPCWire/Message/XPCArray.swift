/// The ordered container of the XPC message model: the payload of ``XPCMessage/array(_:)``.
///
/// `XPCArray` is a value with copy-on-write storage, used like `[XPCMessage]`: it is a
/// random-access, mutable and range-replaceable collection, and an array literal creates one.
///
/// ```swift
/// var tags: XPCArray = ["a", "b"]
/// tags.append(3)
/// let message: XPCMessage = .array(tags)
/// let elements = Array(tags)   // [XPCMessage]
/// ```
///
/// It exists, rather than `[XPCMessage]` itself, so that the library owns the storage of every
/// container and can destroy a deeply nested message without recursion: however deep the nesting
/// (a million levels, say), dropping the last reference to a message never takes more than a
/// constant amount of stack.
public struct XPCArray: Sendable {
    /// The shared, copy-on-write storage.
    @usableFromInline
    internal var storage: XPCArrayStorage

    /// Wraps existing storage.
    @inlinable
    internal init(storage: XPCArrayStorage) {
        self.storage = storage
    }

    /// Creates an empty array.
    @inlinable
    public init() {
        storage = XPCArrayStorage.empty
    }

    /// Creates an array holding the elements of a Swift array, sharing its storage.
    @inlinable
    public init(_ elements: [XPCMessage]) {
        storage = elements.isEmpty ? XPCArrayStorage.empty : XPCArrayStorage(elements)
    }

    /// Creates an array holding the elements of a sequence, in order.
    @inlinable
    public init(_ elements: some Sequence<XPCMessage>) {
        self.init(Array(elements))
    }

    /// The elements as a Swift array (sharing storage until either side is mutated).
    @inlinable
    public var elements: [XPCMessage] { storage.elements }

    /// Gives this value storage that no other value shares, copying it if necessary.
    @inlinable
    internal mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            storage = XPCArrayStorage(storage.elements, height: storage.height)
        }
    }

    /// Reserves room for at least `minimumCapacity` elements.
    @inlinable
    public mutating func reserveCapacity(_ minimumCapacity: Int) {
        makeUnique()
        storage.elements.reserveCapacity(minimumCapacity)
    }

    /// Adds an element at the end.
    @inlinable
    public mutating func append(_ newElement: XPCMessage) {
        makeUnique()
        storage.include(newElement)
        storage.elements.append(newElement)
    }

    /// Adds the elements of a sequence at the end, in order.
    @inlinable
    public mutating func append<S: Sequence>(contentsOf newElements: S) where S.Element == XPCMessage {
        makeUnique()
        let start = storage.elements.count
        storage.elements.append(contentsOf: newElements)
        storage.include(storage.elements[start...])
    }

    /// Inserts an element at `index`, which must be a valid index or ``endIndex``.
    @inlinable
    public mutating func insert(_ newElement: XPCMessage, at index: Int) {
        makeUnique()
        storage.include(newElement)
        storage.elements.insert(newElement, at: index)
    }

    /// Removes and returns the element at `index`, which must be a valid index.
    @inlinable
    @discardableResult
    public mutating func remove(at index: Int) -> XPCMessage {
        makeUnique()
        return storage.elements.remove(at: index)
    }

    /// Removes and returns the last element; the array must not be empty.
    @inlinable
    @discardableResult
    public mutating func removeLast() -> XPCMessage {
        makeUnique()
        return storage.elements.removeLast()
    }
}

extension XPCArray: RandomAccessCollection, MutableCollection {
    /// The position of the first element: always 0.
    @inlinable
    public var startIndex: Int { 0 }

    /// The position past the last element: the element count.
    @inlinable
    public var endIndex: Int { storage.elements.count }

    /// The number of elements.
    @inlinable
    public var count: Int { storage.elements.count }

    /// `true` when the array has no elements.
    @inlinable
    public var isEmpty: Bool { storage.elements.isEmpty }

    /// The element at `position`, which must be a valid index.
    @inlinable
    public subscript(position: Int) -> XPCMessage {
        get { storage.elements[position] }
        _modify {
            makeUnique()
            defer { storage.include(storage.elements[position]) }
            yield &storage.elements[position]
        }
    }

    /// Iterates over the elements in order.
    @inlinable
    public func makeIterator() -> IndexingIterator<[XPCMessage]> {
        storage.elements.makeIterator()
    }

    /// Calls `body` with the elements in contiguous memory.
    @inlinable
    public func withContiguousStorageIfAvailable<R>(
        _ body: (UnsafeBufferPointer<XPCMessage>) throws -> R
    ) rethrows -> R? {
        try storage.elements.withContiguousStorageIfAvailable(body)
    }
}

extension XPCArray: RangeReplaceableCollection {
    /// Replaces the elements in `subrange` with `newElements`.
    @inlinable
    public mutating func replaceSubrange<C: Collection>(_ subrange: Range<Int>, with newElements: C)
    where C.Element == XPCMessage {
        makeUnique()
        let start = subrange.lowerBound
        let oldCount = storage.elements.count
        storage.elements.replaceSubrange(subrange, with: newElements)
        let end = subrange.upperBound + storage.elements.count - oldCount
        storage.include(storage.elements[start..<end])
    }
}

extension XPCArray: ExpressibleByArrayLiteral {
    /// Creates an array from a literal.
    @inlinable
    public init(arrayLiteral elements: XPCMessage...) {
        self.init(elements)
    }
}

extension XPCArray: Hashable {
    /// Arrays are equal when they hold equal elements in the same order (wire equality, see
    /// ``XPCMessage``); compared without recursion, at any depth.
    public static func == (lhs: XPCArray, rhs: XPCArray) -> Bool {
        lhs.storage === rhs.storage || XPCMessage.deepEqual(.array(lhs), .array(rhs))
    }

    /// Hashes the elements in order, consistently with `==`; without recursion, at any depth.
    public func hash(into hasher: inout Hasher) {
        XPCMessage.deepHash(.array(self), into: &hasher)
    }
}

extension XPCArray: CustomStringConvertible, CustomDebugStringConvertible {
    /// The rendering of ``XPCMessage/description`` for this array, e.g. `[int64 1, string "a"]`.
    public var description: String { XPCMessage.array(self).description }

    /// The same as ``description``.
    public var debugDescription: String { description }
}

extension Array where Element == XPCMessage {
    /// Creates a Swift array holding the elements of an ``XPCArray``, sharing its storage.
    @inlinable
    public init(_ array: XPCArray) {
        self = array.storage.elements
    }
}

/// The storage of an ``XPCArray``: a class, so that its `deinit` can take deeply nested
/// containers apart without recursion (see `XPCMessage.dismantleElements(of:)`).
///
/// Copy-on-write: ``XPCArray`` mutates it only while holding the only reference, so sharing it
/// between threads is safe.
@usableFromInline
final class XPCArrayStorage: @unchecked Sendable {
    /// The elements. Unchecked exclusivity: the storage is mutated only through a uniquely
    /// referenced ``XPCArray``, never while another access is in progress.
    @usableFromInline
    @exclusivity(unchecked)
    var elements: [XPCMessage]

    /// At least the nesting height of this array (see `XPCMessage.nestingHeight`): every element
    /// that goes in raises it as needed; removals leave it as it was.
    @usableFromInline
    @exclusivity(unchecked)
    var height: Int

    /// The storage of every empty array made by ``XPCArray/init()``: never mutated (it is
    /// shared, so mutations copy it first), and it saves an allocation per empty array.
    @usableFromInline
    static let empty = XPCArrayStorage([], height: 1)

    /// Storage for `elements`, whose nesting height is measured here.
    @inlinable
    init(_ elements: [XPCMessage]) {
        self.elements = elements
        self.height = XPCMessage.nestingHeight(of: elements)
    }

    /// Storage for `elements`, whose nesting height is at most `height`.
    @inlinable
    init(_ elements: [XPCMessage], height: Int) {
        self.elements = elements
        self.height = height
    }

    /// Raises ``height`` for an element that is (or is about to be) among the elements.
    @inlinable
    func include(_ element: XPCMessage) {
        let needed = element.nestingHeight + 1
        if needed > height { height = needed }
    }

    /// Raises ``height`` for elements that are among the elements.
    @inlinable
    func include(_ elements: ArraySlice<XPCMessage>) {
        for element in elements { include(element) }
    }

    deinit {
        if height > XPCMessage.recursiveReleaseHeightLimit {
            XPCMessage.dismantleElements(of: &elements)
        }
    }
}
