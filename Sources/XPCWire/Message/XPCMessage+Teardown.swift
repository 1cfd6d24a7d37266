// Destruction, equality and hashing of nested messages without recursion.
//
// Left to the Swift runtime, releasing a container releases its elements, which release theirs,
// one call chain per nesting level: a message nested a few ten thousand levels deep overflows an
// 8 MiB stack in a debug build. The library therefore owns the storage of every container
// (`XPCArrayStorage`, `XPCDictionaryStorage`), which records an upper bound of its nesting height.
// Storage no higher than `recursiveReleaseHeightLimit` is released by the runtime as usual (a
// bounded recursion); higher storage is taken apart here, with a worklist on the heap, so that no
// release ever recurses more than that many levels.

extension XPCMessage {
    /// Containers up to this nesting height are released by the Swift runtime, recursively: about
    /// 200 bytes of stack per level in a debug build, so some 50 KiB at most. Higher ones are
    /// taken apart iteratively. The decoder's default depth limit is the same, so decoded messages
    /// normally never take the iterative path.
    @inlinable
    static var recursiveReleaseHeightLimit: Int { 256 }

    /// `true` for ``array(_:)`` and ``dictionary(_:)``.
    @inlinable
    var isContainer: Bool {
        switch self {
        case .array, .dictionary: true
        default: false
        }
    }

    /// An upper bound of the nesting height: 0 for a scalar; for a container, one more than the
    /// highest of its elements (so 1 for a container of scalars). Exact for a value just built.
    @inlinable
    var nestingHeight: Int {
        switch self {
        case .array(let array): array.storage.height
        case .dictionary(let dictionary): dictionary.storage.height
        default: 0
        }
    }

    /// The nesting height of a container holding `elements`.
    @inlinable
    static func nestingHeight<Element: XPCContainerElement>(of elements: UnsafeBufferPointer<Element>) -> Int {
        var height = 1
        for element in elements where element.containedMessage.isContainer {
            height = max(height, element.containedMessage.nestingHeight + 1)
        }
        return height
    }

    /// `true` for a container that the runtime should not release recursively.
    private var isTooHighToReleaseRecursively: Bool {
        nestingHeight > XPCMessage.recursiveReleaseHeightLimit
    }

    /// Called by the `deinit` of high storage: empties it, releasing recursively only what is
    /// low enough.
    static func dismantleElements<Element>(of storage: XPCContainerStorage<Element>) {
        var worklist: [XPCMessage] = []
        takeHighElements(of: storage, into: &worklist)
        dismantle(&worklist)
    }

    /// Copies the high elements of `storage` into `worklist`, then empties it: releasing the
    /// elements then recurses only into low ones (the worklist still holds the high ones).
    private static func takeHighElements<Element>(of storage: XPCContainerStorage<Element>, into worklist: inout [XPCMessage]) {
        storage.withUnsafeBufferPointer { elements in
            for element in elements where element.containedMessage.isTooHighToReleaseRecursively {
                worklist.append(element.containedMessage)
            }
        }
        storage.removeAll()
        storage.height = 1
    }

    /// Releases the high containers in `worklist` one level at a time.
    ///
    /// A container whose storage nothing else refers to first gives up its high elements to the
    /// worklist, so that releasing it recurses only into low ones. A container whose storage is
    /// shared is just released: its other owner keeps the rest alive.
    private static func dismantle(_ worklist: inout [XPCMessage]) {
        while let container = worklist.popLast() {
            moveHighElements(of: consume container, into: &worklist)
        }
    }

    /// If `container` holds the only reference to its storage, moves its high elements into
    /// `worklist` and empties the storage; then releases `container`.
    ///
    /// The storage is taken out of `container`, which is then consumed, so that the local
    /// reference is the only one when nothing else refers to the storage (a pattern binding or a
    /// copy of the switch subject would keep it shared in an unoptimized build).
    private static func moveHighElements(of container: consuming XPCMessage, into worklist: inout [XPCMessage]) {
        var arrayStorage: XPCArrayStorage?
        var dictionaryStorage: XPCDictionaryStorage?
        switch container {
        case .array(let array): arrayStorage = array.storage
        case .dictionary(let dictionary): dictionaryStorage = dictionary.storage
        default: break
        }
        _ = consume container
        if isKnownUniquelyReferenced(&arrayStorage), let storage = arrayStorage {
            takeHighElements(of: storage, into: &worklist)
        } else if isKnownUniquelyReferenced(&dictionaryStorage), let storage = dictionaryStorage {
            takeHighElements(of: storage, into: &worklist)
        }
    }
}

// MARK: - Equality and hashing

extension XPCMessage {
    /// Wire equality of two messages, walked with a worklist instead of recursion.
    ///
    /// Containers that share storage are equal without a look inside (every comparison here is
    /// reflexive: doubles compare by bit pattern, so a NaN equals itself).
    @usableFromInline
    static func deepEqual(_ lhs: XPCMessage, _ rhs: XPCMessage) -> Bool {
        var pending: [(XPCMessage, XPCMessage)] = []
        var left = lhs
        var right = rhs
        while true {
            switch (left, right) {
            case (.array(let a), .array(let b)):
                if a.storage !== b.storage {
                    let x = a
                    let y = b
                    guard x.count == y.count else { return false }
                    for index in x.indices {
                        if x[index].isContainer {
                            pending.append((x[index], y[index]))
                        } else if !(x[index] == y[index]) {
                            return false
                        }
                    }
                }
            case (.dictionary(let a), .dictionary(let b)):
                if a.storage !== b.storage {
                    let x = a
                    let y = b
                    guard x.count == y.count else { return false }
                    for index in x.indices {
                        guard UTF8Order.equal(x[index].key, y[index].key) else { return false }
                        if x[index].value.isContainer {
                            pending.append((x[index].value, y[index].value))
                        } else if !(x[index].value == y[index].value) {
                            return false
                        }
                    }
                }
            default:
                // At most one side is a container here, so `==` does not come back.
                if !(left == right) { return false }
            }
            guard let next = pending.popLast() else { return true }
            (left, right) = next
        }
    }

    /// Hashes a message consistently with ``deepEqual(_:_:)``, walked with a worklist instead of
    /// recursion: each container contributes its kind and count (and a dictionary its keys) and
    /// its scalars in order; its nested containers follow, in an order fixed by the structure.
    @usableFromInline
    static func deepHash(_ message: XPCMessage, into hasher: inout Hasher) {
        var pending: [XPCMessage] = []
        var current = message
        while true {
            switch current {
            case .array(let array):
                let elements = array
                hasher.combine(Kind.array)
                hasher.combine(elements.count)
                for element in elements {
                    if element.isContainer { pending.append(element) } else { element.hashScalar(into: &hasher) }
                }
            case .dictionary(let dictionary):
                let entries = dictionary
                hasher.combine(Kind.dictionary)
                hasher.combine(entries.count)
                for entry in entries {
                    hasher.combine(entry.key.utf8.count)
                    for byte in entry.key.utf8 { hasher.combine(byte) }
                    if entry.value.isContainer {
                        pending.append(entry.value)
                    } else {
                        entry.value.hashScalar(into: &hasher)
                    }
                }
            default:
                current.hashScalar(into: &hasher)
            }
            guard let next = pending.popLast() else { return }
            current = next
        }
    }
}
