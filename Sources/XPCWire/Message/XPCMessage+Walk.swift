/// Where a value sits in its container, as a walk reports it.
enum XPCMessageWalkLabel {
    /// The root value.
    case root
    /// An element of an array.
    case index(Int)
    /// The value of a dictionary entry.
    case key(String)
}

/// An open container of ``XPCMessage/walk(_:)`` and the next of its values to visit.
struct XPCMessageWalkFrame {
    let container: XPCMessage
    let label: XPCMessageWalkLabel
    var next = 0
}

/// What ``XPCMessage/walk(_:)`` reports, in document order.
protocol XPCMessageVisitor {
    /// A value that holds no others (every variant but array and dictionary), `depth`
    /// containers deep.
    mutating func visitLeaf(_ message: XPCMessage, label: XPCMessageWalkLabel, depth: Int)
    /// An array or dictionary, before its `count` elements or entries.
    mutating func enterContainer(_ message: XPCMessage, count: Int, label: XPCMessageWalkLabel, depth: Int)
    /// The end of the container last entered and not yet left, after its contents.
    mutating func leaveContainer(_ message: XPCMessage, label: XPCMessageWalkLabel, depth: Int)
}

extension XPCMessage {
    /// Visits every value in document order (dictionaries in key order) without recursion, so
    /// any nesting depth is walked in constant stack space; the heap holds one small frame per
    /// open container.
    func walk<Visitor: XPCMessageVisitor>(_ visitor: inout Visitor) {
        var stack: [XPCMessageWalkFrame] = []

        /// Reports `message`; a container is left open on the stack.
        func visit(_ message: XPCMessage, label: XPCMessageWalkLabel) {
            switch message {
            case .array(let elements):
                visitor.enterContainer(message, count: elements.count, label: label, depth: stack.count)
                stack.append(XPCMessageWalkFrame(container: message, label: label))
            case .dictionary(let dictionary):
                visitor.enterContainer(message, count: dictionary.count, label: label, depth: stack.count)
                stack.append(XPCMessageWalkFrame(container: message, label: label))
            default:
                visitor.visitLeaf(message, label: label, depth: stack.count)
            }
        }

        visit(self, label: .root)
        while let top = stack.last {
            let index = top.next
            stack[stack.count - 1].next = index + 1
            switch top.container {
            case .array(let elements) where index < elements.count:
                visit(elements[index], label: .index(index))
            case .dictionary(let dictionary) where index < dictionary.count:
                let entry = dictionary[index]
                visit(entry.value, label: .key(entry.key))
            default:
                stack.removeLast()
                visitor.leaveContainer(top.container, label: top.label, depth: stack.count)
            }
        }
    }
}

extension XPCMessage {
    /// How many containers deep the message goes: 0 for a scalar, 1 for a container of scalars
    /// (the depth SPEC §6.2 limits). Found without recursion.
    package var nestingDepth: Int {
        var deepest = DeepestContainer()
        walk(&deepest)
        return deepest.depth
    }
}

/// ``XPCMessage/nestingDepth``.
private struct DeepestContainer: XPCMessageVisitor {
    var depth = 0

    mutating func visitLeaf(_ message: XPCMessage, label: XPCMessageWalkLabel, depth: Int) {}

    mutating func enterContainer(_ message: XPCMessage, count: Int, label: XPCMessageWalkLabel, depth: Int) {
        self.depth = max(self.depth, depth + 1)
    }

    mutating func leaveContainer(_ message: XPCMessage, label: XPCMessageWalkLabel, depth: Int) {}
}
