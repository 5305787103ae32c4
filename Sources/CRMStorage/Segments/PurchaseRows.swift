import CRMPostgres

/// Keeps the member purchases (migration 21: `member_purchase`, `purchase_item`) equal to the orders,
/// set-based, in the transaction that changes the orders: one narrow row per purchase (a paid order
/// not wholly refunded) with the member that owns its account now.
///
/// A push adds its paid orders where it settles their points (`BulkIngest.earn`), under the identity
/// lock held to the end of its transaction, so no merge moves their accounts between the read of
/// the member and the commit. Merges and unmerges, which hold that lock alone, move the rows of the
/// accounts they move: a merge in its own statement (`purchases_moved` in
/// `MemberMerger.moveAccounts` and `KeyMergeBatch.merge`), an unmerge by `move`. A refund rewrites
/// the order's worth or, refunded whole, removes its row. Erasure keeps orders, and so the rows.
struct PurchaseRows {
    let c: PostgresConnection

    /// Adds the rows of the paid orders `orders` (those not wholly refunded): one statement, the
    /// orders' items matched with the dictionary set-based. An order naming an item the dictionary
    /// lacks (a new product, or one another push is adding) has its row's items made again once the
    /// item is in (`refold`), after that push commits if it was adding it.
    func add(_ orders: [Int64]) throws {
        guard !orders.isEmpty else { return }
        let missing = try c.queryPrepared(
            """
            WITH o AS MATERIALIZED (
                SELECT o.id, a.member_id, o.paid_at, o.amount_fen - o.refunded_fen AS spend, o.shop_id, o.channel, o.payment_method,
                       COALESCE(o.items_fold, o.items) AS items
                FROM shop_order o JOIN account a ON a.id = o.account_id
                WHERE o.id = ANY($1::bigint[]) AND o.refunded_fen < o.amount_fen),
            i AS MATERIALIZED (
                SELECT o.id, array_agg(DISTINCT p.id ORDER BY p.id) FILTER (WHERE p.id IS NOT NULL) AS ids, bool_or(p.id IS NULL) AS missing
                FROM o CROSS JOIN LATERAL jsonb_array_elements(o.items) e LEFT JOIN purchase_item p ON p.item = purchase_item_key(e)
                WHERE jsonb_typeof(e) = 'object' GROUP BY o.id),
            ins AS (INSERT INTO member_purchase (order_id, member_id, paid_at, spend_fen, shop_id, channel, payment_method, items)
                    SELECT o.id, o.member_id, o.paid_at, o.spend, o.shop_id, o.channel, o.payment_method, COALESCE(i.ids, '{}')
                    FROM o LEFT JOIN i ON i.id = o.id ORDER BY o.id)
            SELECT id FROM i WHERE missing ORDER BY id
            """, [.intArray(orders)]
        ).map { try $0.decode(Int64.self, at: 0) }
        try refold(missing)
    }

    /// The orders `orders` were refunded (in part or whole): their rows take their new worth, and
    /// those refunded whole go.
    func refunded(_ orders: [Int64]) throws {
        guard !orders.isEmpty else { return }
        try c.queryPrepared(
            """
            WITH o AS MATERIALIZED (SELECT id, amount_fen - refunded_fen AS spend FROM shop_order WHERE id = ANY($1::bigint[])),
            gone AS (DELETE FROM member_purchase p USING o WHERE p.order_id = o.id AND o.spend <= 0)
            UPDATE member_purchase p SET spend_fen = o.spend FROM o WHERE p.order_id = o.id AND o.spend > 0 AND p.spend_fen <> o.spend
            """, [.intArray(orders)])
    }

    /// The items of `orders` changed (`ScriptFoldBackfill`) or were not all in the dictionary
    /// (`add`): the new ones go into it, then their rows' items are made again (a second statement:
    /// its snapshot holds the items another push added and committed while this one waited on them,
    /// `ON CONFLICT` waiting for the other's commit).
    func refold(_ orders: [Int64]) throws {
        guard !orders.isEmpty else { return }
        try addItems(of: orders)
        try c.queryPrepared(
            """
            UPDATE member_purchase p SET items = purchase_item_ids(COALESCE(o.items_fold, o.items))
            FROM shop_order o WHERE o.id = ANY($1::bigint[]) AND p.order_id = o.id
            """, [.intArray(orders)])
    }

    /// The accounts `accounts` now belong to `member` (an unmerge): so do their purchases.
    func move(accounts: [Int64], to member: Int64) throws {
        guard !accounts.isEmpty else { return }
        try c.queryPrepared(
            """
            UPDATE member_purchase p SET member_id = $1
            FROM order_key o WHERE o.account_id = ANY($2::bigint[]) AND p.order_id = o.order_id AND p.member_id <> $1
            """, [.int(member), .intArray(accounts)])
    }

    /// Puts the items of `orders` not in the dictionary yet into it, in key order (two pushes adding
    /// the same new items wait on each other in one order, never in a cycle).
    private func addItems(of orders: [Int64]) throws {
        try c.queryPrepared(
            """
            INSERT INTO purchase_item (item)
            SELECT DISTINCT purchase_item_key(e) FROM shop_order o, jsonb_array_elements(COALESCE(o.items_fold, o.items)) e
            WHERE o.id = ANY($1::bigint[]) AND o.refunded_fen < o.amount_fen AND jsonb_typeof(e) = 'object'
              AND NOT EXISTS (SELECT 1 FROM purchase_item p WHERE p.item = purchase_item_key(e))
            ORDER BY 1
            ON CONFLICT DO NOTHING
            """, [.intArray(orders)])
    }
}
