import CRMDomain
import Testing

@Suite("segments: the birth dates a birthday or age condition accepts")
struct BirthDateCandidatesTests {
    static let today: BirthDateCandidates.Day = (2026, 11, 20)

    @Test("months and this month: every day of those months from 1900 through the evaluation date")
    func months() {
        let november = BirthDateCandidates.dates(.months([11]), today: Self.today)
        // 30 days in each November of 1900…2025, and 1–20 November 2026.
        #expect(november.count == 126 * 30 + 20)
        #expect(november.first == "1900-11-01" && november.last == "2026-11-20")
        #expect(november.allSatisfy { $0.dropFirst(5).hasPrefix("11-") })
        #expect(BirthDateCandidates.dates(.thisMonth, today: Self.today) == november)
        let two = Set(BirthDateCandidates.dates(.months([2, 5]), today: Self.today))
        #expect(two.contains("2000-02-29") && two.contains("1986-05-17") && !two.contains("1996-11-20"))
        #expect(BirthDateCandidates.dates(.months([]), today: Self.today).isEmpty)
    }

    @Test("days of the year, 29 February counting as 28 February in a year without a 29th")
    func days() {
        let d = BirthDateCandidates.dates(.days([.init(month: 11, day: 21), .init(month: 5, day: 17)]), today: Self.today)
        #expect(d.contains("1996-11-21") && d.contains("1986-05-17") && !d.contains("1996-11-20"))
        // 2026 has no 29 February: born on it matches 02-28 and 02-29, never 03-01.
        let feb28 = Set(BirthDateCandidates.dates(.days([.init(month: 2, day: 28)]), today: Self.today))
        #expect(feb28.contains("2000-02-29") && feb28.contains("1999-02-28"))
        #expect(BirthDateCandidates.dates(.days([.init(month: 2, day: 29)]), today: Self.today).contains("2000-02-29"))
        #expect(!BirthDateCandidates.dates(.days([.init(month: 3, day: 1)]), today: Self.today).contains("2000-02-29"))
        // In a leap year the 29th is its own day: 02-28 no longer takes it.
        let leap = Set(BirthDateCandidates.dates(.days([.init(month: 2, day: 28)]), today: (2028, 6, 1)))
        #expect(!leap.contains("2000-02-29") && leap.contains("2000-02-28"))
    }

    @Test("age in whole years: a window of dates, the year complete on the birthday")
    func age() {
        #expect(BirthDateCandidates.age(born: (1996, 11, 21), on: (2026, 11, 20)) == 29)
        #expect(BirthDateCandidates.age(born: (1996, 11, 21), on: (2026, 11, 21)) == 30)
        // Born on 29 February: a year older on 1 March in a year without a 29th.
        #expect(BirthDateCandidates.age(born: (2000, 2, 29), on: (2026, 2, 28)) == 25)
        #expect(BirthDateCandidates.age(born: (2000, 2, 29), on: (2026, 3, 1)) == 26)
        let thirties = BirthDateCandidates.dates(age: ValueRange(min: 30, max: 39), today: Self.today)
        #expect(thirties.first == "1986-11-21" && thirties.last == "1996-11-20")
        let atLeast30 = BirthDateCandidates.dates(age: ValueRange(min: 30), today: Self.today)
        #expect(atLeast30.first == "1900-01-01" && atLeast30.last == "1996-11-20")
        let upTo100 = BirthDateCandidates.dates(age: ValueRange(max: 100), today: Self.today)
        #expect(upTo100.first == "1925-11-21" && upTo100.last == "2026-11-20")
        #expect(BirthDateCandidates.dates(age: ValueRange(min: 200), today: Self.today).isEmpty)
    }

    @Test("a broad condition is given by the dates it rejects, the fewer")
    func selection() {
        let all = BirthDateCandidates.selection(.months(Array(1...12)), today: Self.today)
        #expect(all.dates.isEmpty && all.negated)
        let november = BirthDateCandidates.selection(.months([11]), today: Self.today)
        #expect(!november.negated && november.dates == BirthDateCandidates.dates(.months([11]), today: Self.today))
        // At most 100: every date from 1900 but those of people 101 and older.
        let upTo100 = BirthDateCandidates.selection(age: ValueRange(max: 100), today: Self.today)
        #expect(upTo100.negated && upTo100.dates.first == "1900-01-01" && upTo100.dates.last == "1925-11-20")
        let thirties = BirthDateCandidates.selection(age: ValueRange(min: 30, max: 39), today: Self.today)
        // Ten years of days, three of them 29 February (1988, 1992, 1996).
        #expect(!thirties.negated && thirties.dates.count == 3653)
    }
}
