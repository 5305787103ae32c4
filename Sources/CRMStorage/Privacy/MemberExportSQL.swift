extension MemberExporter.Reader {
    // The lists of an export. Each selects the full count, then one entry as JSON text, newest first;
    // $1 names the family's members (or its accounts, for orders and refunds), $2 is the cap.

    static let ordersSQL = """
        SELECT count(*) OVER (), jsonb_build_object(
                   'shop', s.code, 'channel', o.channel, 'order_no', o.order_no, 'amount_fen', o.amount_fen, 'refunded_fen', o.refunded_fen,
                   'paid_at', crm_rfc3339(o.paid_at), 'payment_method', o.payment_method, 'items', o.items)::text
        FROM order_key k JOIN shop_order o ON o.id = k.order_id JOIN shop s ON s.id = o.shop_id WHERE k.account_id = ANY($1::bigint[])
        ORDER BY o.paid_at DESC, o.id DESC LIMIT $2
        """

    static let refundsSQL = """
        SELECT count(*) OVER (), jsonb_build_object(
                   'shop', s.code, 'order_no', o.order_no, 'refund_no', r.refund_no, 'amount_fen', r.amount_fen,
                   'refunded_at', crm_rfc3339(r.refunded_at))::text
        FROM refund r JOIN order_key o ON o.order_id = r.order_id JOIN shop s ON s.id = r.shop_id WHERE o.account_id = ANY($1::bigint[])
        ORDER BY r.refunded_at DESC, r.id DESC LIMIT $2
        """

    static let entriesSQL = """
        SELECT count(*) OVER (), jsonb_build_object(
                   'id', e.id, 'member_id', e.member_id, 'at', crm_rfc3339(e.at), 'kind', e.kind, 'points', e.points, 'order_no', o.order_no,
                   'reason', e.reason, 'detail', e.detail)::text
        FROM points_entry e LEFT JOIN shop_order o ON o.id = e.order_id WHERE e.member_id = ANY($1::bigint[])
        ORDER BY e.id DESC LIMIT $2
        """

    static let couponsSQL = """
        SELECT count(*) OVER (), jsonb_build_object(
                   'code', c.code, 'template', c.template, 'status', c.status, 'source', c.source, 'issued_at', crm_rfc3339(c.issued_at),
                   'valid_from', crm_rfc3339(c.valid_from), 'expires_at', crm_rfc3339(c.expires_at), 'redeemed_at', crm_rfc3339(c.redeemed_at),
                   'redeemed_order_no', c.redeemed_order_no, 'discount_fen', c.discount_fen)::text
        FROM coupon c WHERE c.member_id = ANY($1::bigint[])
        ORDER BY c.issued_at DESC, c.id DESC LIMIT $2
        """

    static let referredSQL = """
        SELECT count(*) OVER (), jsonb_build_object(
                   'member_id', b.referred_id, 'status', b.status, 'source', b.source, 'bound_at', crm_rfc3339(b.bound_at))::text
        FROM referral_binding b WHERE b.referrer_id = ANY($1::bigint[])
        ORDER BY b.id DESC LIMIT $2
        """

    static let rewardsSQL = """
        SELECT count(*) OVER (), jsonb_build_object(
                   'side', r.side, 'order_no', o.order_no, 'points', r.points, 'at', crm_rfc3339(r.created_at),
                   'reversed', r.reversed_entry_id IS NOT NULL)::text
        FROM referral_reward r JOIN shop_order o ON o.id = r.order_id WHERE r.member_id = ANY($1::bigint[])
        ORDER BY r.created_at DESC, r.entry_id DESC LIMIT $2
        """

    static let consentHistorySQL = """
        SELECT count(*) OVER (), jsonb_build_object(
                   'channel', e.channel, 'kind', e.kind, 'granted', e.granted, 'source', e.source, 'at', crm_rfc3339(e.at),
                   'actor', e.actor, 'merge_id', e.merge_id)::text
        FROM marketing_consent_event e WHERE e.member_id = ANY($1::bigint[])
        ORDER BY e.id DESC LIMIT $2
        """

    static let noticesSQL = """
        SELECT count(*) OVER (), jsonb_build_object(
                   'id', n.seq, 'kind', n.kind, 'marketing', n.marketing, 'at', crm_rfc3339(n.at), 'body', n.body)::text
        FROM member_notice n WHERE n.member_id = ANY($1::bigint[])
        ORDER BY n.id DESC LIMIT $2
        """
}
