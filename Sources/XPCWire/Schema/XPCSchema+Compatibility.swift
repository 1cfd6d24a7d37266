/// A breaking change between the schema a reader expects and the schema a writer follows: a
/// kind of message the writer may send that the reader rejects (SPEC §9.4.3).
///
/// ```swift
/// let old: XPCSchema = .dictionary([.required("name", .string())])
/// let new: XPCSchema = .dictionary([.required("name", .string()), .required("age", .int64())])
/// XPCSchema.compatibility(reader: new, writer: old).map(\.description)
/// // ["age: the reader requires a field the writer does not declare"]
/// ```
public struct XPCSchemaChange: Hashable, Sendable, CustomStringConvertible {
    /// One step from the root of a schema to the place of a change.
    public enum Step: Hashable, Sendable {
        /// A named field of a dictionary.
        case field(String)
        /// Every element of an array, written `[*]`.
        case element
        /// The value of any extra key of a dictionary, written `.*`.
        case extraKey
    }

    /// What changed.
    public enum Kind: Hashable, Sendable, CustomStringConvertible {
        /// The writer may send these variants, which the reader does not accept at all: a type
        /// changed, or (with `null`) an optional value made non-optional.
        case kindsNotAccepted(sent: XPCSchema.Kinds, accepted: XPCSchema.Kinds)
        /// The reader's `oneOf` has several alternatives for the variant, and none of them
        /// accepts everything the writer may send of it. (The check is conservative: a split of
        /// the writer's values across alternatives is reported too.)
        case noAlternativeCovers(XPCMessage.Kind)
        /// The reader's int64 range does not contain the writer's (`nil`: every int64).
        case int64RangeNarrowed(writer: ClosedRange<Int64>?, reader: ClosedRange<Int64>)
        /// The reader's uint64 range does not contain the writer's (`nil`: every uint64).
        case uint64RangeNarrowed(writer: ClosedRange<UInt64>?, reader: ClosedRange<UInt64>)
        /// The reader's maximum string length is below the writer's (`nil`: unbounded).
        case stringMaximumLengthReduced(writer: Int?, reader: Int)
        /// The reader's maximum data length is below the writer's (`nil`: unbounded).
        case dataMaximumLengthReduced(writer: Int?, reader: Int)
        /// The reader's maximum array count is below the writer's (`nil`: unbounded).
        case maximumCountReduced(writer: Int?, reader: Int)
        /// The reader requires a field the writer's schema does not declare: a required field
        /// was added, or a field the reader requires was removed.
        case requiredFieldAdded
        /// The reader requires a field the writer declares as optional.
        case fieldMadeRequired
        /// The writer declares a field that the reader rejects as an unexpected key.
        case fieldRejected
        /// The writer allows extra keys and the reader rejects them.
        case extraKeysRejected

        /// The change in words.
        public var description: String {
            switch self {
            case .kindsNotAccepted(let sent, let accepted):
                "the writer may send \(sent); the reader accepts \(accepted)"
            case .noAlternativeCovers(let kind):
                "no alternative of the reader's oneOf accepts every \(kind) the writer may send"
            case .int64RangeNarrowed(let writer, let reader):
                "int64 range narrowed from \(Self.render(writer)) to \(Self.render(reader))"
            case .uint64RangeNarrowed(let writer, let reader):
                "uint64 range narrowed from \(Self.render(writer)) to \(Self.render(reader))"
            case .stringMaximumLengthReduced(let writer, let reader):
                "string maximum length reduced from \(writer.map(String.init) ?? "unbounded") to \(reader)"
            case .dataMaximumLengthReduced(let writer, let reader):
                "data maximum length reduced from \(writer.map(String.init) ?? "unbounded") to \(reader)"
            case .maximumCountReduced(let writer, let reader):
                "array maximum count reduced from \(writer.map(String.init) ?? "unbounded") to \(reader)"
            case .requiredFieldAdded:
                "the reader requires a field the writer does not declare"
            case .fieldMadeRequired:
                "the reader requires a field the writer declares optional"
            case .fieldRejected:
                "the writer declares a field the reader rejects as an unexpected key"
            case .extraKeysRejected:
                "the writer allows extra keys and the reader rejects them"
            }
        }

        private static func render<Bound: FixedWidthInteger>(_ range: ClosedRange<Bound>?) -> String {
            let range = range ?? Bound.min...Bound.max
            return "\(range.lowerBound)...\(range.upperBound)"
        }
    }

    /// Where in the schema the change is; empty for the root.
    public var path: [Step]
    /// What changed.
    public var kind: Kind

    /// Creates a change.
    public init(path: [Step], kind: Kind) {
        self.path = path
        self.kind = kind
    }

