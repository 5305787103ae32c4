/// `crmctl verify`'s check of the monthly purchase totals (migration 20, `SegmentCompiler+Totals`):
/// every member's months recomputed from the orders and compared with the rows kept at ingest, both
/// ways (a row missing, a row too many, a figure different).
enum PurchaseTotalsCheck {
    static let checks: [(name: String, sql: String)] = [
        (
            "purchase_totals_match_orders",
            """
            SELECT 'member ' || COALESCE(k.member_id, o.member_id) || ', month ' || to_char(COALESCE(k.month, o.month) AT TIME ZONE 'UTC', 'YYYY-MM')
                   || ': kept ' || COALESCE(k.purchases || ' purchases, ' || k.spend_fen || ' fen', 'nothing')
                   || ', orders say ' || COALESCE(o.purchases || ' purchases, ' || o.spend_fen || ' fen', 'nothing')
            FROM member_purchase_month k
            FULL JOIN (SELECT a.member_id, date_trunc('month', s.paid_at, 'UTC') AS month, count(*)::int AS purchases,
                              sum(s.amount_fen - s.refunded_fen)::bigint AS spend_fen, min(s.paid_at) AS first_paid_at, max(s.paid_at) AS last_paid_at
                       FROM shop_order s JOIN account a ON a.id = s.account_id WHERE s.refunded_fen < s.amount_fen GROUP BY 1, 2) o
                 ON o.member_id = k.member_id AND o.month = k.month
            WHERE (k.purchases, k.spend_fen, k.first_paid_at, k.last_paid_at) IS DISTINCT FROM (o.purchases, o.spend_fen, o.first_paid_at, o.last_paid_at)
            """
        )
    ]
}
