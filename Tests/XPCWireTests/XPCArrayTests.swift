// XPCArray (the payload of XPCMessage.array) and XPCDictionary, whose elements live inline in one
// storage object: value semantics with copy-on-write, the collection API, and equality and hashing as before.

import Testing
import XPCWire

@Suite struct XPCArrayTests {
    @Test func literalsSequencesAndSwiftArraysConvertBothWays() {
        let literal: XPCArray = [1, "a", nil]
        let fromArray = XPCArray([1, "a", nil] as [XPCMessage])
        let fromSequence = XPCArray(([1, "a", nil] as [XPCMessage]).lazy.map { $0 })
        #expect(literal == fromArray)
        #expect(literal == fromSequence)
        #expect(Array(literal) == [1, "a", nil])
        #expect(literal.elements == [1, "a", nil])
        #expect(XPCMessage.array([1, 2]) == .array(XPCArray([.int64(1), .int64(2)])))
        #expect(XPCArray().isEmpty && XPCArray([]).isEmpty && XPCArray().count == 0)
        #expect(XPCArray() == [])
    }

    @Test func mutatingACopyLeavesTheOriginalUnchanged() {
        let original: XPCArray = [1, 2, 3]
        var copy = original
        copy.append(4)
        copy[0] = "changed"
        copy.remove(at: 1)
        copy.insert(.null, at: 0)
        #expect(original == [1, 2, 3])
        #expect(copy == [nil, "changed", 3, 4])

        var emptied = original
        emptied.removeAll()
        #expect(original.count == 3 && emptied.isEmpty)

        var replaced = original
        replaced.replaceSubrange(0..<2, with: [true])
        #expect(original == [1, 2, 3] && replaced == [true, 3])

        var last = original
        #expect(last.removeLast() == 3)
        #expect(original == [1, 2, 3] && last == [1, 2])
    }

    @Test func mutatingNestedContainersThroughACopyLeavesTheOriginalUnchanged() {
        let original: XPCMessage = ["list": [[1], ["k": 2]]]
        var copy = original
        guard case .dictionary(var outer) = copy, case .array(var list)? = outer["list"],
            case .array(var inner) = list[0]
        else {
            Issue.record("unexpected shape")
            return
        }
        inner.append(9)
        list[0] = .array(inner)
        outer["list"] = .array(list)
        copy = .dictionary(outer)
        #expect(original == ["list": [[1], ["k": 2]]])
        #expect(copy == ["list": [[1, 9], ["k": 2]]])
    }

    @Test func emptyArraysShareStorageButMutateIndependently() {
        var a = XPCArray()
        let b = XPCArray()
        a.append(1)
        #expect(a == [1] && b.isEmpty && XPCArray().isEmpty)
    }

    @Test func aSwiftArrayTakenOutStaysUnchanged() {
        var array: XPCArray = [1, 2]
        let elements = Array(array)
        array[1] = 3
        #expect(elements == [1, 2] && array == [1, 3])
    }

    @Test func collectionAPI() {
        var array: XPCArray = [3, 1, 2]
        #expect(array.startIndex == 0 && array.endIndex == 3)
        #expect(array.map(\.int64Value) == [3, 1, 2])
        #expect(array.reversed().first == 2)
        #expect(array.firstIndex(of: 1) == 1)
        array.swapAt(0, 2)
        #expect(array == [2, 1, 3])
        array.append(contentsOf: [4, 5])
        #expect(array.count == 5 && array.last == 5)
        #expect(Array(array[1..<3]) == [1, 3])
        array.reserveCapacity(100)
        #expect(array == [2, 1, 3, 4, 5])
    }

