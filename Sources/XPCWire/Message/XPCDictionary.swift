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
public struct XPCDictionary: Sendable {
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

    /// The entries, sorted by the UTF-8 bytes of their keys, keys unique by bytes.
    @inlinable
    internal var entries: [Element] { storage.entries }

    /// Creates an empty dictionary.
    @inlinable
    public init() {
        storage = XPCDictionaryStorage.empty
    }

    /// Creates a dictionary from entries already sorted strictly ascending by key bytes.
    ///
    /// The decoder establishes the order itself; no check is repeated here.
    @inlinable
    internal init(sortedUniqueEntries: [Element]) {
        storage = XPCDictionaryStorage(sortedUniqueEntries)
    }

    /// Creates a dictionary from entries already sorted strictly ascending by key bytes, whose
    /// nesting height (see `XPCMessage.nestingHeight`) is known to be at most `height`.
    @inlinable
    internal init(sortedUniqueEntries: [Element], height: Int) {
        storage = XPCDictionaryStorage(sortedUniqueEntries, height: height)
    }

    /// Gives this value storage that no other value shares, copying it if necessary.
    @inlinable
    internal mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            storage = XPCDictionaryStorage(storage.entries, height: storage.height)
        }
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
        storage = XPCDictionaryStorage(entries)
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
    public var count: Int { storage.entries.count }

    /// `true` when the dictionary has no entries.
    @inlinable
    public var isEmpty: Bool { storage.entries.isEmpty }

    /// The keys in canonical (UTF-8 byte) order.
    public var keys: [String] { storage.entries.map(\.key) }

    /// The values in the order of ``keys``.
    public var values: [XPCMessage] { storage.entries.map(\.value) }

    /// The value for `key`, matched by UTF-8 bytes; setting `nil` removes the entry.
    @inlinable
    public subscript(key: String) -> XPCMessage? {
        get {
            switch search(key) {
            case .found(let index): return storage.entries[index].value
            case .insertionPoint: return nil
            }
        }
        set {
            switch (search(key), newValue) {
            case (.found(let index), let value?):
                makeUnique()
                storage.include(value)
                storage.entries[index].value = value
            case (.found(let index), nil):
                makeUnique()
                storage.entries.remove(at: index)
            case (.insertionPoint(let index), let value?):
                makeUnique()
                storage.include(value)
                storage.entries.insert(Element(key: key, value: value), at: index)
            case (.insertionPoint, nil): break
            }
        }
    }

    /// Removes the entry for `key` and returns its value, if there was one.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> XPCMessage? {
        guard case .found(let index) = search(key) else { return nil }
        makeUnique()
        return storage.entries.remove(at: index).value
    }

    @usableFromInline
    enum SearchResult {
        case found(Int)
        case insertionPoint(Int)
    }

    /// Binary search by key bytes.
    @inlinable
    func search(_ key: String) -> SearchResult {
        let entries = storage.entries
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

extension XPCDictionary: RandomAccessCollection {
    /// The position of the first entry.
    @inlinable
    public var startIndex: Int { 0 }

    /// The position past the last entry.
    @inlinable
    public var endIndex: Int { storage.entries.count }

    /// The entry at `position`, in canonical key order.
    @inlinable
    public subscript(position: Int) -> Element { storage.entries[position] }

    /// Iterates over the entries in canonical key order.
    @inlinable
    public func makeIterator() -> IndexingIterator<[Element]> { storage.entries.makeIterator() }
}

extension XPCDictionary: ExpressibleByDictionaryLiteral {
    /// Creates a dictionary from a literal.
    ///
    /// If the literal repeats a key (by UTF-8 bytes), the last value wins, as with assignment
    /// through the subscript. Keys that differ only in Unicode normalization are distinct.
    public init(dictionaryLiteral elements: (String, XPCMessage)...) {
        storage = XPCDictionaryStorage([], height: 1)
        storage.entries.reserveCapacity(elements.count)
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

/// The storage of an ``XPCDictionary``: a class, so that its `deinit` can take deeply nested
/// containers apart without recursion (see `XPCMessage.dismantleValues(of:)`).
///
/// Copy-on-write: ``XPCDictionary`` mutates it only while holding the only reference, so sharing
/// it between threads is safe.
@usableFromInline
final class XPCDictionaryStorage: @unchecked Sendable {
    /// The entries, sorted by key bytes. Unchecked exclusivity: the storage is mutated only through
    /// a uniquely referenced ``XPCDictionary``, never while another access is in progress.
    @usableFromInline
    @exclusivity(unchecked)
    var entries: [XPCDictionary.Element]

    /// At least the nesting height of this dictionary (see `XPCMessage.nestingHeight`): every
    /// value that goes in raises it as needed; removals leave it as it was.
    @usableFromInline
    @exclusivity(unchecked)
    var height: Int

    /// The storage of every empty dictionary made by ``XPCDictionary/init()``: never mutated (it
    /// is shared, so mutations copy it first), and it saves an allocation per empty dictionary.
    @usableFromInline
    static let empty = XPCDictionaryStorage([], height: 1)

    /// Storage for `entries`, whose nesting height is measured here.
    @inlinable
    init(_ entries: [XPCDictionary.Element]) {
        self.entries = entries
        self.height = XPCMessage.nestingHeight(of: entries)
    }

    /// Storage for `entries`, whose nesting height is at most `height`.
    @inlinable
    init(_ entries: [XPCDictionary.Element], height: Int) {
        self.entries = entries
        self.height = height
    }

    /// Raises ``height`` for a value that is (or is about to be) among the entries.
    @inlinable
    func include(_ value: XPCMessage) {
        let needed = value.nestingHeight + 1
        if needed > height { height = needed }
    }

    deinit {
        if height > XPCMessage.recursiveReleaseHeightLimit {
            XPCMessage.dismantleValues(of: &entries)
        }
    }
}
