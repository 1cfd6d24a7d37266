// Tests of the value model: XPCMessage, XPCDictionary, XPCDate, XPCMessagePath.

import Foundation
import Testing
import XPCWire

/// One sample of every variant, in `XPCMessage.Kind.allCases` order.
let sampleOfEachVariant: [XPCMessage] = [
    .null,
    .bool(true),
    .int64(-5),
    .uint64(5),
    .double(1.5),
    .string("text"),
    .data([0, 1, 2]),
    .fd(slot: 0),
    .uuid(uuidFromString("E621E1F8-C36C-495A-93FC-0C247A3E6E5F")),
    .date(XPCDate(nanosecondsSinceReferenceDate: 7)),
    .endpoint(slot: 1),
    .array([.null]),
    .dictionary(["k": .null]),
]

@Suite struct MessageLiteralTests {
    @Test func literalsMakeTheDocumentedVariants() {
        let null: XPCMessage = nil
        let bool: XPCMessage = true
        let int: XPCMessage = -42
        let double: XPCMessage = 2.5
        let string: XPCMessage = "hi"
        let array: XPCMessage = [1, "a", nil]
        let dictionary: XPCMessage = ["b": 2, "a": [true]]

        #expect(null == .null)
        #expect(bool == .bool(true))
        #expect(int == .int64(-42))
        #expect(int != .uint64(42))
        #expect(double == .double(2.5))
        #expect(string == .string("hi"))
        #expect(array == .array([.int64(1), .string("a"), .null]))
        guard case .dictionary(let entries) = dictionary else {
            Issue.record("dictionary literal did not make a dictionary")
            return
        }
        #expect(utf8BytesOf(entries.keys) == [[0x61], [0x62]])
        #expect(entries["a"] == .array([.bool(true)]))
        #expect(entries["b"] == .int64(2))
    }

    @Test func integerLiteralIsInt64NotUInt64() {
        let literal: XPCMessage = 5
        #expect(literal.kind == .int64)
        #expect(literal.int64Value == 5)
        #expect(literal.uint64Value == nil)
    }

    @Test func kindsFollowVariants() {
        #expect(sampleOfEachVariant.map(\.kind) == XPCMessage.Kind.allCases)
        #expect(XPCMessage.Kind.allCases.count == 13)
        #expect(XPCMessage.Kind.dictionary.description == "dictionary")
    }
}

@Suite struct MessageAccessorTests {
    @Test(arguments: sampleOfEachVariant)
    func exactlyTheMatchingAccessorAnswers(message: XPCMessage) {
        let answers: [XPCMessage.Kind: Bool] = [
            .null: message.isNull,
            .bool: message.boolValue != nil,
            .int64: message.int64Value != nil,
            .uint64: message.uint64Value != nil,
            .double: message.doubleValue != nil,
            .string: message.stringValue != nil,
            .data: message.dataValue != nil,
            .fd: message.fdSlot != nil,
            .uuid: message.uuidValue != nil,
            .date: message.dateValue != nil,
            .endpoint: message.endpointSlot != nil,
            .array: message.arrayValue != nil,
            .dictionary: message.dictionaryValue != nil,
        ]
        for (kind, answered) in answers {
            #expect(answered == (kind == message.kind), "accessor for \(kind) on \(message)")
        }
    }

    @Test func accessorsReturnThePayload() {
        #expect(XPCMessage.bool(false).boolValue == false)
        #expect(XPCMessage.int64(.min).int64Value == .min)
        #expect(XPCMessage.uint64(.max).uint64Value == .max)
        #expect(XPCMessage.double(-0.0).doubleValue?.bitPattern == 0x8000_0000_0000_0000)
        #expect(XPCMessage.string("é").stringValue.map { Array($0.utf8) } == [0xc3, 0xa9])
        #expect(XPCMessage.data([9, 8]).dataValue == [9, 8])
        #expect(XPCMessage.fd(slot: 7).fdSlot == 7)
        #expect(XPCMessage.fd(slot: 7).endpointSlot == nil)
        #expect(XPCMessage.endpoint(slot: 9).endpointSlot == 9)
        #expect(XPCMessage.endpoint(slot: 9).fdSlot == nil)
        let id = uuidFromString("00112233-4455-6677-8899-AABBCCDDEEFF")
        #expect(XPCMessage.uuid(id).uuidValue == id)
        #expect(XPCMessage.date(XPCDate(nanosecondsSinceReferenceDate: -3)).dateValue?.nanosecondsSinceReferenceDate == -3)
        #expect(XPCMessage.array([1, 2]).arrayValue == [.int64(1), .int64(2)])
        #expect(XPCMessage.dictionary(["x": 1]).dictionaryValue?.count == 1)
    }

