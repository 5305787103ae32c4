import CRMPostgres

/// The books' invariants, checked by the database against everything written: what `crmctl verify`
/// reports. Each check counts its violations and names a few.
public struct LedgerVerifier: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// How long one check may take (the whole ledger is read; 5,000,000 lots take about 20 s here).
    public static let timeoutSeconds = 1_800

    public struct Check: Sendable {
        public var name: String
        public var violations: Int64
        public var examples: [String]
        public var ok: Bool { violations == 0 }
    }

    public struct Totals: Sendable {
        public var issued: Int64 = 0, spent: Int64 = 0, donated: Int64 = 0, expired: Int64 = 0, reversed: Int64 = 0
        public var adjustedOut: Int64 = 0, transfers: Int64 = 0, outstanding: Int64 = 0, debt: Int64 = 0
    }

    /// Coupons by status (the coupon books, `CouponBooks`).
    public struct CouponTotals: Sendable {
        public var issued: Int64, redeemed: Int64, expired: Int64, voided: Int64, usable: Int64
    }

    public struct Report: Sendable {
        public var checks: [Check]
        public var totals: Totals
        public var coupons: CouponTotals
        public var ok: Bool { checks.allSatisfy(\.ok) }
    }

    static let checks: [(name: String, sql: String)] = [
        (
            "lot_within_bounds",
            """
            SELECT 'lot ' || id || ': remaining ' || remaining || ' of ' || amount FROM points_lot WHERE remaining < 0 OR remaining > amount
            """
        ),
        (
            "lot_matches_entries",
            """
            SELECT 'lot ' || l.id || ': remaining ' || l.remaining || ', entries say ' || COALESCE(k.s, 0)
            FROM points_lot l
            LEFT JOIN (SELECT lot_id, sum(points) AS s
                       FROM (SELECT lot_id, points FROM points_entry_lot UNION ALL SELECT lot_id, points FROM points_lot_carried) c GROUP BY lot_id) k
                 ON k.lot_id = l.id
            WHERE l.remaining <> COALESCE(k.s, 0)
            """
        ),
        (
            "entry_matches_lots",
            """
            SELECT 'entry ' || e.id || ' (' || e.kind || '): ' || e.points || ' points, lots changed ' || COALESCE(k.s, 0) || ', debt ' || e.debt_change
            FROM points_entry e LEFT JOIN (SELECT entry_id, sum(points) AS s FROM points_entry_lot GROUP BY entry_id) k ON k.entry_id = e.id
            WHERE e.kind NOT IN ('merge_in', 'merge_out', 'unmerge_in', 'unmerge_out') AND e.points <> COALESCE(k.s, 0) - e.debt_change
            """
        ),
        (
            "member_matches_lots",
            """
            SELECT 'member ' || member_id || ': entries ' || sum(e) || ', lots ' || sum(l) || ', debt ' || sum(d)
            FROM (SELECT member_id, points AS e, 0::bigint AS l, 0::bigint AS d FROM points_entry
                  UNION ALL SELECT member_id, points_in + points_out, 0, 0 FROM points_member_carried
                  UNION ALL SELECT member_id, 0, remaining, 0 FROM points_lot
                  UNION ALL SELECT member_id, 0, 0, debt FROM points_account) t
            GROUP BY member_id HAVING sum(e) <> sum(l) - sum(d)
            """
        ),
        (
            "debt_matches_entries",
            """
            SELECT 'member ' || COALESCE(a.member_id, e.member_id) || ': debt ' || COALESCE(a.debt, 0) || ', entries say ' || COALESCE(e.s, 0)
            FROM points_account a
            FULL JOIN (SELECT member_id, sum(debt_change) AS s
                       FROM (SELECT member_id, debt_change FROM points_entry UNION ALL SELECT member_id, debt_change FROM points_member_carried) c
                       GROUP BY member_id HAVING sum(debt_change) <> 0) e
                 ON e.member_id = a.member_id
            WHERE COALESCE(a.debt, 0) <> COALESCE(e.s, 0)
            """
        ),
        (
            "lots_of_live_members",
            """
            SELECT 'lot ' || l.id || ' with ' || l.remaining || ' points belongs to merged member ' || l.member_id
            FROM points_lot l JOIN member m ON m.id = l.member_id WHERE m.merged_into IS NOT NULL AND l.remaining > 0
            """
        ),
    ]

    public func run() async throws -> Report {
        try await pool.withTransaction { c in
            // One snapshot for every check, so a write in between cannot look like a violation.
            try c.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            // A full pass over a large ledger outlasts the per-request statement limit; it reads only.
            try c.query("SET LOCAL statement_timeout = '\(Self.timeoutSeconds)s'")
            // Locked before the snapshot is taken: a ledger month archived meanwhile (partitions detached,
            // sums carried) is then wholly before the snapshot, or waits for the checks; otherwise the plans
            // would leave its partitions out while the snapshot does not see its carried rows yet.
            try c.query("LOCK TABLE points_entry, points_entry_lot IN ACCESS SHARE MODE")
            var checks: [Check] = []
            for (name, sql) in Self.checks + CouponBooks.checks + MonthKeyChecks.checks + ArchivedLedgerChecks.checks + PurchaseRowsCheck.checks {
                let row = try c.query("SELECT count(*), array_to_string((array_agg(x))[1:5], '|') FROM (\(sql)) v(x)").single!
                let text: String? = try row.decode(at: 1)
                checks.append(Check(name: name, violations: try row.decode(at: 0), examples: text.map { $0.split(separator: "|").map(String.init) } ?? []))
            }
            // Summed as numeric and compared there: points written before the limits may add up to more
            // than an Int64 (the totals shown then stop at its bounds; the check still tells the truth).
            let t = try c.query(
                """
                WITH s AS (
                    SELECT COALESCE(sum(points) FILTER (WHERE kind IN ('earn', 'referral', 'gift') OR (kind = 'adjust' AND points > 0)), 0) AS issued,
                           COALESCE(-sum(points) FILTER (WHERE kind = 'spend'), 0) AS spent,
                           COALESCE(-sum(points) FILTER (WHERE kind = 'donate'), 0) AS donated,
                           COALESCE(-sum(points) FILTER (WHERE kind = 'expire'), 0) AS expired,
                           COALESCE(-sum(points) FILTER (WHERE kind = 'reverse'), 0) AS reversed,
                           COALESCE(-sum(points) FILTER (WHERE kind = 'adjust' AND points < 0), 0) AS adjusted_out,
                           COALESCE(sum(points) FILTER (WHERE kind IN ('merge_in', 'merge_out', 'unmerge_in', 'unmerge_out')), 0) AS transfers,
                           (SELECT COALESCE(sum(remaining), 0) FROM points_lot) AS outstanding,
                           (SELECT COALESCE(sum(debt), 0) FROM points_account) AS debt
                    FROM (\(ArchivedLedgerChecks.entriesByKind)) e)
                SELECT \(Self.saturated("issued")), \(Self.saturated("spent")), \(Self.saturated("donated")), \(Self.saturated("expired")),
                       \(Self.saturated("reversed")), \(Self.saturated("adjusted_out")), \(Self.saturated("transfers")),
                       \(Self.saturated("outstanding")), \(Self.saturated("debt")),
                       issued - spent - donated - expired - reversed - adjusted_out + transfers = outstanding - debt,
                       (issued - spent - donated - expired - reversed - adjusted_out + transfers)::text, (outstanding - debt)::text
                FROM s
                """
            ).single!
            var totals = Totals()
            totals.issued = try t.decode(at: 0); totals.spent = try t.decode(at: 1); totals.donated = try t.decode(at: 2)
            totals.expired = try t.decode(at: 3); totals.reversed = try t.decode(at: 4); totals.adjustedOut = try t.decode(at: 5)
            totals.transfers = try t.decode(at: 6); totals.outstanding = try t.decode(at: 7); totals.debt = try t.decode(at: 8)
            let program: Bool = try t.decode(at: 9)
            let balance: String = try t.decode(at: 10)
            let held: String = try t.decode(at: 11)
            checks.append(
                Check(
                    name: "program_balances", violations: program ? 0 : 1,
                    examples: program
                        ? []
                        : [
                            "issued \(totals.issued) - spent \(totals.spent) - donated \(totals.donated) - expired \(totals.expired) - reversed \(totals.reversed) - adjusted out \(totals.adjustedOut) + transfers \(totals.transfers) = \(balance), but outstanding \(totals.outstanding) - debt \(totals.debt) = \(held)"
                        ]))
            return Report(checks: checks, totals: totals, coupons: try CouponBooks.totals(c))
        }
    }

    /// A numeric sum as an Int64 for display, stopped at Int64's bounds.
    static func saturated(_ column: String) -> String {
        "LEAST(GREATEST(\(column), -9223372036854775808), 9223372036854775807)::bigint"
    }
}
