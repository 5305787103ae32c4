/// The range of ids the orders of some members' accounts can have, as SQL for readers that join
/// `account` to `shop_order` (partitioned by the month written into its id, migration 20): from the
/// month the oldest of those accounts was created in (an account's orders are written after it) to
/// the end of the month a day after the statement began (no order it can see was written later).
///
/// Computed once per statement, in a CTE, and compared as a constant: PostgreSQL then prunes the
/// months outside the range once, where a bound taken from each joined account
/// (`crm_written_after(a.created_at)`) made it prune again at every account (about 8 µs a joined
/// account over 42 months; paid-time ranks took twice as long as with one table).
enum AccountOrderIDs {
    /// A CTE named `order_ids` (columns `low`, `high`) for the members in `members`, an SQL
    /// expression of type `bigint[]`.
    static func cte(members: String) -> String {
        """
        order_ids AS MATERIALIZED (
            SELECT COALESCE(crm_written_after(min(created_at)), 0) AS low,
                   crm_written_after(statement_timestamp() + interval '1 day') + (1::bigint << 40) AS high
            FROM account WHERE member_id = ANY(\(members)))
        """
    }

    /// The condition on an order aliased `alias` that keeps it within `order_ids`.
    static func within(_ alias: String) -> String {
        "\(alias).id >= (SELECT low FROM order_ids) AND \(alias).id < (SELECT high FROM order_ids)"
    }
}
