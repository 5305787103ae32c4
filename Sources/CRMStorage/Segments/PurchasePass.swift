import CRMDomain
import CRMPostgres
import Foundation

/// How a segment's statement reads the member purchases. `grouped` aggregates the purchases of
/// every member the filter may select in one pass (`GROUP BY member_id`), which suits filters
/// over most members; `perMember` first finds the members that the filter's member-only conditions
/// (tags, region, address, registration…) accept and then reads each one's purchases alone from
/// their index (a lateral join), which suits filters that leave a fraction of the members: at
/// 1,000,000 members and 5,000,000 purchases, tags held by 100,000 members took 1.2 s grouped
/// against 0.6 s per member (docs/performance.md).
enum PurchasePass: Sendable, Equatable {
    case grouped
    case perMember

    /// The largest share of the live members, as the planner estimates what the member-only
    /// conditions accept, read per member. Measured at 1,000,000 members: per member was faster
    /// at 10 % and 40 %, slower at 100 %.
    static let perMemberShare = 0.5

    /// Whether the pass is chosen per statement: yes unless crmd's environment says
    /// `CRM_PURCHASE_PASS=grouped` (always grouped, as before the choice; `scripts/bench segments`
    /// times both in one run).
    static let chosen = ProcessInfo.processInfo.environment["CRM_PURCHASE_PASS"] != "grouped"
}

extension SegmentCompiler {
    /// `compile(_:context:asOf:)` with the purchase pass chosen for this filter: per member when
    /// the purchases are read from the member purchases, the filter reads them, and PostgreSQL
    /// estimates that its member-only conditions accept at most `PurchasePass.perMemberShare` of
    /// the live members (two `EXPLAIN`s, a millisecond or two).
    static func compile(_ filter: SegmentFilter, context: Context, asOf: String, on c: PostgresConnection) throws -> (sql: String, params: [PostgresValue]) {
        var context = context
        context.purchasePass = .grouped
        if PurchasePass.chosen, context.purchaseRows, let share = try restrictedShare(filter, context: context, asOf: asOf, on: c),
            share <= PurchasePass.perMemberShare
        {
            context.purchasePass = .perMember
        }
        return compile(filter, context: context, asOf: asOf)
    }

    /// The share of the live members that the filter's member-only conditions accept, by the
    /// planner's estimates; nil when the filter has no such conditions or does not read purchases.
    static func restrictedShare(_ filter: SegmentFilter, context: Context, asOf: String, on c: PostgresConnection) throws -> Double? {
        var probe = SegmentCompiler(context: context, asOf: asOf)
        _ = probe.topLevel(filter)
        let conjuncts = memberOnlyConjuncts(filter)
        guard probe.readsPurchases, !conjuncts.isEmpty else { return nil }
        var comp = SegmentCompiler(context: context, asOf: asOf)
        let conditions = conjuncts.map { "(\(comp.condition($0)))" }.joined(separator: " AND ")
        let live = "SELECT m.id FROM member m WHERE m.merged_into IS NULL AND $1::timestamptz IS NOT NULL"
        let accepted = try estimatedRows(c, "\(live) AND \(conditions)", comp.binder.values)
        let all = try estimatedRows(c, live, [.text(asOf)])
        return all > 0 ? min(1, accepted / all) : 1
    }

    /// The rows PostgreSQL expects `sql` to return (its plan's top node).
    private static func estimatedRows(_ c: PostgresConnection, _ sql: String, _ params: [PostgresValue]) throws -> Double {
        let plan: String = try c.query("EXPLAIN (FORMAT JSON) \(sql)", params).single!.decode(at: 0)
        guard let range = plan.range(of: "\"Plan Rows\":") else { preconditionFailure("EXPLAIN (FORMAT JSON) without Plan Rows: \(plan.prefix(200))") }
        let digits = plan[range.upperBound...].drop { $0 == " " }.prefix { $0.isNumber || $0 == "." || $0 == "e" || $0 == "+" }
        guard let rows = Double(digits) else { preconditionFailure("EXPLAIN's Plan Rows unreadable: \(digits)") }
        return rows
    }
}