    @Test func keySubscriptLooksIntoDictionariesOnly() {
        let message: XPCMessage = ["name": "x", "n": 3]
        #expect(message["name"] == .string("x"))
        #expect(message["n"] == .int64(3))
        #expect(message["missing"] == nil)
        #expect(XPCMessage.array(["name"])["name"] == nil)
        #expect(XPCMessage.string("name")["name"] == nil)
    }

    @Test func indexSubscriptLooksIntoArraysOnlyAndInRange() {
        let message: XPCMessage = [10, 20, 30]
        #expect(message[0] == .int64(10))
        #expect(message[2] == .int64(30))
        #expect(message[3] == nil)
        #expect(message[-1] == nil)
        #expect(XPCMessage.dictionary(["0": 1])[0] == nil)
        #expect(XPCMessage.null[0] == nil)
    }
}

@Suite struct MessageEqualityTests {
    @Test func doublesCompareByBitPattern() {
        let quiet = Double(bitPattern: 0x7ff8_0000_0000_0000)
        let payload1 = Double(bitPattern: 0x7ff8_0000_0000_0001)
        let payload2 = Double(bitPattern: 0x7ff8_0000_0000_0002)
        let negativeNaN = Double(bitPattern: 0xfff8_0000_0000_0000)

        #expect(XPCMessage.double(quiet) == .double(quiet))
        #expect(XPCMessage.double(payload1) == .double(Double(bitPattern: 0x7ff8_0000_0000_0001)))
        #expect(XPCMessage.double(payload1) != .double(payload2))
        #expect(XPCMessage.double(quiet) != .double(negativeNaN))
        #expect(XPCMessage.double(0.0) != .double(-0.0))
        #expect(XPCMessage.double(-0.0) == .double(-0.0))
        #expect(XPCMessage.double(1.0) == .double(1.0))
        #expect(XPCMessage.double(.infinity) != .double(-.infinity))
    }

    @Test func stringsCompareByUTF8BytesNotCanonicalEquivalence() {
        let precomposed = "\u{e9}"  // C3 A9
        let decomposed = "e\u{301}"  // 65 CC 81
        #expect(precomposed == decomposed, "Swift itself considers them equal")
        #expect(XPCMessage.string(precomposed) != .string(decomposed))
        #expect(XPCMessage.string(precomposed) == .string("\u{e9}"))
        #expect(XPCMessage.array([.string(precomposed)]) != .array([.string(decomposed)]))
        #expect(XPCMessage.string("\u{212b}") != .string("\u{c5}"), "Angstrom sign vs Latin capital A with ring")
    }

    @Test func differentVariantsAreNeverEqual() {
        for (i, a) in sampleOfEachVariant.enumerated() {
            for (j, b) in sampleOfEachVariant.enumerated() {
                #expect((a == b) == (i == j), "\(a) vs \(b)")
            }
        }
        #expect(XPCMessage.int64(1) != .uint64(1))
        #expect(XPCMessage.fd(slot: 0) != .endpoint(slot: 0))
        #expect(XPCMessage.string("") != .data([]))
        #expect(XPCMessage.array([]) != .dictionary([:]))
    }

