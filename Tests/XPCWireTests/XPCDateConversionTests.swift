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
}
