/// `crmctl verify`'s checks of the member purchases (migration 21, `PurchaseRows`): every purchase's
/// row made again from its order and its account's member and compared with the row kept at ingest,
/// both ways (a row missing, a row too many, a value different; the row of an order whose month was
/// archived stays, and is no violation: segments keep counting the purchase); and every item the purchases name
/// found in the dictionary (a missing one would leave the rows' item ids short of the order's items).
enum PurchaseRowsCheck {
    static let checks: [(name: String, sql: String)] = [
        (
            "member_purchases_match_orders",
            """
            SELECT 'order ' || COALESCE(k.order_id, o.order_id) || ': kept ' || COALESCE('member ' || k.member_id || ', ' || k.spend_fen || ' fen', 'nothing')
                   || ', orders say ' || COALESCE('member ' || o.member_id || ', ' || o.spend_fen || ' fen', 'nothing')
            FROM member_purchase k
            FULL JOIN (SELECT s.id AS order_id, a.member_id, s.paid_at, s.amount_fen - s.refunded_fen AS spend_fen, s.shop_id, s.channel, s.payment_method,
                              purchase_item_ids(COALESCE(s.items_fold, s.items)) AS items
                       FROM shop_order s JOIN account a ON a.id = s.account_id WHERE s.refunded_fen < s.amount_fen) o
                 ON o.order_id = k.order_id
            WHERE (k.member_id, k.paid_at, k.spend_fen, k.shop_id, k.channel, k.payment_method, k.items)
                  IS DISTINCT FROM (o.member_id, o.paid_at, o.spend_fen, o.shop_id, o.channel, o.payment_method, o.items)
              AND NOT (o.order_id IS NULL AND NOT \(MonthKeyChecks.attached("shop_order", "k.order_id")))
            """
        ),
        (
            "purchase_items_in_dictionary",
            """
            SELECT DISTINCT 'order ' || s.id || ': item ' || purchase_item_key(e)::text || ' not in purchase_item'
            FROM shop_order s, jsonb_array_elements(COALESCE(s.items_fold, s.items)) e
            WHERE s.refunded_fen < s.amount_fen AND jsonb_typeof(e) = 'object'
              AND NOT EXISTS (SELECT 1 FROM purchase_item p WHERE p.item = purchase_item_key(e))
            """
        ),
    ]
}
