/// Why ``XPCSchema/init(for:options:)`` could not derive a schema from a `Decodable` type, and
/// where in the message the problem sits (SPEC §9.4.4).
///
/// Every case names the type whose `init(from:)` was being probed and the path of the value it
/// decodes, written as in ``XPCMessagePath`` (`items[0].owner`). In paths, the key `*` stands for
/// any key of a dictionary the type reads through `allKeys`, such as a `[String: T]`.
///
/// ```swift
/// struct Node: Decodable { var name: String; var children: [Node] }
///
/// do {
///     _ = try XPCSchema(for: Node.self)
/// } catch {
///     print(error)  // children[0]: Node contains itself; a recursive type has no finite schema
/// }
/// ```
///
/// A type that cannot be derived can describe itself instead by conforming to
/// ``XPCSchemaProviding``.
public enum XPCSchemaDerivationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The type contains a value of its own type (directly, or through arrays, optionals,
    /// dictionaries or other types): a schema is a finite tree, so it cannot describe it. The
    /// path is where the type was asked for again.
    ///
    /// ```swift
    /// final class List: Decodable { var value = 0; var next: List? }
    /// // XPCSchema(for: List.self) throws .recursiveType(type: "List", path: [.key("next")])
    /// ```
    case recursiveType(type: String, path: XPCMessagePath)

    /// The type reads which keys a dictionary holds (`allKeys`) through a key type that accepts
    /// only fixed names, so the probe cannot name "any key": a synthesized `Codable` enum (with or
    /// without associated values), or a type that switches over `allKeys` of its `CodingKeys`.
    /// The path is the dictionary's.
    ///
    /// ```swift
    /// enum Shape: Decodable { case circle(radius: Double), square(side: Double) }
    /// // XPCSchema(for: Shape.self) throws .keysNotEnumerable(type: "Shape", path: [])
    /// ```
    case keysNotEnumerable(type: String, path: XPCMessagePath)

    /// The type's `init(from:)` threw while being probed — usually because it rejects the
    /// placeholder values the probe hands it (a `String` raw-value enum that is not
    /// `CaseIterable`, a validating initializer). `reason` is the error's debug description.
    ///
    /// ```swift
    /// enum Mode: String, Decodable { case fast, safe }   // not CaseIterable
    /// // XPCSchema(for: Mode.self) throws .initializerFailed(type: "Mode", path: [], reason: "Cannot initialize Mode from invalid String value x")
    /// ```
    case initializerFailed(type: String, path: XPCMessagePath, reason: String)

    /// The type asks for two shapes at one place that no single value has (a dictionary and an
    /// array, a string and an integer); `first` and `second` are the shapes, in the order they
    /// were derived.
    ///
    /// ```swift
    /// // an init(from:) that opens both decoder.container(keyedBy:) and decoder.unkeyedContainer()
    /// // throws .conflictingShapes(type: "Both", path: [], first: .dictionary([]), second: .array(.any))
    /// ```
    case conflictingShapes(type: String, path: XPCMessagePath, first: XPCSchema, second: XPCSchema)

    /// The type whose `init(from:)` was being probed, as `String(describing:)` spells it.
    ///
    /// ```swift
    /// XPCSchemaDerivationError.recursiveType(type: "Node", path: [.key("children"), .index(0)]).typeName  // "Node"
    /// ```
    public var typeName: String {
        switch self {
        case .recursiveType(let type, _), .keysNotEnumerable(let type, _),
             .initializerFailed(let type, _, _), .conflictingShapes(let type, _, _, _):
            type
        }
    }

    /// Where in the message the problem sits.
    ///
    /// ```swift
    /// XPCSchemaDerivationError.recursiveType(type: "Node", path: [.key("children"), .index(0)]).path.description
    /// // "children[0]"
    /// ```
    public var path: XPCMessagePath {
        switch self {
        case .recursiveType(_, let path), .keysNotEnumerable(_, let path),
             .initializerFailed(_, let path, _), .conflictingShapes(_, let path, _, _):
            path
        }
    }

    /// The path, the type and what went wrong.
    ///
    /// ```swift
    /// print(XPCSchemaDerivationError.recursiveType(type: "Node", path: [.key("children"), .index(0)]))
    /// // children[0]: Node contains itself; a recursive type has no finite schema
    /// ```
    public var description: String {
        switch self {
        case .recursiveType(let type, let path):
            "\(path): \(type) contains itself; a recursive type has no finite schema"
        case .keysNotEnumerable(let type, let path):
            "\(path): \(type) reads the keys of a dictionary (allKeys) through a key type with fixed names; "
                + "the probe cannot enumerate them (a synthesized Codable enum?)"
        case .initializerFailed(let type, let path, let reason):
            "\(path): init(from:) of \(type) failed on the probe's placeholder values: \(reason)"
        case .conflictingShapes(let type, let path, let first, let second):
            "\(path): \(type) asks for two shapes no value has: \(first.jsonDescription(pretty: false)) and \(second.jsonDescription(pretty: false))"
        }
    }
}
