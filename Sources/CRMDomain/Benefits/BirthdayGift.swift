/// When a birthday gift is due (生日禮包): in the member's birthday month, or on the day itself,
/// once a year. A birthday on 29 February falls on 28 February in other years.
public enum BirthdayGift {
    /// In the birthday month (any day of it the daily job runs) or on the day.
    public enum When: String, Sendable, CaseIterable {
        case month
        case day
    }

    /// Whether a member born on `birthday` gets the gift on local day `asOf`.
    public static func isDue(
        birthday: (year: Int64, month: Int64, day: Int64), on asOf: (year: Int64, month: Int64, day: Int64), when: When
    ) -> Bool {
        guard birthday.month == asOf.month else { return false }
        switch when {
        case .month: return true
        case .day:
            let day = birthday.month == 2 && birthday.day == 29 && !isLeap(asOf.year) ? 28 : birthday.day
            return day == asOf.day
        }
    }

    /// The cause a year's gift is given once for (`points_entry.period`, a coupon's `source_ref` is the year).
    public static func period(year: Int64) -> String { "birthday:\(year)" }

    static func isLeap(_ y: Int64) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }
}