    /// The path as `items[*].name`, `options.*` for extra keys, `<root>` for the root.
    public var pathDescription: String {
        if path.isEmpty { return "<root>" }
        var text = ""
        for step in path {
            switch step {
            case .element: text += "[*]"
            case .extraKey: text += text.isEmpty ? "*" : ".*"
            case .field(let name): text += XPCMessagePath([.key(name)]).description.withSeparator(after: text)
            }
        }
        return text
    }

    /// For example `items[*].count: int64 range narrowed from 0...100 to 0...10`.
    public var description: String {
        "\(pathDescription): \(kind)"
    }
}

extension String {
    /// A rendered key appended after `previous`: identifiers need a `.` unless they come first.
    fileprivate func withSeparator(after previous: String) -> String {
        previous.isEmpty || hasPrefix("[") ? self : "." + self
    }
}

extension XPCSchema {
    /// Every breaking change between a reader's schema and a writer's: each kind of message that
    /// matches `writer` but not `reader` (SPEC §9.4.3). Empty when every message the writer may
    /// send is accepted by the reader.
    ///
    /// To check a new version against an old one, ask both directions:
    /// `compatibility(reader: new, writer: old)` (new readers, old messages: adding a required
    /// field or narrowing a range breaks) and `compatibility(reader: old, writer: new)` (old
    /// readers, new messages: widening a range breaks).
    ///
    /// ```swift
    /// let old: XPCSchema = .dictionary([.required("count", .int64(range: 0...100))])
    /// let new: XPCSchema = .dictionary([.required("count", .int64(range: 0...10)),
    ///                                   .optional("label", .string())])
    /// XPCSchema.compatibility(reader: new, writer: old).map(\.description)
    /// // ["count: int64 range narrowed from 0...100 to 0...10"]
    /// ```
    ///
    /// A field the reader declares optional and the writer does not declare is compatible when
    /// the writer allows extra keys (SPEC §9.1.4 rule 1: a writer that allows extra keys is
    /// assumed not to send that key).
    public static func compatibility(reader: XPCSchema, writer: XPCSchema) -> [XPCSchemaChange] {
        var comparison = SchemaComparison()
        comparison.compare(reader: reader, writer: writer)
        return comparison.changes
    }
}

/// Collects the breaking changes between a reader's and a writer's schema, with their paths.
private struct SchemaComparison {
    var changes: [XPCSchemaChange] = []
    var path: [XPCSchemaChange.Step] = []

    mutating func report(_ kind: XPCSchemaChange.Kind) {
        changes.append(XPCSchemaChange(path: path, kind: kind))
    }

    /// The least constrained schema of each variant: what `any` may send of it.
    static func widest(_ kind: XPCMessage.Kind) -> XPCSchema {
        switch kind {
        case .null: .null
        case .bool: .bool
        case .int64: .int64()
        case .uint64: .uint64()
        case .double: .double
        case .string: .string()
        case .data: .data()
        case .fd: .fd
        case .uuid: .uuid
        case .date: .date
        case .endpoint: .endpoint
        case .array: .array(.any)
        case .dictionary: .dictionary([], extraKeys: .allow)
        }
    }

    mutating func compare(reader: XPCSchema, writer: XPCSchema) {
        if case .any = reader { return }
        switch writer {
        case .optional(let wrapped):
            compare(reader: reader, writer: .null)
            compare(reader: reader, writer: wrapped)
        case .oneOf(let alternatives):
            for alternative in alternatives {
                compare(reader: reader, writer: alternative)
            }
        case .any:
            let accepted = reader.acceptedKinds
            let missing = XPCSchema.Kinds.all.subtracting(accepted)
            if !missing.isEmpty {
                report(.kindsNotAccepted(sent: missing, accepted: accepted))
            }
            for kind in accepted.kinds {
                compare(reader: reader, writer: Self.widest(kind))
            }
        default:
            compare(reader: reader, singleKindWriter: writer)
        }
    }

