/// RFM banding (R = recency of the last purchase, F = purchases in the window, M = spend in the
/// window) with the playbook's defaults: R within 1 / 3 / 6 / 12 months / over a year; F 1 / 2 / 3+;
/// M ≤ ¥100 / ¥100–200 / ¥200–300 / > ¥300; a one-year window.
public struct RFMBands: Sendable, Equatable {
    /// Upper bounds in days of R bands 1…n; band n+1 is beyond the last bound.
    public var recencyDays: [Int] = [30, 90, 180, 365]
    /// F band i is reached at `frequencyMins[i-1]` purchases in the window; 0 when none.
    public var frequencyMins: [Int] = [1, 2, 3]
    /// Upper bounds in fen of M bands 1…n (inclusive); band n+1 is above the last. 0 when no spend.
    public var monetaryFen: [Int64] = [10_000, 20_000, 30_000]
    /// The window F and M count in.
    public var windowDays: Int = 365

    public init() {}

    public var recencyBandCount: Int { recencyDays.count + 1 }
    public var frequencyBandCount: Int { frequencyMins.count }
    public var monetaryBandCount: Int { monetaryFen.count + 1 }

    /// What is wrong with these bands, if anything.
    public func problems() -> [String] {
        var out: [String] = []
        func increasing<T: Comparable>(_ xs: [T]) -> Bool { zip(xs, xs.dropFirst()).allSatisfy { $0 < $1 } }
        if recencyDays.isEmpty || recencyDays.count > 9 || !increasing(recencyDays) || recencyDays[0] < 1 {
            out.append("recency_days: 1 to 9 increasing day counts")
        }
        if frequencyMins.isEmpty || frequencyMins.count > 9 || !increasing(frequencyMins) || frequencyMins[0] < 1 {
            out.append("frequency_min: 1 to 9 increasing counts from 1")
        }
        if monetaryFen.isEmpty || monetaryFen.count > 9 || !increasing(monetaryFen) || monetaryFen[0] < 1 { out.append("monetary: 1 to 9 increasing amounts") }
        if windowDays < 1 || windowDays > 3_650 { out.append("window_days must be 1 to 3650") }
        return out
    }

    /// The R band as a rule: 1… (1 = most recent), 0 when never bought. Reports and segments run it
    /// in SQL made from this value.
    public var recency: Placement<Int> {
        Placement(
            [(.neverBought, 0)] + recencyDays.enumerated().map { (.compare(.daysSinceLast, .atMost, Int64($1)), $0 + 1) },
            otherwise: recencyBandCount)
    }

    /// The F band as a rule: the highest band whose minimum is reached, 0 when no purchase in the window.
    public var frequency: Placement<Int> {
        Placement(frequencyMins.enumerated().reversed().map { (.compare(.purchasesInWindow, .atLeast, Int64($1)), $0 + 1) }, otherwise: 0)
    }

    /// The M band as a rule: 1…, 0 when nothing was spent in the window.
    public var monetary: Placement<Int> {
        Placement(
            [(.compare(.spendInWindowFen, .atMost, 0), 0)] + monetaryFen.enumerated().map { (.compare(.spendInWindowFen, .atMost, $1), $0 + 1) },
            otherwise: monetaryBandCount)
    }

    /// R band 1… (1 = most recent), 0 when never bought.
    public func recencyBand(daysSinceLast: Double?) -> Int { recency.place(MemberMeasures(daysSinceLast: daysSinceLast)) }

    /// F band 1…, 0 when no purchase in the window.
    public func frequencyBand(purchases: Int64) -> Int { frequency.place(MemberMeasures(purchasesInWindow: purchases)) }

    /// M band 1…, 0 when nothing was spent in the window.
    public func monetaryBand(spendFen: Int64) -> Int { monetary.place(MemberMeasures(spendInWindowFen: spendFen)) }

    /// Labels of the bands, for reports.
    public var recencyLabels: [String] {
        recencyDays.map { "≤\($0)d" } + [">\(recencyDays.last!)d"]
    }
    public var frequencyLabels: [String] {
        frequencyMins.enumerated().map { i, n in
            i == frequencyMins.count - 1 ? "\(n)+" : (frequencyMins[i + 1] - n == 1 ? "\(n)" : "\(n)–\(frequencyMins[i + 1] - 1)")
        }
    }
    public var monetaryLabels: [String] {
        var out: [String] = []
        var low: Int64 = 0
        for b in monetaryFen {
            out.append(low == 0 ? "≤\(Money.format(fen: b))" : "\(Money.format(fen: low))–\(Money.format(fen: b))")
            low = b
        }
        out.append(">\(Money.format(fen: low))")
        return out
    }
}
