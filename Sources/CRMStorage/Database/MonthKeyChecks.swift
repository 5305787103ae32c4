/// `crmctl verify`'s check of the key table kept beside the stored events partitioned by month id
/// (migration 20): every stored event id names a record that exists — unless the month partition
/// that held it was archived (detached), which `crm_month_partition_name` tells: a missing record is
/// a violation only while its month's partition is still attached.
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
            "event_keys_name_records",
            """
            SELECT 'event ' || k.event_id || ' (shop ' || k.shop_id || '): record ' || k.id || ' is missing'
            FROM sync_event_key k WHERE NOT EXISTS (SELECT 1 FROM sync_event e WHERE e.id = k.id) AND \(attached("sync_event", "k.id"))
            """
        )
    ]
}
