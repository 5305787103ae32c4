/// `crmctl verify`'s view of archived ledger months (migration 25, `crm_archive_ledger_month`): an
/// archived month's entries and lot changes are detached, and what they added up to is carried in
/// `points_member_carried` (per member and kind) and `points_lot_carried` (per lot). The ledger's
/// checks add those sums to the live entries; these checks make sure the carried rows are the
/// archived months' own, that no archived month is counted twice, and that every entry something
/// names (the foreign keys migration 25 replaced) is live or was kept when its month was archived.
enum ArchivedLedgerChecks {
    /// Every entry's kind and points, live or carried: an archived month's sums of one member and kind
    /// stand for its entries, its positive and negative points apart (an adjustment counts as issued
    /// or taken out by its sign).
    static let entriesByKind = """
        SELECT kind, points FROM points_entry
        UNION ALL SELECT kind, points_in FROM points_member_carried WHERE points_in <> 0
        UNION ALL SELECT kind, points_out FROM points_member_carried WHERE points_out <> 0
        """

    /// The first id of the month of the date column `month` (`crm_month_id`'s layout).
    static func firstID(_ month: String) -> String {
        "(((extract(year FROM \(month))::bigint - 1970) * 12 + extract(month FROM \(month))::bigint - 1) << 40)"
    }

    static let checks: [(name: String, sql: String)] = [
        (
            "archived_months_detached",
            """
            SELECT 'month ' || to_char(a.month, 'YYYY-MM') || ' is archived, yet ' || t.what || ' of it are live (counted twice)'
            FROM points_archived_month a
            CROSS JOIN LATERAL (
                SELECT count(*) || ' entries' AS what, count(*) AS n FROM points_entry e
                WHERE e.id >= \(firstID("a.month")) AND e.id < \(firstID("(a.month + interval '1 month')"))
                UNION ALL
                SELECT count(*) || ' lot changes', count(*) FROM points_entry_lot l
                WHERE l.entry_id >= \(firstID("a.month")) AND l.entry_id < \(firstID("(a.month + interval '1 month')"))) t
            WHERE t.n > 0
            """
        ),
        (
            "carried_rows_match_months",
            """
            SELECT 'month ' || to_char(a.month, 'YYYY-MM') || ': archived ' || a.entries || ' entries of ' || a.points || ' points (debt '
                   || a.debt_change || ') and ' || a.lot_changes || ' lot changes of ' || a.lot_points || ', carried '
                   || COALESCE(m.entries, 0) || ', ' || COALESCE(m.points, 0) || ' (' || COALESCE(m.debt, 0) || '), '
                   || COALESCE(l.changes, 0) || ', ' || COALESCE(l.points, 0)
            FROM points_archived_month a
            LEFT JOIN (SELECT month, sum(entries) AS entries, sum(points_in + points_out) AS points, sum(debt_change) AS debt
                       FROM points_member_carried GROUP BY month) m ON m.month = a.month
            LEFT JOIN (SELECT month, sum(changes) AS changes, sum(points) AS points FROM points_lot_carried GROUP BY month) l ON l.month = a.month
            WHERE (a.entries, a.points, a.debt_change, a.lot_changes, a.lot_points)
                  IS DISTINCT FROM (COALESCE(m.entries, 0), COALESCE(m.points, 0), COALESCE(m.debt, 0), COALESCE(l.changes, 0), COALESCE(l.points, 0))
            """
        ),
        (
            "named_entries_exist",
            """
            SELECT n.what || ' names entry ' || n.entry_id || ', which is missing'
            FROM (SELECT 'points request ' || idempotency_key AS what, entry_id FROM points_request
                  UNION ALL SELECT 'referral reward (binding ' || binding_id || ', ' || side || ', order ' || order_id || ')', entry_id FROM referral_reward
                  UNION ALL SELECT 'reversal of referral reward (binding ' || binding_id || ', ' || side || ', order ' || order_id || ')', reversed_entry_id
                            FROM referral_reward WHERE reversed_entry_id IS NOT NULL
                  UNION ALL SELECT 'campaign touch (campaign ' || campaign_id || ', occasion ' || occasion || ', member ' || member_id || ')', entry_id
                            FROM campaign_touch WHERE entry_id IS NOT NULL) n
            WHERE NOT EXISTS (SELECT 1 FROM points_entry e WHERE e.id = n.entry_id)
              AND NOT EXISTS (SELECT 1 FROM points_entry_kept k WHERE k.id = n.entry_id)
            """
        ),
    ]
}
