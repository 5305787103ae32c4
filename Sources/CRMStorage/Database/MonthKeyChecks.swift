/// `crmctl verify`'s checks of the key tables kept beside the tables partitioned by month id
/// (migrations 20 and 24) and of the foreign keys they replace: every order number, stored event id
/// and ledger period names a row that exists, and every lot change names its entry — unless the month
/// partition that held the row was archived (detached), which `crm_month_partition_name` tells: a
/// missing row is a violation only while its month's partition is still attached. Every order has
/// its number's key too (an order written around `order_key` would let its number in twice), and the
/// key's copy of the order's account, paid time and amounts is the order's.
enum MonthKeyChecks {
    /// Whether the month partition of `parent` that holds (or held) the row with this id is attached:
    /// a row missing from it is a violation, a row of an archived month is not.
    static func attached(_ parent: String, _ id: String) -> String {
        """
        crm_month_partition_name('\(parent)', \(id)) IN (
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '\(parent)'::regclass)
        """
    }

    static let checks: [(name: String, sql: String)] = [
        (
            "order_keys_name_orders",
            """
            SELECT 'order ' || k.order_no || ' (shop ' || k.shop_id || ', ' || k.channel || '): order ' || k.order_id || ' is missing'
            FROM order_key k WHERE NOT EXISTS (SELECT 1 FROM shop_order o WHERE o.id = k.order_id) AND \(attached("shop_order", "k.order_id"))
            """
        ),
        (
            "orders_have_keys",
            """
            SELECT 'order ' || o.id || ' (' || o.order_no || ') has no order_key naming it'
            FROM shop_order o WHERE NOT EXISTS (SELECT 1 FROM order_key k WHERE k.order_id = o.id)
            """
        ),
        (
            "order_keys_match_orders",
            """
            SELECT 'order ' || o.id || ' (' || o.order_no || '): its key says account ' || k.account_id || ', paid ' || k.paid_at
                   || ', ' || k.amount_fen || ' fen, refunded ' || k.refunded_fen || '; the order ' || o.account_id || ', ' || o.paid_at
                   || ', ' || o.amount_fen || ', ' || o.refunded_fen
            FROM order_key k JOIN shop_order o ON o.id = k.order_id
            WHERE (k.shop_id, k.channel, k.order_no, k.account_id, k.paid_at, k.amount_fen, k.refunded_fen)
                  IS DISTINCT FROM (o.shop_id, o.channel, o.order_no, o.account_id, o.paid_at, o.amount_fen, o.refunded_fen)
            """
        ),
        (
            "event_keys_name_records",
            """
            SELECT 'event ' || k.event_id || ' (shop ' || k.shop_id || '): record ' || k.id || ' is missing'
            FROM sync_event_key k WHERE NOT EXISTS (SELECT 1 FROM sync_event e WHERE e.id = k.id) AND \(attached("sync_event", "k.id"))
            """
        ),
        (
            "lot_changes_name_entries",
            """
            SELECT 'lot ' || l.lot_id || ' changed by entry ' || l.entry_id || ', which is missing'
            FROM points_entry_lot l WHERE NOT EXISTS (SELECT 1 FROM points_entry e WHERE e.id = l.entry_id) AND \(attached("points_entry", "l.entry_id"))
            """
        ),
        (
            "period_keys_name_entries",
            """
            SELECT 'member ' || k.member_id || ', period ' || k.period || ': entry ' || k.entry_id || ' is missing'
            FROM points_entry_period k
            WHERE NOT EXISTS (SELECT 1 FROM points_entry e WHERE e.id = k.entry_id AND e.member_id = k.member_id AND e.period = k.period)
              AND \(attached("points_entry", "k.entry_id"))
            """
        ),
    ]
}
