/// Which birthdays a `birthday` filter condition accepts: exactly one of months (1–12), days of
/// the year (month and day), or the month of the evaluation date (for a saved "birthday this
/// month" segment that follows the calendar). A birthday on 29 February counts as 28 February in
/// years that have no 29th, as the birthday gift does.
public enum BirthdayMatch: Sendable, Equatable {
    case months([Int])
    case days([MonthDay])
    case thisMonth

    /// A day of the year.
    public struct MonthDay: Sendable, Equatable {
        public var month: Int
        public var day: Int

        public init(month: Int, day: Int) {
            self.month = month
            self.day = day
        }

        /// `MM-DD` (`05-17`); nil when not a day of some year (29 February is one).
        public init?(_ text: String) {
            let c = Array(text.utf8)
            guard c.count == 5, c[2] == 0x2D, let m = Int(text.prefix(2)), let d = Int(text.suffix(2)),
                c.allSatisfy({ $0 == 0x2D || (0x30...0x39).contains($0) })
            else { return nil }
            guard (1...12).contains(m), d >= 1, d <= BirthDate.daysIn(month: m, year: 2000) else { return nil }
            self.init(month: m, day: d)
        }

        /// `MM-DD`.
        public var text: String { (month < 10 ? "0" : "") + "\(month)-" + (day < 10 ? "0" : "") + "\(day)" }
    }
}