    @Test func hashIsConsistentWithEquality() {
        let equalPairs: [(XPCMessage, XPCMessage)] = [
            (.double(Double(bitPattern: 0x7ff8_0000_0000_0001)), .double(Double(bitPattern: 0x7ff8_0000_0000_0001))),
            (.string("e\u{301}"), .string("e" + "\u{301}")),
            (["b": 1, "a": [2, "x"]], ["a": [2, "x"], "b": 1]),
            (.data([1, 2, 3]), .data([1, 2] + [3])),
        ]
        for (a, b) in equalPairs {
            #expect(a == b)
            #expect(a.hashValue == b.hashValue)
        }
        let distinct: Set<XPCMessage> = [
            .string("\u{e9}"), .string("e\u{301}"),
            .double(0.0), .double(-0.0),
            .double(Double(bitPattern: 0x7ff8_0000_0000_0001)), .double(Double(bitPattern: 0x7ff8_0000_0000_0002)),
            .int64(1), .uint64(1),
            ["\u{e9}": 1], ["e\u{301}": 1],
        ]
        #expect(distinct.count == 10)
        #expect(distinct.contains(.string("e\u{301}")))
        #expect(distinct.contains(.double(Double(bitPattern: 0x7ff8_0000_0000_0002))))
        #expect(!distinct.contains(.double(Double(bitPattern: 0x7ff8_0000_0000_0003))))
    }
}

@Suite struct XPCDictionaryTests {
    @Test func normalizationDistinctKeysAreBothKeptInByteOrder() {
        var dictionary = XPCDictionary()
        dictionary["\u{e9}"] = 1
        dictionary["e\u{301}"] = 2
        #expect(dictionary.count == 2)
        #expect(utf8BytesOf(dictionary.keys) == [[0x65, 0xcc, 0x81], [0xc3, 0xa9]])
        #expect(dictionary["\u{e9}"] == .int64(1))
        #expect(dictionary["e\u{301}"] == .int64(2))
        #expect(dictionary.values == [.int64(2), .int64(1)])

        dictionary["e\u{301}"] = nil
        #expect(utf8BytesOf(dictionary.keys) == [[0xc3, 0xa9]])
        #expect(dictionary["e\u{301}"] == nil)
        #expect(dictionary["\u{e9}"] == .int64(1))
    }

