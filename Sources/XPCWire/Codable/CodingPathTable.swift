/// The places one encode or decode has visited, each with the place it is in: coding paths are
/// read from it only when someone asks for one (an error, a custom `encode(to:)` or
/// `init(from:)`), so visiting a place costs an append, never an array of keys.
struct CodingPathTable {
    /// How a place is reached from its parent.
    enum Component {
        /// It is the parent's place (the root, or a value handed on by a single-value container).
        case none
        case key(any CodingKey)
        case index(Int)

        /// The coding key this component adds to a path (an empty key for ``none``, never asked for).
        var key: any CodingKey {
            switch self {
            case .none: XPCCodingKey(stringValue: "")
            case .key(let key): key
            case .index(let index): XPCCodingKey(index: index)
            }
        }
    }

    private struct Place {
        /// The enclosing place; `-1` at the root.
        let parent: Int
        let component: Component
    }

    private var places: [Place] = []

    init(capacity: Int) {
        places.reserveCapacity(capacity)
    }

    /// Records a place inside `parent` (`-1`: at the root) and returns it.
    mutating func add(parent: Int, _ component: Component) -> Int {
        places.append(Place(parent: parent, component: component))
        return places.count - 1
    }

    /// The keys and indices from the root to `place`.
    func codingPath(of place: Int) -> [any CodingKey] {
        var keys: [any CodingKey] = []
        var current = place
        while current >= 0, current < places.count {
            switch places[current].component {
            case .none: break
            case .key(let key): keys.append(key)
            case .index(let index): keys.append(XPCCodingKey(index: index))
            }
            current = places[current].parent
        }
        return keys.reversed()
    }
}
