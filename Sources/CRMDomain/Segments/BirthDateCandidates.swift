/// The birth dates that satisfy a `birthday` or `age` condition on an evaluation date, as
/// `YYYY-MM-DD` texts. Birthdays are sealed at rest and the database holds only a blind index of
/// each (`member.birthday_bidx`), so a condition on them is compiled into the set of dates it
/// accepts, each hashed the same way, and compared by equality. The set covers every date from
/// `earliest` (the first year a birthday is accepted in, `BirthDate.normalize`) through the
/// evaluation date: nobody's birthday lies after it.
public enum BirthDateCandidates {
    /// A calendar date.
    public typealias Day = (year: Int64, month: Int64, day: Int64)

    /// The first date a stored birthday can hold.
    public static let earliest: Day = (1900, 1, 1)

    /// The dates whose birthday `match` accepts on `today` (the merchant's date): by month, by the
    /// month of `today`, or by day of the year, a birthday on 29 February counting as 28 February
    /// in a year without a 29th (the year of `today`), as well as the 29th itself.
    public static func dates(_ match: BirthdayMatch, today: Day) -> [String] {
        switch match {
        case .months(let months):
            let wanted = Set(months.map { Int64($0) })
            return dates(through: today) { wanted.contains($0.month) }
        case .thisMonth:
            return dates(through: today) { $0.month == today.month }
        case .days(let days):
            let wanted = Set(days.map { Int64($0.month * 100 + $0.day) })
            let leapYear = BirthDate.daysIn(month: 2, year: Int(today.year)) == 29
            let asTwentyEighth = !leapYear && wanted.contains(228)
            return dates(through: today) { d in
                wanted.contains(d.month * 100 + d.day) || (asTwentyEighth && d.month == 2 && d.day == 29)
            }
        }
    }

    /// The dates of birth whose age on `today`, in whole years, is within `range`.
    public static func dates(age range: ValueRange, today: Day) -> [String] {
        dates(through: today) { range.contains(age(born: $0, on: today)) }
    }

    /// Whole years from `born` to `today`: a year is complete on the day of the birthday, which for
    /// 29 February is 1 March in a year without a 29th (PostgreSQL's `age` counts the same way).
    public static func age(born: Day, on today: Day) -> Int64 {
        let before = (today.month, today.day) < (born.month, born.day)
        return today.year - born.year - (before ? 1 : 0)
    }

    /// The smaller side of a condition over the dates from `earliest` through `today`: the dates it
    /// accepts, or, when those are more than half, the dates it rejects (`negated`), so a condition
    /// such as "age at most 100" is compared with a few thousand hashes rather than tens of thousands.
    public struct Selection: Sendable, Equatable {
        public var dates: [String]
        /// The condition holds for a birthday NOT among `dates`.
        public var negated: Bool
    }

    /// The smaller side of a birthday condition (see `Selection`).
    public static func selection(_ match: BirthdayMatch, today: Day) -> Selection {
        smaller(dates(match, today: today), today: today)
    }

    /// The smaller side of an age condition (see `Selection`).
    public static func selection(age range: ValueRange, today: Day) -> Selection {
        smaller(dates(age: range, today: today), today: today)
    }

    private static func smaller(_ accepted: [String], today: Day) -> Selection {
        let first = CivilTime.daysFromCivil(year: earliest.year, month: earliest.month, day: earliest.day)
        let total = Int(CivilTime.daysFromCivil(year: today.year, month: today.month, day: today.day) - first + 1)
        guard accepted.count * 2 > total else { return Selection(dates: accepted, negated: false) }
        let accepting = Set(accepted)
        return Selection(dates: dates(through: today) { !accepting.contains(text($0)) }, negated: true)
    }

    /// Every date from `earliest` through `today` that `accepts` accepts, oldest first.
    static func dates(through today: Day, _ accepts: (Day) -> Bool) -> [String] {
        let first = CivilTime.daysFromCivil(year: earliest.year, month: earliest.month, day: earliest.day)
        let last = CivilTime.daysFromCivil(year: today.year, month: today.month, day: today.day)
        guard first <= last else { return [] }
        var out: [String] = []
        for n in first...last {
            let d = CivilTime.civilFromDays(n)
            if accepts(d) { out.append(text(d)) }
        }
        return out
    }

    /// `YYYY-MM-DD`, the form stored birthdays are normalised to.
    public static func text(_ d: Day) -> String {
        CivilTime.pad(d.year, 4) + "-" + CivilTime.pad(d.month, 2) + "-" + CivilTime.pad(d.day, 2)
    }
}