    @Test func equalityAndHashingAreWireEquality() {
        let nan = Double(bitPattern: 0x7ff8_0000_0000_0001)
        #expect(XPCArray([.double(nan)]) == XPCArray([.double(nan)]))
        #expect(XPCArray([.double(0.0)]) != XPCArray([.double(-0.0)]))
        #expect(XPCArray(["é"]) != XPCArray(["e\u{301}"]))
        #expect(XPCArray([1]) != XPCArray([.uint64(1)]))
        #expect(XPCArray([[1]]) != XPCArray([["": 1]]))
        #expect(XPCArray([[1], 2]) != XPCArray([2, [1]]))
        let values: [XPCArray] = [[], [1], [1, 2], [[1], 2], [["a": [1]]], [["a": [2]]], [["b": [1]]]]
        for (i, a) in values.enumerated() {
            for (j, b) in values.enumerated() {
                #expect((a == b) == (i == j))
                if i == j { #expect(a.hashValue == XPCArray(Array(b)).hashValue) }
            }
        }
        #expect(Set(values).count == values.count)
    }

    @Test func dictionariesAreValuesWithCopyOnWrite() {
        let original: XPCDictionary = ["a": 1, "b": [2]]
        var copy = original
        copy["a"] = "changed"
        copy["c"] = 3
        copy.removeValue(forKey: "b")
        #expect(original == ["a": 1, "b": [2]])
        #expect(copy == ["a": "changed", "c": 3])
        #expect(original.hashValue == (["b": [2], "a": 1] as XPCDictionary).hashValue)
    }

    /// Every mutation, checked against a Swift array doing the same, with a copy taken before
    /// each one that must not change (the elements live inline in the storage, copy-on-write).
    @Test func mutationsMatchASwiftArray() {
        var random = SystemRandomNumberGenerator()
        var array = XPCArray()
        var model: [XPCMessage] = []
        for step in 0..<2_000 {
            let element: XPCMessage = step % 3 == 0 ? .string("element \(step) with a heap string") : (step % 3 == 1 ? [.int64(Int64(step))] : .int64(Int64(step)))
            let copy = array
            let copyModel = model
            switch Int.random(in: 0..<8, using: &random) {
            case 0, 1: array.append(element); model.append(element)
            case 2:
                let index = Int.random(in: 0...model.count, using: &random)
                array.insert(element, at: index); model.insert(element, at: index)
            case 3 where !model.isEmpty:
                let index = Int.random(in: 0..<model.count, using: &random)
                #expect(array.remove(at: index) == model.remove(at: index))
            case 4 where !model.isEmpty:
                #expect(array.removeLast() == model.removeLast())
            case 5 where !model.isEmpty:
                let index = Int.random(in: 0..<model.count, using: &random)
                array[index] = element; model[index] = element
            case 6:
                let lower = Int.random(in: 0...model.count, using: &random)
                let upper = Int.random(in: lower...model.count, using: &random)
                array.replaceSubrange(lower..<upper, with: [element, element]); model.replaceSubrange(lower..<upper, with: [element, element])
            default:
                array.append(contentsOf: [element, .null]); model.append(contentsOf: [element, .null])
            }
            #expect(array.elements == model)
            #expect(copy.elements == copyModel)
        }
    }

    @Test func dictionaryMutationsMatchAModel() {
        var random = SystemRandomNumberGenerator()
        var dictionary = XPCDictionary()
        var model: [String: XPCMessage] = [:]
        for step in 0..<2_000 {
            let key = "key \(Int.random(in: 0..<64, using: &random)) and enough text for a heap string"
            let copy = dictionary
            let copyKeys = copy.keys
            if Int.random(in: 0..<3, using: &random) == 0 {
                #expect(dictionary.removeValue(forKey: key) == model.removeValue(forKey: key))
            } else {
                dictionary[key] = [.int64(Int64(step))]
                model[key] = [.int64(Int64(step))]
            }
            #expect(copy.keys == copyKeys)
            #expect(dictionary.keys == model.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
            for (key, value) in model { #expect(dictionary[key] == value) }
        }
    }

    @Test func descriptionMatchesTheMessage() {
        let array: XPCArray = [1, "a"]
        #expect(array.description == XPCMessage.array(array).description)
    }
}
