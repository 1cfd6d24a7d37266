/// Where a value sits inside a message: a list of dictionary keys and array indices.
///
/// Its description reads like a Swift access path: `items[3].name`, with keys that are not
/// plain identifiers quoted (`["content-type"]`), and `<root>` for the empty path.
public struct XPCMessagePath: Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// One step into a container.
    public enum Component: Hashable, Sendable {
        /// A dictionary key.
        case key(String)
        /// An array index.
        case index(Int)
    }

    /// The steps from the root, outermost first.
    public var components: [Component]

    /// Creates a path from its steps.
    public init(_ components: [Component] = []) {
        self.components = components
    }

    /// Creates a path from a literal list of steps.
    public init(arrayLiteral elements: Component...) {
        self.components = elements
    }

    /// This path with `component` put in front, as errors are built on the way out of containers.
    public func prepending(_ component: Component) -> XPCMessagePath {
        XPCMessagePath([component] + components)
    }

    /// The path as `items[3].name`.
    public var description: String {
        if components.isEmpty { return "<root>" }
        var text = ""
        for component in components {
            switch component {
            case .index(let index):
                text += "[\(index)]"
            case .key(let key) where Self.isIdentifier(key):
                text += text.isEmpty ? key : "." + key
            case .key(let key):
                text += "[\(String(reflecting: key))]"
            }
        }
        return text
    }

    private static func isIdentifier(_ key: String) -> Bool {
        guard let first = key.utf8.first, !(0x30...0x39).contains(first) else { return false }
        return key.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte) || byte == 0x5f
        }
    }
}
