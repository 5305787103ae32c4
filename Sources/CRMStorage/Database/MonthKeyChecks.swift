/// `crmctl verify`'s checks of the key tables kept beside the tables partitioned by month id
/// (migration 20): every order number and stored event id names a row that exists —
/// unless the month partition that held it was archived (detached), which `crm_month_partition_name`
/// tells: a missing row is a violation only while its month's partition is still attached. Every
/// order has its number's key too (an order written around `order_key` would let its number in twice).
enum MonthKeyChecks {
    /// A key whose row is missing from `parent` while the row's month is still attached.
    private static func attached(_ parent: String, _ id: String) -> String {
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
            "event_keys_name_records",
            """
            SELECT 'event ' || k.event_id || ' (shop ' || k.shop_id || '): record ' || k.id || ' is missing'
            FROM sync_event_key k WHERE NOT EXISTS (SELECT 1 FROM sync_event e WHERE e.id = k.id) AND \(attached("sync_event", "k.id"))
            """
        ),
    ]
}
