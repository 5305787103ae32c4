import CRMDomain
import CRMJSON

/// One `PointsLedger.earn` call going through its orders in the order they came: what each member
/// may still receive under `max_balance`, what each capped rule has given each member per local
/// day, and the rows to write, gathered as columns for one `unnest` each. Pure bookkeeping: the
/// ledger reads the starting figures and writes the rows.
struct EarnBatch {
    /// The lots (and their `earn` entries) to write, one per order that earns anything.
    struct LotColumns {
        var member: [Int64?] = []
        var order: [Int64?] = []
        var earned: [String?] = []
        var available: [String?] = []
        var expires: [String?] = []
        var points: [Int64?] = []
        var detail: [String?] = []
    }

    /// What capped rules gave, one row per bonus (summed per member, rule and day when written).
    struct UsageColumns {
        var member: [Int64?] = []
        var rule: [String?] = []
        var day: [String?] = []
        var points: [Int64?] = []
    }

    let policy: PointsPolicy
    /// The rules with a cap per member and day.
    let capped: [AccrualRule]
    /// Points each member may still receive before `max_balance`; a member not in it has room for all of it.
    private var room: [Int64: Int64]
    /// Points a capped rule gave a member on a local day, keyed by `usageKey`.
    private var used: [String: Int64]
    private(set) var lots = LotColumns()
    private(set) var usage = UsageColumns()

    /// `held`: each member's points now; `used`: what capped rules gave already, keyed by `usageKey`.
    init(policy: PointsPolicy, capped: [AccrualRule], held: [Int64: Int64], used: [String: Int64]) {
        self.policy = policy
        self.capped = capped
        self.room = held.mapValues { max(0, policy.maxBalance - min($0, policy.maxBalance)) }
        self.used = used
    }

    static func usageKey(_ member: Int64, _ rule: String, _ day: String) -> String { "\(member)|\(rule)|\(day)" }

    /// What each capped rule already gave `member` on `day`, by rule name, as accrual wants it.
    func usedToday(member: Int64, day: String) -> [String: Int64] {
        var today: [String: Int64] = [:]
        for rule in capped { today[rule.name] = used[Self.usageKey(member, rule.name, day)] ?? 0 }
        return today
    }

    /// Counts the bonuses of capped rules against `member`'s day, so later orders of the batch see them.
    mutating func countCapped(_ bonuses: [Accrual.Bonus], member: Int64, day: String) {
        for bonus in bonuses where capped.contains(where: { $0.id == bonus.ruleID }) {
            // A capped rule's daily use never passes its cap; saturate rather than trap all the same.
            let key = Self.usageKey(member, bonus.name, day)
            let (sum, overflow) = (used[key] ?? 0).addingReportingOverflow(bonus.points)
            used[key] = overflow ? .max : sum
            usage.member.append(member)
            usage.rule.append(bonus.name)
            usage.day.append(day)
            usage.points.append(bonus.points)
        }
    }

    /// Credits what `order` earned, cut to the member's room under `max_balance`, as a lot whose
    /// explanation names the limit that cut it; nothing when it earns nothing.
    mutating func credit(_ order: PointsLedger.PaidOrderRow, paidAt: Int64, accrual: Accrual) {
        let left = room[order.member] ?? policy.maxBalance
        let total = min(accrual.total, left)
        var limit: (name: String, value: Int64)? = accrual.limitedTo.map { (PointsLimits.Kind.pointsPerOrder.name, $0) }
        if limit != nil { PointsLimits.hit(.pointsPerOrder, ["member": "\(order.member)", "order": "\(order.orderID)", "points": "\(accrual.total)"]) }
        if total < accrual.total {
            limit = (PointsLimits.Kind.balance.name, policy.maxBalance)
            PointsLimits.hit(.balance, ["member": "\(order.member)", "order": "\(order.orderID)", "points": "\(accrual.total)", "room": "\(left)"])
        }
        room[order.member] = left - total
        guard total > 0 else { return }
        lots.member.append(order.member)
        lots.order.append(order.orderID)
        lots.earned.append(order.paidAt)
        lots.available.append(CivilTime.rfc3339(policy.availableAt(earnedAt: paidAt)))
        lots.expires.append(policy.expiresAt(earnedAt: paidAt).map(CivilTime.rfc3339))
        lots.points.append(total)
        lots.detail.append(JSONSerializer.serialize(PointsLedger.explanation(accrual, amountFen: order.amountFen, total: total, limit: limit)))
    }
}