    @Test func keysAreSortedByUnsignedUTF8BytesNotBySwiftStringOrder() {
        // Swift orders "\u{212B}" (E2 84 AB, normalizes to U+00C5) before "\u{C6}" (C3 86); bytes do not.
        #expect("\u{212b}" < "\u{c6}")
        var dictionary = XPCDictionary()
        for key in ["b", "\u{212b}", "a", "", "\u{c6}", "ab", "\u{7f}", "\u{80}", "\u{10000}", "\u{ffff}", "\u{c5}"] {
            dictionary[key] = .string(key)
        }
        #expect(utf8BytesOf(dictionary.keys) == [
            [],
            [0x61],
            [0x61, 0x62],
            [0x62],
            [0x7f],
            [0xc2, 0x80],
            [0xc3, 0x85],
            [0xc3, 0x86],
            [0xe2, 0x84, 0xab],
            [0xef, 0xbf, 0xbf],
            [0xf0, 0x90, 0x80, 0x80],
        ])
        for entry in dictionary {
            #expect(entry.value == .string(entry.key))
        }
        #expect(dictionary["\u{212b}"] == .string("\u{212b}"))
        #expect(dictionary["\u{c5}"] == .string("\u{c5}"))
    }

    @Test func insertReplaceRemoveAndLookup() {
        var dictionary: XPCDictionary = [:]
        #expect(dictionary.isEmpty)
        dictionary["k"] = 1
        dictionary["k"] = 2
        #expect(dictionary.count == 1)
        #expect(dictionary["k"] == .int64(2))
        dictionary["j"] = "x"
        #expect(dictionary.keys == ["j", "k"])
        #expect(dictionary.removeValue(forKey: "k") == .int64(2))
        #expect(dictionary.removeValue(forKey: "k") == nil)
        #expect(dictionary.removeValue(forKey: "missing") == nil)
        dictionary["missing"] = nil
        #expect(dictionary.keys == ["j"])
        dictionary["j"] = nil
        #expect(dictionary.isEmpty)
        #expect(dictionary["j"] == nil)
    }

    @Test func collectionAccessFollowsKeyOrder() {
        let dictionary: XPCDictionary = ["z": 26, "a": 1, "m": 13]
        #expect(dictionary.startIndex == 0)
        #expect(dictionary.endIndex == 3)
        #expect(dictionary[0].key == "a")
        #expect(dictionary[1] == XPCDictionary.Element(key: "m", value: 13))
        #expect(dictionary.map(\.value) == [.int64(1), .int64(13), .int64(26)])
    }

    @Test func uniqueKeysInitializerSortsAndKeepsNormalizationDistinctKeys() throws {
        let dictionary = try XPCDictionary(uniqueKeysWithValues: [
            ("\u{e9}", XPCMessage.int64(1)), ("b", .int64(2)), ("e\u{301}", .int64(3)), ("", .int64(4)),
        ])
        #expect(utf8BytesOf(dictionary.keys) == [[], [0x62], [0x65, 0xcc, 0x81], [0xc3, 0xa9]])
        #expect(dictionary.values == [.int64(4), .int64(2), .int64(3), .int64(1)])
    }

    @Test func uniqueKeysInitializerThrowsOnByteDuplicateKeys() {
        do throws(XPCDictionary.DuplicateKeyError) {
            _ = try XPCDictionary(uniqueKeysWithValues: [("a", XPCMessage.int64(1)), ("b", .int64(2)), ("a", .int64(3))])
            Issue.record("no error for a repeated key")
        } catch {
            #expect(Array(error.key.utf8) == [0x61])
        }
        do throws(XPCDictionary.DuplicateKeyError) {
            _ = try XPCDictionary(uniqueKeysWithValues: [("x", XPCMessage.null), ("e\u{301}", .null), ("e\u{301}", .null)])
            Issue.record("no error for a repeated key")
        } catch {
            #expect(Array(error.key.utf8) == [0x65, 0xcc, 0x81])
        }
        let empty = try? XPCDictionary(uniqueKeysWithValues: [(String, XPCMessage)]())
        #expect(empty?.isEmpty == true)
    }

    @Test func literalWithARepeatedKeyKeepsTheLastValue() {
        let dictionary = XPCDictionary(dictionaryLiteral: ("a", 1), ("b", 2), ("a", 3))
        #expect(dictionary.keys == ["a", "b"])
        #expect(dictionary["a"] == .int64(3))
        let message = XPCMessage(dictionaryLiteral: ("k", 1), ("k", 2))
        #expect(message == ["k": 2])
    }

    @Test func equalityIsIndependentOfInsertionOrderButNotOfKeyBytes() {
        var first = XPCDictionary()
        first["b"] = 2
        first["a"] = 1
        let second: XPCDictionary = ["a": 1, "b": 2]
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)

        let precomposed: XPCDictionary = ["\u{e9}": 1]
        let decomposed: XPCDictionary = ["e\u{301}": 1]
        #expect(precomposed != decomposed)
        #expect(XPCDictionary.Element(key: "\u{e9}", value: 1) != XPCDictionary.Element(key: "e\u{301}", value: 1))
    }
}

@Suite struct XPCDateTests {
    @Test func secondsConvertToNanoseconds() throws {
        #expect(try XPCDate(secondsSinceReferenceDate: 0).nanosecondsSinceReferenceDate == 0)
        #expect(try XPCDate(secondsSinceReferenceDate: 1.5).nanosecondsSinceReferenceDate == 1_500_000_000)
        #expect(try XPCDate(secondsSinceReferenceDate: -2.25).nanosecondsSinceReferenceDate == -2_250_000_000)
        #expect(try XPCDate(secondsSinceReferenceDate: -0.0).nanosecondsSinceReferenceDate == 0)
    }

    /// k/1024 s is exactly representable and k/1024 * 1e9 = k * 976562.5 exactly, so these are true ties.
    static let ties: [(Double, Int64)] = [
        (1, 976_562),  // 976562.5 -> even 976562
        (3, 2_929_688),  // 2929687.5 -> even 2929688
        (5, 4_882_812),  // 4882812.5 -> even 4882812
        (-1, -976_562),
        (-3, -2_929_688),
    ]

