/// What an order has earned and what its refunds were due to take back, as SQL expressions over an
/// order aliased `o`: written once, because refunds (`RefundRun`) and re-ratings (`PaidTimeLevels`)
/// must agree on them. An order's entries are written after it, so they sit in its month's partition
/// or later ones (`e.id >= crm_month_floor(o.id)` skips the older months of the ledger).
enum OrderPointsSQL {
    /// The order's earning and its re-ratings (a re-rating's rise is an earn entry; a reverse entry
    /// with `rerate_points` lowers it).
    static let earned = """
        COALESCE((SELECT sum(CASE WHEN e.kind = 'earn' THEN e.points ELSE -(e.detail->>'rerate_points')::bigint END)
                  FROM points_entry e WHERE e.order_id = o.id AND e.id >= crm_month_floor(o.id)
                   AND (e.kind = 'earn' OR (e.kind = 'reverse' AND e.detail ? 'rerate_points'))), 0)::bigint
        """

    /// What the order's refunds were due to take back, taken or not.
    static let refundsDue = """
        COALESCE((SELECT sum((e.detail->>'due')::bigint) FROM points_entry e
                  WHERE e.order_id = o.id AND e.id >= crm_month_floor(o.id) AND e.kind = 'reverse'), 0)::bigint
        """
}
