/// The string-keyed container of the XPC message model.
///
/// Entries are kept sorted by the UTF-8 bytes of their keys, which is the canonical order on the
/// wire (SPEC §5.2). Two keys are the same key only when their bytes are equal: the precomposed
/// `"é"` (C3 A9) and the decomposed `"e\u{301}"` (65 CC 81) are *different* keys here, although
/// Swift considers the strings equal, so a dictionary can never silently lose one of them.
///
/// ```swift
/// var options: XPCDictionary = ["verbose": true]
/// options["level"] = 3
/// print(options.keys)   // ["level", "verbose"]
/// ```
///
/// The entries live inline in one heap object (one allocation per non-empty dictionary).
// `@unchecked Sendable`: the storage (a `ManagedBuffer`, which is not `Sendable`) is mutated only
// while this value holds the only reference to it.
public struct XPCDictionary: @unchecked Sendable {
    /// One key-value pair.
    public struct Element: Sendable {
        /// The key.
        public var key: String
        /// The value.
        public var value: XPCMessage

        /// Creates an entry.
        @inlinable
        public init(key: String, value: XPCMessage) {
            self.key = key
            self.value = value
        }
    }

    /// The shared, copy-on-write storage of the entries.
    @usableFromInline
    internal var storage: XPCDictionaryStorage

    /// The entries, sorted by the UTF-8 bytes of their keys, keys unique by bytes (a copy).
    @inlinable
    internal var entries: [Element] { storage.array }

    /// Creates an empty dictionary.
    @inlinable
    public init() {
        storage = XPCDictionaryStorage.emptyDictionary
    }

    /// Wraps existing storage, whose entries are sorted strictly ascending by key bytes.
    @inlinable
    internal init(storage: XPCDictionaryStorage) {
        self.storage = storage
    }

    /// Creates a dictionary from entries already sorted strictly ascending by key bytes.
    ///
    /// The decoder establishes the order itself; no check is repeated here.
    @inlinable
    internal init(sortedUniqueEntries: [Element]) {
        storage = sortedUniqueEntries.isEmpty ? XPCDictionaryStorage.emptyDictionary : XPCDictionaryStorage.make(sortedUniqueEntries)
    }

    /// Gives this value storage that no other value shares, copying it if necessary, with room
    /// for at least `minimumCapacity` entries.
    @inlinable
    internal mutating func makeUnique(minimumCapacity: Int = 0) {
        let isUnique = isKnownUniquelyReferenced(&storage)
        if isUnique, storage.storedCapacity >= minimumCapacity { return }
        var capacity = Swift.max(minimumCapacity, storage.count)
        if storage.storedCapacity < minimumCapacity {
            capacity = Swift.max(capacity, 2 * storage.storedCapacity, 4)
        }
        storage = storage.resized(to: capacity, isUnique: isUnique)
    }

    /// Inserts `entry` at `index` (where the search for its key ended).
    @inlinable
    internal mutating func insert(_ entry: Element, at index: Int) {
        let count = storage.count
        makeUnique(minimumCapacity: count + 1)
        storage.include(entry)
        storage.insertAssumingCapacity(entry, at: index)
    }

    /// Removes the entry at `index` (found by a search) and returns it.
    @inlinable
    internal mutating func remove(at index: Int) -> Element {
        makeUnique()
        return storage.remove(at: index)
    }

    /// Creates a dictionary from key-value pairs with unique keys.
    ///
    /// - Throws: ``DuplicateKeyError`` naming the first key (by bytes) that occurs twice.
    public init<S: Sequence>(uniqueKeysWithValues pairs: S) throws(DuplicateKeyError)
    where S.Element == (String, XPCMessage) {
        var entries = pairs.map { Element(key: $0.0, value: $0.1) }
        entries.sort { UTF8Order.compare($0.key, $1.key) < 0 }
        var index = 1
        while index < entries.count {
            if UTF8Order.equal(entries[index - 1].key, entries[index].key) {
                throw DuplicateKeyError(key: entries[index].key)
            }
            index += 1
        }
        storage = entries.isEmpty ? XPCDictionaryStorage.emptyDictionary : XPCDictionaryStorage.make(entries)
    }

    /// The error thrown when a dictionary is built from pairs that repeat a key.
    public struct DuplicateKeyError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The repeated key.
        public var key: String

        /// Creates the error for a repeated key.
        public init(key: String) {
            self.key = key
        }

