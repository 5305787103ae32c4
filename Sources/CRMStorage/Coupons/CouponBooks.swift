import CRMPostgres

/// The coupon books' invariants, checked with the points ledger's (`points.verify`, `crmctl
/// verify`) in the same snapshot: per template, the count issued is the coupons there are, and
/// they are redeemed, expired, voided or usable; every coupon's last event agrees with its status;
/// no budget is passed; usable coupons are held by live members.
enum CouponBooks {
    static let checks: [(name: String, sql: String)] = [
        (
            "coupon_template_counts",
            """
            SELECT 'template ' || t.name || ': issued ' || t.issued || ', coupons ' || COALESCE(k.n, 0) || ', issue events ' || COALESCE(k.e, 0)
                   || ', redeemed + expired + voided + usable ' || COALESCE(k.s, 0)
            FROM coupon_template t LEFT JOIN (
                SELECT c.template, count(*) AS n, sum((SELECT count(*) FROM coupon_event e WHERE e.coupon_id = c.id AND e.kind = 'issue')) AS e,
                       count(*) FILTER (WHERE c.status IN ('redeemed', 'expired', 'voided', 'usable')) AS s
                FROM coupon c GROUP BY c.template) k ON k.template = t.name
            WHERE t.issued <> COALESCE(k.n, 0) OR t.issued <> COALESCE(k.e, 0) OR t.issued <> COALESCE(k.s, 0)
            """
        ),
        (
            "coupon_status_matches_events",
            """
            SELECT 'coupon ' || c.code || ': ' || c.status || ', last event ' || COALESCE(e.kind, 'none')
            FROM coupon c LEFT JOIN LATERAL (
                SELECT kind FROM coupon_event WHERE coupon_id = c.id AND kind NOT IN ('merge_move', 'unmerge_move') ORDER BY id DESC LIMIT 1) e ON true
            WHERE e.kind IS NULL OR c.status <> CASE e.kind WHEN 'issue' THEN 'usable' WHEN 'release' THEN 'usable' WHEN 'redeem' THEN 'redeemed'
                                                            WHEN 'expire' THEN 'expired' WHEN 'void' THEN 'voided' END
            """
        ),
        (
            "coupon_within_budget",
            """
            SELECT 'template ' || t.name || ': ' || count(c.id) || ' coupons, budget ' || t.budget
            FROM coupon_template t JOIN coupon c ON c.template = t.name WHERE t.budget IS NOT NULL
            GROUP BY t.name, t.budget HAVING count(c.id) > t.budget
            """
        ),
        (
            "coupons_of_live_members",
            """
            SELECT 'coupon ' || c.code || ' is usable and held by merged member ' || c.member_id
            FROM coupon c JOIN member m ON m.id = c.member_id WHERE m.merged_into IS NOT NULL AND c.status = 'usable'
            """
        ),
    ]

    /// Coupons by status over every template, for the verify report.
    static func totals(_ c: PostgresConnection) throws -> LedgerVerifier.CouponTotals {
        let row = try c.query(
            """
            SELECT count(*), count(*) FILTER (WHERE status = 'redeemed'), count(*) FILTER (WHERE status = 'expired'),
                   count(*) FILTER (WHERE status = 'voided'), count(*) FILTER (WHERE status = 'usable')
            FROM coupon
            """
        ).single!
        return LedgerVerifier.CouponTotals(
            issued: try row.decode(at: 0), redeemed: try row.decode(at: 1), expired: try row.decode(at: 2), voided: try row.decode(at: 3),
            usable: try row.decode(at: 4))
    }
}