    @Test(arguments: ties)
    func roundsTiesToEvenNanosecond(numerator: Double, nanoseconds: Int64) throws {
        let seconds = numerator / 1024
        #expect(try XPCDate(secondsSinceReferenceDate: seconds).nanosecondsSinceReferenceDate == nanoseconds)
    }

    @Test func roundsToNearestNanosecond() throws {
        // 0.1 s is not exact in binary, but the nearest nanosecond is unambiguous.
        #expect(try XPCDate(secondsSinceReferenceDate: 0.1).nanosecondsSinceReferenceDate == 100_000_000)
        #expect(try XPCDate(secondsSinceReferenceDate: 1e-9).nanosecondsSinceReferenceDate == 1)
        #expect(try XPCDate(secondsSinceReferenceDate: 0.4e-9).nanosecondsSinceReferenceDate == 0)
        #expect(try XPCDate(secondsSinceReferenceDate: 0.6e-9).nanosecondsSinceReferenceDate == 1)
        #expect(try XPCDate(secondsSinceReferenceDate: -0.6e-9).nanosecondsSinceReferenceDate == -1)
    }

    /// "Round to the nearest nanosecond" is a promise about the exact value of the `Double`. Far from
    /// 2001 the product `seconds * 1e9` is itself rounded to a double (spacing 2 ns at 1e16, 64 ns at
    /// 5e17) before it is rounded to an integer, which can land on a different nanosecond.
    @Test func roundsTheExactValueOfTheInputNotTheRoundedProduct() throws {
        // 1e7 + 5 * 2^-29 s is exactly 10_000_000_000_000_009.313225746154785… ns.
        let seconds = 10_000_000.0 + 5.0 * 0x1p-29
        #expect(try XPCDate(secondsSinceReferenceDate: seconds).nanosecondsSinceReferenceDate == 10_000_000_000_000_009)
        #expect(try XPCDate(secondsSinceReferenceDate: -seconds).nanosecondsSinceReferenceDate == -10_000_000_000_000_009)
        // The double nearest 500000000.3 s (a date in 2016) is exactly 500_000_000_300_000_011.920928955… ns.
        #expect(try XPCDate(secondsSinceReferenceDate: 500_000_000.3).nanosecondsSinceReferenceDate == 500_000_000_300_000_012)
        #expect(try XPCDate(Date(timeIntervalSinceReferenceDate: 500_000_000.3)).nanosecondsSinceReferenceDate == 500_000_000_300_000_012)
    }

    @Test(arguments: [1e10, -1e10, 9_223_372_037.0, -9_223_372_037.0, .infinity, -.infinity, 1e300, .nan] as [Double])
    func outOfRangeSecondsThrow(seconds: Double) {
        do throws(XPCDate.OutOfRangeError) {
            let date = try XPCDate(secondsSinceReferenceDate: seconds)
            Issue.record("\(seconds) s gave \(date.nanosecondsSinceReferenceDate) ns")
        } catch {
            #expect(error.secondsSinceReferenceDate.bitPattern == seconds.bitPattern)
        }
    }

    @Test func largestWholeSecondsInRangeConvert() throws {
        #expect(try XPCDate(secondsSinceReferenceDate: 9_223_372_036.0).nanosecondsSinceReferenceDate == 9_223_372_036_000_000_000)
        #expect(try XPCDate(secondsSinceReferenceDate: -9_223_372_036.0).nanosecondsSinceReferenceDate == -9_223_372_036_000_000_000)
    }

    /// Within the last 0.85 s before the lower limit (t = -2^63 ns): the results are representable.
    @Test func secondsJustAboveTheLowerLimitConvert() {
        func nanoseconds(_ seconds: Double) -> Int64? {
            (try? XPCDate(secondsSinceReferenceDate: seconds))?.nanosecondsSinceReferenceDate
        }
        #expect(nanoseconds(9_223_372_036.5) == 9_223_372_036_500_000_000)
        #expect(nanoseconds(-9_223_372_036.5) == -9_223_372_036_500_000_000)
        // The double -9223372036.854774 is exactly -9223372036854774475.09765625 ns.
        #expect(nanoseconds(-9_223_372_036.854774) == -9_223_372_036_854_774_475)
    }