    /// `writer` is neither `any`, `optional` nor `oneOf`: it has exactly one variant.
    mutating func compare(reader: XPCSchema, singleKindWriter writer: XPCSchema) {
        let kind = writer.acceptedKinds.kinds.first ?? .null
        switch reader {
        case .any:
            return
        case .optional(let wrapped):
            if kind != .null {
                compare(reader: wrapped, writer: writer)
            }
            return
        case .oneOf(let alternatives):
            compare(alternatives: alternatives, of: reader, writer: writer, kind: kind)
            return
        default:
            break
        }
        guard reader.acceptedKinds.contains(kind) else {
            report(.kindsNotAccepted(sent: XPCSchema.Kinds(kind), accepted: reader.acceptedKinds))
            return
        }
        switch (reader, writer) {
        case (.int64(let readerRange?), .int64(let writerRange)):
            if !Self.contains(readerRange, writerRange) {
                report(.int64RangeNarrowed(writer: writerRange, reader: readerRange))
            }
        case (.uint64(let readerRange?), .uint64(let writerRange)):
            if !Self.contains(readerRange, writerRange) {
                report(.uint64RangeNarrowed(writer: writerRange, reader: readerRange))
            }
        case (.string(let readerMaximum?), .string(let writerMaximum)):
            if !Self.fits(writerMaximum, in: readerMaximum) {
                report(.stringMaximumLengthReduced(writer: writerMaximum, reader: readerMaximum))
            }
        case (.data(let readerMaximum?), .data(let writerMaximum)):
            if !Self.fits(writerMaximum, in: readerMaximum) {
                report(.dataMaximumLengthReduced(writer: writerMaximum, reader: readerMaximum))
            }
        case (.array(let readerElement, let readerMaximum), .array(let writerElement, let writerMaximum)):
            if let readerMaximum, !Self.fits(writerMaximum, in: readerMaximum) {
                report(.maximumCountReduced(writer: writerMaximum, reader: readerMaximum))
            }
            path.append(.element)
            compare(reader: readerElement, writer: writerElement)
            path.removeLast()
        case (.dictionary(let readerFields), .dictionary(let writerFields)):
            compare(reader: readerFields, writer: writerFields)
        default:
            // Same variant, and the reader constrains nothing the writer could exceed.
            break
        }
    }

    /// A single-variant writer against a reader's `oneOf`.
    mutating func compare(alternatives: [XPCSchema], of reader: XPCSchema, writer: XPCSchema, kind: XPCMessage.Kind) {
        let candidates = alternatives.filter { $0.acceptedKinds.contains(kind) }
        guard !candidates.isEmpty else {
            report(.kindsNotAccepted(sent: XPCSchema.Kinds(kind), accepted: reader.acceptedKinds))
            return
        }
        var bestChanges: [XPCSchemaChange] = []
        for candidate in candidates {
            var trial = SchemaComparison(changes: [], path: path)
            trial.compare(reader: candidate, writer: writer)
            if trial.changes.isEmpty { return }
            if bestChanges.isEmpty { bestChanges = trial.changes }
        }
        if candidates.count == 1 {
            changes += bestChanges
        } else {
            report(.noAlternativeCovers(kind))
        }
    }

    mutating func compare(reader: XPCSchema.Fields, writer: XPCSchema.Fields) {
        let readerFields = reader.fields
        let writerFields = writer.fields
        var readerIndex = 0
        var writerIndex = 0
        while readerIndex < readerFields.count || writerIndex < writerFields.count {
            let order = UTF8Order.mergeOrder(
                readerIndex < readerFields.count ? readerFields[readerIndex].name : nil,
                writerIndex < writerFields.count ? writerFields[writerIndex].name : nil)
            if order < 0 {
                // A field only the reader declares.
                let field = readerFields[readerIndex]
                path.append(.field(field.name))
                if field.isRequired {
                    report(.requiredFieldAdded)
                } else if case .matching(let extraSchema) = writer.extraKeys {
                    compare(reader: field.schema, writer: extraSchema)
                }
                path.removeLast()
                readerIndex += 1
            } else if order > 0 {
                // A field only the writer declares: an extra key for the reader.
                let field = writerFields[writerIndex]
                path.append(.field(field.name))
                switch reader.extraKeys {
                case .allow: break
                case .reject: report(.fieldRejected)
                case .matching(let extraSchema): compare(reader: extraSchema, writer: field.schema)
                }
                path.removeLast()
                writerIndex += 1
            } else {
                let readerField = readerFields[readerIndex]
                let writerField = writerFields[writerIndex]
                path.append(.field(readerField.name))
                if readerField.isRequired && !writerField.isRequired {
                    report(.fieldMadeRequired)
                }
                compare(reader: readerField.schema, writer: writerField.schema)
                path.removeLast()
                readerIndex += 1
                writerIndex += 1
            }
        }
        switch (reader.extraKeys, writer.extraKeys) {
        case (_, .reject), (.allow, _):
            break
        case (.reject, _):
            report(.extraKeysRejected)
        case (.matching(let readerExtra), .allow):
            path.append(.extraKey)
            compare(reader: readerExtra, writer: .any)
            path.removeLast()
        case (.matching(let readerExtra), .matching(let writerExtra)):
            path.append(.extraKey)
            compare(reader: readerExtra, writer: writerExtra)
            path.removeLast()
        }
    }

    /// Whether the reader's range holds the writer's (`nil`: the whole type).
    static func contains<Bound: FixedWidthInteger>(_ reader: ClosedRange<Bound>, _ writer: ClosedRange<Bound>?) -> Bool {
        let writer = writer ?? Bound.min...Bound.max
        return reader.lowerBound <= writer.lowerBound && writer.upperBound <= reader.upperBound
    }

    /// Whether the writer's maximum (`nil`: unbounded) is at most the reader's.
    static func fits(_ writer: Int?, in reader: Int) -> Bool {
        guard let writer else { return false }
        return writer <= reader
    }
}
