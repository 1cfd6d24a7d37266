import Foundation
import Testing
@testable import XPCWire

/// `Date` ⇄ `XPCDate` conversion (SPEC §2.2, §9.1.1): one rounding to the nearest nanosecond,
/// and an exact way back for every `Date` coarser than a nanosecond.
@Suite struct XPCDateConversionTests {
    @Test("Dates at least 2^23 s (97 days) from 2001 survive Date → XPCDate → Date exactly")
    func coarseDatesRoundTripExactly() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let magnitude = Double.random(in: 0x1p23...9.2e9, using: &generator)
            let seconds = Bool.random(using: &generator) ? magnitude : -magnitude
            let date = Date(timeIntervalSinceReferenceDate: seconds)
            let converted = try XPCDate(date)
            #expect(converted.date == date, "\(seconds.bitPattern) came back as \(converted.date.timeIntervalSinceReferenceDate.bitPattern)")
        }
    }

    @Test("Conversion rounds the exact value of the Double to the nearest nanosecond")
    func roundsToNearestNanosecond() throws {
        #expect(try XPCDate(secondsSinceReferenceDate: 1.5).nanosecondsSinceReferenceDate == 1_500_000_000)
        #expect(try XPCDate(secondsSinceReferenceDate: -1.5).nanosecondsSinceReferenceDate == -1_500_000_000)
        // The Doubles nearest these decimals lie just above or below the half nanosecond:
        // 2.5e-9 is 2.50000000000000005…e-9, 3.5e-9 is 3.4999999999999999…e-9, 5e-10 is 0.50000000000000003…e-9.
        #expect(try XPCDate(secondsSinceReferenceDate: 2.5e-9).nanosecondsSinceReferenceDate == 3)
        #expect(try XPCDate(secondsSinceReferenceDate: 3.5e-9).nanosecondsSinceReferenceDate == 3)
        #expect(try XPCDate(secondsSinceReferenceDate: 5e-10).nanosecondsSinceReferenceDate == 1)
        #expect(try XPCDate(secondsSinceReferenceDate: -0.4e-9).nanosecondsSinceReferenceDate == 0)
        // A fraction that rounds up to a whole second carries into the seconds.
        #expect(try XPCDate(secondsSinceReferenceDate: 0.999_999_999_9).nanosecondsSinceReferenceDate == 1_000_000_000)
    }

    @Test("Dates outside the signed 64-bit nanosecond range throw instead of trapping")
    func outOfRangeThrows() {
        for seconds in [9.3e9, -9.3e9, .infinity, -.infinity, .nan, .greatestFiniteMagnitude] {
            #expect(throws: XPCDate.OutOfRangeError.self) { try XPCDate(secondsSinceReferenceDate: seconds) }
        }
        #expect(throws: Never.self) { try XPCDate(secondsSinceReferenceDate: 9.2e9) }
    }

    @Test("Every date a message can hold gives a Date that encodes again, even at the ends of the range")
    func datesAtTheEndsOfTheRangeEncodeAgain() throws {
        // Found by FuzzCodable (Fuzz/FailCases/FuzzCodable): the nearest Double to Int64.max ns
        // lies above the range, so such a Date could be decoded but not encoded.
        let ends: [Int64] = [.max, .max - 378, .max - 379, .max - 2_000, .min, .min + 379, .min + 380, .min + 2_000]
        for nanoseconds in ends {
            let date = XPCDate(nanosecondsSinceReferenceDate: nanoseconds).date
            let back = try XPCDate(date)
            // Within one Double step (about 1.9 µs here) of where it started: toward 2001 at the
            // very ends, the nearest Double (within half a step) elsewhere.
            let distance = nanoseconds.subtractingReportingOverflow(back.nanosecondsSinceReferenceDate).partialValue
            let atTheEnd = nanoseconds > .max - 1_000 || nanoseconds < .min + 1_000
            let allowed: ClosedRange<Int64> = !atTheEnd ? -960...960 : nanoseconds > 0 ? 0...2_000 : -2_000...0
            #expect(allowed.contains(distance), "\(nanoseconds) → \(back.nanosecondsSinceReferenceDate)")
        }
        // Away from the ends, the conversion is the nearest Double, as before.
        let inside = XPCDate(nanosecondsSinceReferenceDate: 9_223_372_036_854_000_000)
        #expect(inside.secondsSinceReferenceDate == 9_223_372_036.854)
    }
}