    @Test func foundationDateConversions() throws {
        #expect(try XPCDate(Date(timeIntervalSinceReferenceDate: 1.5)).nanosecondsSinceReferenceDate == 1_500_000_000)
        #expect(try XPCDate(Date(timeIntervalSince1970: 0)).nanosecondsSinceReferenceDate == -978_307_200_000_000_000)
        #expect(throws: XPCDate.OutOfRangeError.self) {
            try XPCDate(Date(timeIntervalSinceReferenceDate: 1e12))
        }
        #expect(XPCDate(nanosecondsSinceReferenceDate: 1_500_000_000).date == Date(timeIntervalSinceReferenceDate: 1.5))
        #expect(XPCDate(nanosecondsSinceReferenceDate: -1_500_000_000).secondsSinceReferenceDate == -1.5)
        #expect(XPCDate(nanosecondsSinceReferenceDate: 250_000_000).secondsSinceReferenceDate == 0.25)
        #expect(XPCDate.referenceDate.nanosecondsSinceReferenceDate == 0)
        #expect(XPCDate.unixEpochOffsetSeconds == 978_307_200)
    }

    @Test func ordersChronologically() {
        let earlier = XPCDate(nanosecondsSinceReferenceDate: -1)
        let later = XPCDate(nanosecondsSinceReferenceDate: 1)
        #expect(earlier < later)
        #expect(!(later < earlier))
        #expect([later, XPCDate.referenceDate, earlier].sorted() == [earlier, .referenceDate, later])
    }

    @Test(arguments: [
        (Int64(0), "2001-01-01T00:00:00.000000000Z"),
        (1, "2001-01-01T00:00:00.000000001Z"),
        (-1, "2000-12-31T23:59:59.999999999Z"),
        (-1_500_000_000, "2000-12-31T23:59:58.500000000Z"),
        (-31_622_401_000_000_000, "1999-12-31T23:59:59.000000000Z"),
        (-978_307_200_000_000_000, "1970-01-01T00:00:00.000000000Z"),
        (-3_182_198_400_000_000_000, "1900-03-01T00:00:00.000000000Z"),
        (99_750_896_123_456_789, "2004-02-29T12:34:56.123456789Z"),
        (.max, "2293-04-11T23:47:16.854775807Z"),
        (.min, "1708-09-22T00:12:43.145224192Z"),
    ])
    func descriptionIsISO8601WithNanoseconds(nanoseconds: Int64, text: String) {
        #expect(XPCDate(nanosecondsSinceReferenceDate: nanoseconds).description == text)
    }
}

@Suite struct MessagePathTests {
    @Test func descriptionReadsLikeASwiftAccessPath() {
        let path: XPCMessagePath = [.key("items"), .index(3), .key("name")]
        #expect(path.description == "items[3].name")
        #expect(XPCMessagePath().description == "<root>")
        #expect(XPCMessagePath([.index(0), .key("a")]).description == "[0].a")
        #expect(XPCMessagePath([.key("content-type")]).description == "[\"content-type\"]")
        #expect(XPCMessagePath([.key("a"), .key("3d")]).description == "a[\"3d\"]")
        #expect(XPCMessagePath([.key("")]).description == "[\"\"]")
        #expect(XPCMessagePath([.key("_x9"), .key("Y")]).description == "_x9.Y")
    }

    @Test func prependingPutsTheStepInFront() {
        let inner: XPCMessagePath = [.key("name")]
        #expect(inner.prepending(.index(3)).prepending(.key("items")) == [.key("items"), .index(3), .key("name")])
    }
}

@Suite struct MessageDescriptionTests {
    @Test func oneLineDescriptionNamesEveryVariant() {
        let message: XPCMessage = ["n": 3, "f": .fd(slot: 0), "tags": ["a"]]
        #expect(message.description == "{\"f\": fd slot 0, \"n\": int64 3, \"tags\": [string \"a\"]}")
    }
}