        /// A readable account of the error.
        public var description: String { "duplicate dictionary key \(String(reflecting: key))" }
    }

    /// The number of entries.
    @inlinable
    public var count: Int { storage.count }

    /// `true` when the dictionary has no entries.
    @inlinable
    public var isEmpty: Bool { storage.count == 0 }

    /// The keys in canonical (UTF-8 byte) order.
    public var keys: [String] { storage.entries.map(\.key) }

    /// The values in the order of ``keys``.
    public var values: [XPCMessage] { storage.entries.map(\.value) }

    /// The value for `key`, matched by UTF-8 bytes; setting `nil` removes the entry.
    @inlinable
    public subscript(key: String) -> XPCMessage? {
        get {
            switch search(key) {
            case .found(let index): return storage.withUnsafeBufferPointer { $0[index].value }
            case .insertionPoint: return nil
            }
        }
        set {
            switch (search(key), newValue) {
            case (.found(let index), let value?):
                makeUnique()
                storage.include(Element(key: key, value: value))
                storage.elementPointer[index].value = value
            case (.found(let index), nil):
                _ = remove(at: index)
            case (.insertionPoint(let index), let value?):
                insert(Element(key: key, value: value), at: index)
            case (.insertionPoint, nil): break
            }
        }
    }

    /// Removes the entry for `key` and returns its value, if there was one.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> XPCMessage? {
        guard case .found(let index) = search(key) else { return nil }
        return remove(at: index).value
    }

    @usableFromInline
    enum SearchResult {
        case found(Int)
        case insertionPoint(Int)
    }

    /// Binary search by key bytes.
    @inlinable
    func search(_ key: String) -> SearchResult {
        storage.withUnsafeBufferPointer { entries in
            var low = 0
            var high = entries.count
            while low < high {
                let middle = low + (high - low) / 2
                let order = UTF8Order.compare(entries[middle].key, key)
                if order == 0 { return .found(middle) }
                if order < 0 { low = middle + 1 } else { high = middle }
            }
            return .insertionPoint(low)
        }
    }
}

extension XPCDictionary: RandomAccessCollection {
    /// The position of the first entry.
    @inlinable
    public var startIndex: Int { 0 }

    /// The position past the last entry.
    @inlinable
    public var endIndex: Int { storage.count }

    /// The entry at `position`, in canonical key order.
    @inlinable
    public subscript(position: Int) -> Element {
        storage.withUnsafeBufferPointer { entries in
            precondition(position >= 0 && position < entries.count, "XPCDictionary index out of range")
            return entries[position]
        }
    }

    /// Calls `body` with the entries, in canonical key order, in contiguous memory.
    @inlinable
    public func withContiguousStorageIfAvailable<R>(
        _ body: (UnsafeBufferPointer<Element>) throws -> R
    ) rethrows -> R? {
        try storage.withUnsafeBufferPointer(body)
    }
}

extension XPCDictionary: ExpressibleByDictionaryLiteral {
    /// Creates a dictionary from a literal.
    ///
    /// If the literal repeats a key (by UTF-8 bytes), the last value wins, as with assignment
    /// through the subscript. Keys that differ only in Unicode normalization are distinct.
    public init(dictionaryLiteral elements: (String, XPCMessage)...) {
        storage = elements.isEmpty ? XPCDictionaryStorage.emptyDictionary : XPCDictionaryStorage.make(capacity: elements.count)
        for (key, value) in elements {
            self[key] = value
        }
    }
}

extension XPCDictionary.Element: Equatable {
    /// Entries are equal when their keys have identical bytes and their values are equal.
    @inlinable
    public static func == (lhs: Self, rhs: Self) -> Bool {
        UTF8Order.equal(lhs.key, rhs.key) && lhs.value == rhs.value
    }
}

extension XPCDictionary.Element: Hashable {
    /// Hashes the key's bytes and the value.
    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(key.utf8.count)
        for byte in key.utf8 { hasher.combine(byte) }
        hasher.combine(value)
    }
}

extension XPCDictionary: Hashable {
    /// Dictionaries are equal when they hold equal entries (key bytes and values); compared
    /// without recursion, at any depth.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.storage === rhs.storage || XPCMessage.deepEqual(.dictionary(lhs), .dictionary(rhs))
    }

    /// Hashes the entries in canonical order, consistently with `==`; without recursion, at any depth.
    public func hash(into hasher: inout Hasher) {
        XPCMessage.deepHash(.dictionary(self), into: &hasher)
    }
}
