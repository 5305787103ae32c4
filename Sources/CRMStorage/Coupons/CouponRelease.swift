import CRMPostgres

/// Coupons given back by refunds: when a refund leaves nothing of an order (the whole order
/// refunded), the coupons redeemed on it whose template says `release_on_refund` are the member's
/// again — usable, or expired at once when their validity ended meanwhile — with a `release` event
/// (and an `expire` event for those). Runs in the refund's transaction.
struct CouponRelease {
    let c: PostgresConnection

    /// Releases the coupons of those of `orders` that are now wholly refunded.
    func afterRefunds(orders: [Int64], actor: String) throws {
        guard !orders.isEmpty else { return }
        try c.queryPrepared(
            """
            WITH due AS MATERIALIZED (
                SELECT c.id, c.redeemed_order_no, c.discount_fen, c.expires_at <= now() AS lapsed
                FROM coupon c JOIN shop_order o ON o.id = c.redeemed_order_id JOIN coupon_template_version v ON v.id = c.template_id
                WHERE c.redeemed_order_id = ANY($1::bigint[]) AND c.status = 'redeemed' AND o.refunded_fen >= o.amount_fen
                  AND COALESCE((v.definition->>'release_on_refund')::boolean, true)
                ORDER BY c.id FOR UPDATE OF c),
            released AS (
                UPDATE coupon c SET status = CASE WHEN d.lapsed THEN 'expired' ELSE 'usable' END,
                                    ended_at = CASE WHEN d.lapsed THEN now() END,
                                    redeemed_at = NULL, redeemed_shop_id = NULL, redeemed_order_id = NULL, redeemed_order_no = NULL, discount_fen = NULL
                FROM due d WHERE c.id = d.id
                RETURNING c.id, c.member_id, d.lapsed, d.redeemed_order_no, d.discount_fen)
            INSERT INTO coupon_event (coupon_id, kind, member_id, actor, detail)
            SELECT id, kind, member_id, $2, detail FROM (
                SELECT id, 'release' AS kind, member_id, jsonb_build_object('order_no', redeemed_order_no, 'discount_fen', discount_fen) AS detail, 1 AS step
                FROM released
                UNION ALL
                SELECT id, 'expire', member_id, jsonb_build_object('reason', 'released_after_expiry'), 2 FROM released WHERE lapsed
            ) e ORDER BY id, step
            """, [.intArray(orders), .text(actor)])
    }
}
