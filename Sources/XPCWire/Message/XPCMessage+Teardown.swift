// Destruction, equality and hashing of nested messages without recursion.
//
// Left to the Swift runtime, releasing a container releases its elements, which release theirs,
// one call chain per nesting level: a message nested a few ten thousand levels deep overflows an
// 8 MiB stack in a debug build. The library therefore owns the storage of every container
// (`XPCArrayStorage`, `XPCDictionaryStorage`), and their `deinit`s take nested containers apart
// here, with a worklist on the heap, so that no release ever goes more than one level deep.

extension XPCMessage {
    /// `true` for ``array(_:)`` and ``dictionary(_:)``.
    @inlinable
    var isContainer: Bool {
        switch self {
        case .array, .dictionary: true
        default: false
        }
    }

    /// Called by `XPCArrayStorage.deinit`: empties `elements` without recursing into nested
    /// containers.
    static func dismantleElements(of elements: inout [XPCMessage]) {
        // Arrays of scalars (and of leaf containers) are released as they are: one level deep.
        guard elements.contains(where: \.hasNestedContainers) else { return }
        var worklist: [XPCMessage] = []
        for element in elements where element.isContainer {
            worklist.append(element)
        }
        elements = []
        dismantle(&worklist)
    }

    /// Called by `XPCDictionaryStorage.deinit`: empties `entries` without recursing into nested
    /// containers.
    static func dismantleValues(of entries: inout [XPCDictionary.Element]) {
        guard entries.contains(where: \.value.hasNestedContainers) else { return }
        var worklist: [XPCMessage] = []
        for entry in entries where entry.value.isContainer {
            worklist.append(entry.value)
        }
        entries = []
        dismantle(&worklist)
    }

    /// `true` for a container that holds a container: one whose release could recurse further.
    private var hasNestedContainers: Bool {
        switch self {
        case .array(let array): array.storage.elements.contains(where: \.isContainer)
        case .dictionary(let dictionary): dictionary.storage.entries.contains(where: \.value.isContainer)
        default: false
        }
    }

    /// Releases the containers in `worklist` one level at a time.
    ///
    /// A container whose storage nothing else refers to first gives up its nested containers to
    /// the worklist, so that releasing it releases only scalars and storage already emptied. A
    /// container whose storage is shared is just released: its other owner keeps the rest alive.
    private static func dismantle(_ worklist: inout [XPCMessage]) {
        while let container = worklist.popLast() {
            moveNestedContainers(of: consume container, into: &worklist)
        }
    }

    /// If `container` holds the only reference to its storage, moves its nested containers into
    /// `worklist` and empties the storage; then releases `container`, one level deep.
    ///
    /// The storage is taken out of `container`, which is then consumed, so that the local
    /// reference is the only one when nothing else refers to the storage (a pattern binding or a
    /// copy of the switch subject would keep it shared in an unoptimized build).
    private static func moveNestedContainers(of container: consuming XPCMessage, into worklist: inout [XPCMessage]) {
        var arrayStorage: XPCArrayStorage?
        var dictionaryStorage: XPCDictionaryStorage?
        switch container {
        case .array(let array): arrayStorage = array.storage
        case .dictionary(let dictionary): dictionaryStorage = dictionary.storage
        default: break
        }
        _ = consume container
        if isKnownUniquelyReferenced(&arrayStorage), let storage = arrayStorage {
            guard storage.elements.contains(where: \.isContainer) else { return }
            for element in storage.elements where element.isContainer {
                worklist.append(element)
            }
            storage.elements = []
        } else if isKnownUniquelyReferenced(&dictionaryStorage), let storage = dictionaryStorage {
            guard storage.entries.contains(where: \.value.isContainer) else { return }
            for entry in storage.entries where entry.value.isContainer {
                worklist.append(entry.value)
            }
            storage.entries = []
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
                    let x = a.storage.elements
                    let y = b.storage.elements
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
                    let x = a.storage.entries
                    let y = b.storage.entries
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
                let elements = array.storage.elements
                hasher.combine(Kind.array)
                hasher.combine(elements.count)
                for element in elements {
                    if element.isContainer { pending.append(element) } else { element.hashScalar(into: &hasher) }
                }
            case .dictionary(let dictionary):
                let entries = dictionary.storage.entries
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
