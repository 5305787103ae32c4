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

    /// Adds the rows of the paid orders `orders` (those not wholly refunded), after putting the items
    /// they name into the dictionary.
    func add(_ orders: [Int64]) throws {
        guard !orders.isEmpty else { return }
        try addItems(of: orders)
        // A second statement: its snapshot holds the items just added, and those another push added
        // and committed while this one waited on them (`ON CONFLICT` waits for the other's commit).
        try c.queryPrepared(
            """
            INSERT INTO member_purchase (order_id, member_id, paid_at, spend_fen, shop_id, channel, payment_method, items)
            SELECT o.id, a.member_id, o.paid_at, o.amount_fen - o.refunded_fen, o.shop_id, o.channel, o.payment_method,
                   purchase_item_ids(COALESCE(o.items_fold, o.items))
            FROM shop_order o JOIN account a ON a.id = o.account_id
            WHERE o.id = ANY($1::bigint[]) AND o.refunded_fen < o.amount_fen
            ORDER BY o.id
            """, [.intArray(orders)])
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

    /// The script-folded items of `orders` changed (`ScriptFoldBackfill`): their rows' items again.
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
            FROM shop_order o WHERE o.account_id = ANY($2::bigint[]) AND p.order_id = o.id AND p.member_id <> $1
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
