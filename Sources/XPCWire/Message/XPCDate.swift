#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A point in time as the XPC message model carries it: signed 64-bit nanoseconds since
/// 2001-01-01 00:00:00 UTC (SPEC §2.2).
///
/// The range is about ±292 years around 2001. Conversions from Foundation's `Date` (a `Double`
/// of seconds) round to the nearest nanosecond, ties to even, and fail outside the range. A
/// `Date` whose `Double` is coarser than a nanosecond (any date at least 2²³ seconds, about 97
/// days, from 2001) converts back to exactly the same `Date`.
///
/// ```swift
/// let now = try XPCDate(Date())
/// let message: XPCMessage = ["sent": .date(now)]
/// ```
public struct XPCDate: Hashable, Comparable, Sendable {
    /// Nanoseconds since 2001-01-01 00:00:00 UTC; negative before it.
    public var nanosecondsSinceReferenceDate: Int64

    /// Creates a date from nanoseconds since 2001-01-01 00:00:00 UTC.
    @inlinable
    public init(nanosecondsSinceReferenceDate: Int64) {
        self.nanosecondsSinceReferenceDate = nanosecondsSinceReferenceDate
    }

    /// 2001-01-01 00:00:00 UTC, the reference date.
    public static let referenceDate = XPCDate(nanosecondsSinceReferenceDate: 0)

    /// Seconds between 1970-01-01 and 2001-01-01 (UTC).
    public static let unixEpochOffsetSeconds: Int64 = 978_307_200

    /// The error thrown when a time cannot be represented in signed 64-bit nanoseconds.
    public struct OutOfRangeError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The seconds since 2001-01-01 that were asked for.
        public var secondsSinceReferenceDate: Double

        /// Creates the error for a time that was asked for.
        public init(secondsSinceReferenceDate: Double) {
            self.secondsSinceReferenceDate = secondsSinceReferenceDate
        }

        /// A readable account of the error.
        public var description: String {
            "\(secondsSinceReferenceDate) seconds since 2001-01-01 does not fit in signed 64-bit nanoseconds"
        }
    }

    /// Creates a date from seconds since the reference date, rounding to the nearest nanosecond.
    ///
    /// - Throws: ``OutOfRangeError`` for non-finite values and values outside the Int64 range.
    public init(secondsSinceReferenceDate seconds: Double) throws(OutOfRangeError) {
        // Split into whole seconds and a fraction, both exact, so that the nanosecond count is
        // rounded once: scaling the whole value by 10^9 would round to a multiple of 128 ns for
        // dates near today, and the conversion back to `Date` would not give the same `Double`.
        guard seconds.isFinite, seconds >= -0x1p62, seconds < 0x1p62 else {
            throw OutOfRangeError(secondsSinceReferenceDate: seconds)
        }
        let whole = seconds.rounded(.down)
        var wholeSeconds = Int64(whole)
        var nanoseconds = Int64(Self.roundedNanoseconds(ofFraction: seconds - whole))
        if nanoseconds == 1_000_000_000 {
            wholeSeconds += 1
            nanoseconds = 0
        }
        // Before 2001, borrow a second so the product cannot overflow when the sum fits (the
        // lowest representable dates have a whole part one below -2^63 / 10^9).
        if wholeSeconds < 0, nanoseconds > 0 {
            wholeSeconds += 1
            nanoseconds -= 1_000_000_000
        }
        let (scaled, overflow) = wholeSeconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflowAdding) = scaled.addingReportingOverflow(nanoseconds)
        guard !overflow, !overflowAdding else { throw OutOfRangeError(secondsSinceReferenceDate: seconds) }
        self.nanosecondsSinceReferenceDate = total
    }

    /// `fraction × 10⁹` rounded to the nearest integer, ties to even, as if computed exactly.
    ///
    /// The product itself is rounded once; when that lands exactly on a half, the fused
    /// multiply-add residue tells on which side the exact product lies.
    private static func roundedNanoseconds(ofFraction fraction: Double) -> Double {
        let product = fraction * 1_000_000_000
        let rounded = product.rounded(.toNearestOrEven)
        guard abs(product - rounded) == 0.5 else { return rounded }
        let residue = (-product).addingProduct(fraction, 1_000_000_000)
        if residue > 0 { return product.rounded(.up) }
        if residue < 0 { return product.rounded(.down) }
        return rounded
    }

    /// Creates a date from a Foundation `Date`, rounding to the nearest nanosecond.
    ///
    /// - Throws: ``OutOfRangeError`` when the date is outside the representable range.
    public init(_ date: Date) throws(OutOfRangeError) {
        try self.init(secondsSinceReferenceDate: date.timeIntervalSinceReferenceDate)
    }

    /// The same moment as a Foundation `Date` (whose `Double` may drop nanosecond digits far from 2001).
    public var date: Date {
        Date(timeIntervalSinceReferenceDate: secondsSinceReferenceDate)
    }

    /// Seconds since the reference date, as a `Double`: the nearest one that converts back into
    /// the range (SPEC §9.1.1).
    ///
    /// Within about 380 ns of either end of the range, the nearest `Double` lies just outside it
    /// (the spacing of `Double`s there is about 1.9 µs); the nearest one inside is used instead,
    /// so every date a message holds gives a `Date` that encodes again.
    public var secondsSinceReferenceDate: Double {
        let (seconds, nanoseconds) = nanosecondsSinceReferenceDate.quotientAndRemainder(dividingBy: 1_000_000_000)
        var value = Double(seconds) + Double(nanoseconds) / 1_000_000_000
        guard abs(seconds) >= 9_223_372_035 else { return value }
        // Two steps toward 2001 always suffice; the bound only keeps the loop visibly finite.
        for _ in 0..<4 where (try? XPCDate(secondsSinceReferenceDate: value)) == nil {
            value = value > 0 ? value.nextDown : value.nextUp
        }
        return value
    }

    /// Orders dates chronologically.
    @inlinable
    public static func < (lhs: XPCDate, rhs: XPCDate) -> Bool {
        lhs.nanosecondsSinceReferenceDate < rhs.nanosecondsSinceReferenceDate
    }
}
