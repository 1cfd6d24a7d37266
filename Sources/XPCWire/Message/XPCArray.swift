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
///
/// The elements live inline in one heap object (one allocation per non-empty array).
// `@unchecked Sendable`: the storage (a `ManagedBuffer`, which is not `Sendable`) is mutated only
// while this value holds the only reference to it.
public struct XPCArray: @unchecked Sendable {
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
        storage = XPCArrayStorage.emptyArray
    }

    /// Creates an array holding the elements of a Swift array, in order (copying them: O(*n*)).
    @inlinable
    public init(_ elements: [XPCMessage]) {
        storage = elements.isEmpty ? XPCArrayStorage.emptyArray : XPCArrayStorage.make(elements)
    }

    /// Creates an array holding the elements of a sequence, in order.
    @inlinable
    public init(_ elements: some Sequence<XPCMessage>) {
        self.init(Array(elements))
    }

    /// The elements as a Swift array: a copy, O(*n*). To read elements, index or iterate the
    /// array itself, which copies nothing.
    @inlinable
    public var elements: [XPCMessage] { storage.array }

    /// Gives this value storage that no other value shares, copying it if necessary.
    @inlinable
    internal mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage.resized(to: storage.count, isUnique: false)
        }
    }

    /// Gives this value unshared storage with room for at least `minimumCapacity` elements; when
    /// it must grow, to at least twice its capacity (`growing`), so appends take amortized O(1).
    @inlinable
    internal mutating func makeUnique(minimumCapacity: Int, growing: Bool) {
        let isUnique = isKnownUniquelyReferenced(&storage)
        if isUnique, storage.storedCapacity >= minimumCapacity { return }
        var capacity = Swift.max(minimumCapacity, storage.count)
        if growing, storage.storedCapacity < minimumCapacity {
            capacity = Swift.max(capacity, 2 * storage.storedCapacity, 4)
        }
        storage = storage.resized(to: capacity, isUnique: isUnique)
    }

    /// Reserves room for at least `minimumCapacity` elements.
    @inlinable
    public mutating func reserveCapacity(_ minimumCapacity: Int) {
        makeUnique(minimumCapacity: minimumCapacity, growing: false)
    }

    /// Adds an element at the end.
    @inlinable
    public mutating func append(_ newElement: XPCMessage) {
        makeUnique(minimumCapacity: storage.count + 1, growing: true)
        storage.include(newElement)
        storage.appendAssumingCapacity(newElement)
    }

    /// Adds the elements of a sequence at the end, in order.
    @inlinable
    public mutating func append<S: Sequence>(contentsOf newElements: S) where S.Element == XPCMessage {
        makeUnique(minimumCapacity: storage.count + newElements.underestimatedCount, growing: true)
        for element in newElements { append(element) }
    }

    /// Inserts an element at `index`, which must be a valid index or ``endIndex``.
    @inlinable
    public mutating func insert(_ newElement: XPCMessage, at index: Int) {
        let count = storage.count
        precondition(index >= 0 && index <= count, "XPCArray index out of range")
        makeUnique(minimumCapacity: count + 1, growing: true)
        storage.include(newElement)
        storage.insertAssumingCapacity(newElement, at: index)
    }

    /// Removes and returns the element at `index`, which must be a valid index.
    @inlinable
    @discardableResult
    public mutating func remove(at index: Int) -> XPCMessage {
        let count = storage.count
        precondition(index >= 0 && index < count, "XPCArray index out of range")
        makeUnique()
        return storage.remove(at: index)
    }

    /// Removes and returns the last element; the array must not be empty.
    @inlinable
    @discardableResult
    public mutating func removeLast() -> XPCMessage {
        precondition(storage.count > 0, "Can't remove last element from an empty XPCArray")
        return remove(at: storage.count - 1)
    }
}

extension XPCArray: RandomAccessCollection, MutableCollection {
    /// The position of the first element: always 0.
    @inlinable
    public var startIndex: Int { 0 }

    /// The position past the last element: the element count.
    @inlinable
    public var endIndex: Int { storage.count }

    /// The number of elements.
    @inlinable
    public var count: Int { storage.count }

    /// `true` when the array has no elements.
    @inlinable
    public var isEmpty: Bool { storage.count == 0 }

    /// The element at `position`, which must be a valid index.
    @inlinable
    public subscript(position: Int) -> XPCMessage {
        get {
            storage.withUnsafeBufferPointer { elements in
                precondition(position >= 0 && position < elements.count, "XPCArray index out of range")
                return elements[position]
            }
        }
        _modify {
            precondition(position >= 0 && position < storage.count, "XPCArray index out of range")
            makeUnique()
            // `self.storage` keeps the storage (and so the pointer) alive during the access.
            let element = storage.elementPointer + position
            defer { storage.include(element.pointee) }
            yield &element.pointee
        }
    }

    /// Calls `body` with the elements in contiguous memory.
    @inlinable
    public func withContiguousStorageIfAvailable<R>(
        _ body: (UnsafeBufferPointer<XPCMessage>) throws -> R
    ) rethrows -> R? {
        try storage.withUnsafeBufferPointer(body)
    }
}

extension XPCArray: RangeReplaceableCollection {
    /// Replaces the elements in `subrange` with `newElements`.
    @inlinable
    public mutating func replaceSubrange<C: Collection>(_ subrange: Range<Int>, with newElements: C)
    where C.Element == XPCMessage {
        var elements = storage.array
        elements.replaceSubrange(subrange, with: newElements)
        let height = storage.height
        storage = XPCArrayStorage.make(elements)
        if height > storage.height { storage.height = height }
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
    /// Creates a Swift array holding the elements of an ``XPCArray`` (a copy, O(*n*)).
    @inlinable
    public init(_ array: XPCArray) {
        self = array.storage.array
    }
}
