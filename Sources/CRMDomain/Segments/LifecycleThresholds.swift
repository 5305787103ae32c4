/// The day thresholds that place members in lifecycle stages, fixed or derived from the merchant's
/// own repurchase intervals.
public struct LifecycleThresholds: Sendable, Equatable {
    /// A member whose first purchase is at most this many days ago is `new`.
    public var newDays: Int = 30
    /// Last purchase at most this many days ago: `active`; then `silent` up to `silentDays`,
    /// `sleeping` up to `sleepingDays`, `churned` beyond.
    public var activeDays: Int = 90
    public var silentDays: Int = 180
    public var sleepingDays: Int = 365

    public init(newDays: Int = 30, activeDays: Int = 90, silentDays: Int = 180, sleepingDays: Int = 365) {
        self.newDays = newDays
        self.activeDays = activeDays
        self.silentDays = silentDays
        self.sleepingDays = sleepingDays
    }

    /// What is wrong with these thresholds, if anything.
    public func problems() -> [String] {
        var out: [String] = []
        if newDays < 1 || newDays > 3_650 { out.append("new_days must be 1 to 3650") }
        if !(1 <= activeDays && activeDays < silentDays && silentDays < sleepingDays && sleepingDays <= 3_650) {
            out.append("active_days < silent_days < sleeping_days, each 1 to 3650")
        }
        return out
    }

    /// The stages as a rule over elapsed days since the first and last purchase. Reports and
    /// segments run it in SQL made from this value.
    public var stages: Placement<LifecycleStage> {
        Placement(
            [
                (.neverBought, .prospect), (.compare(.daysSinceFirst, .atMost, Int64(newDays)), .new),
                (.compare(.daysSinceLast, .atMost, Int64(activeDays)), .active), (.compare(.daysSinceLast, .atMost, Int64(silentDays)), .silent),
                (.compare(.daysSinceLast, .atMost, Int64(sleepingDays)), .sleeping),
            ],
            otherwise: .churned)
    }

    /// The stage of a member, from whole days since its first and last purchase (nil: never bought).
    public func stage(daysSinceFirst: Int?, daysSinceLast: Int?) -> LifecycleStage {
        stages.place(MemberMeasures(daysSinceFirst: daysSinceFirst.map(Double.init), daysSinceLast: daysSinceLast.map(Double.init)))
    }

    /// Thresholds from the merchant's repurchase intervals (days between a member's consecutive
    /// purchases): most repurchases (the 75th percentile) come within `active`; the 90th marks the
    /// end of `silent`; twice the 95th the end of `sleeping`. Sensible floors keep the stages ordered
    /// when there is little history.
    public static func derived(p50: Double, p75: Double, p90: Double, p95: Double, newDays: Int = 30) -> LifecycleThresholds {
        let active = max(7, Int(p75.rounded(.up)))
        let silent = max(active + 1, Int(p90.rounded(.up)))
        let sleeping = min(3_650, max(silent + 1, Int((2 * p95).rounded(.up))))
        return LifecycleThresholds(newDays: newDays, activeDays: active, silentDays: min(silent, sleeping - 1), sleepingDays: sleeping)
    }
}
