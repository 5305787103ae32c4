/// The statement behind `campaign.report`: one set-based pass over a campaign's touches, the
/// orders of its members' accounts and its coupons and points, giving a row per occasion and arm
/// and a row per arm over all occasions (`occasion` NULL).
///
/// Parameters: `$1` campaign id, `$2` window days, `$3` occasion (NULL: every one), `$4` scope
/// shops (codes; empty: any), `$5` scope channels (empty: any).
///
/// Columns: occasion, arm, members, touched, refused, budget, no_consent, merged, responders,
/// orders, gmv, old_gmv, coupons_issued, coupons_redeemed, discount, points.
///
/// How it counts (docs/campaigns.md (Reading a report)):
/// - a member is measured as the member who answers for them now (merges followed), whose
///   accounts' orders are theirs; several campaign members now one member count once per occasion:
///   the survivor's own row, or else the lowest id (the others are `merged`);
/// - a response on an occasion is a paid order not wholly refunded, worth its amount less what was
///   refunded, paid in `[started_at, started_at + window)` in the campaign's scope;
/// - over all occasions a member counts once, and an order in several of their windows once;
/// - old customers are members with a paid order (anywhere) before the campaign's first occasion.
enum CampaignReportSQL {
    static let statement = """
        WITH occ AS MATERIALIZED (
            SELECT occasion, started_at, started_at + make_interval(days => $2::int) AS ends_at
            FROM campaign_occasion WHERE campaign_id = $1 AND ($3::int IS NULL OR occasion = $3::int)
        ),
        began AS MATERIALIZED (SELECT min(started_at) AS at FROM campaign_occasion WHERE campaign_id = $1),
        moved AS MATERIALIZED (
            WITH RECURSIVE chain (id, live) AS (
                SELECT m.id, m.merged_into FROM member m
                WHERE m.merged_into IS NOT NULL AND EXISTS (SELECT 1 FROM campaign_touch t WHERE t.member_id = m.id AND t.campaign_id = $1)
                UNION ALL
                SELECT c.id, m.merged_into FROM chain c JOIN member m ON m.id = c.live WHERE m.merged_into IS NOT NULL
            )
            SELECT c.id, c.live FROM chain c JOIN member m ON m.id = c.live WHERE m.merged_into IS NULL
        ),
        unit AS MATERIALIZED (
            SELECT t.occasion, t.member_id, COALESCE(mv.live, t.member_id) AS live, t.arm, t.status, t.coupon_id, t.entry_id
            FROM campaign_touch t JOIN occ ON occ.occasion = t.occasion LEFT JOIN moved mv ON mv.id = t.member_id
            WHERE t.campaign_id = $1
        ),
        rival AS MATERIALIZED (
            SELECT occasion, member_id, live FROM unit WHERE status <> 'no_consent' AND live IN (SELECT live FROM moved)
        ),
        lost AS MATERIALIZED (
            SELECT r.occasion, r.member_id FROM rival r
            WHERE r.member_id <> r.live AND EXISTS (
                SELECT 1 FROM rival v WHERE v.occasion = r.occasion AND v.live = r.live AND (v.member_id = v.live OR v.member_id < r.member_id))
        ),
        flag AS MATERIALIZED (
            SELECT u.*, l.member_id IS NOT NULL AS lost, u.status <> 'no_consent' AND l.member_id IS NULL AS kept,
                   -- what the touch's coupon took off an order (NULL: not redeemed) and the points it gave, looked up by
                   -- key only where there is one (a join could read the whole of two large tables)
                   CASE WHEN u.coupon_id IS NOT NULL THEN (SELECT c.discount_fen FROM coupon c WHERE c.id = u.coupon_id AND c.status = 'redeemed') END
                       AS discount,
                   -- (an entry of an archived ledger month was kept with its points)
                   CASE WHEN u.entry_id IS NOT NULL THEN COALESCE((SELECT e.points FROM points_entry e WHERE e.id = u.entry_id),
                                                                  (SELECT k.points FROM points_entry_kept k WHERE k.id = u.entry_id)) END AS points
            FROM unit u LEFT JOIN lost l ON l.occasion = u.occasion AND l.member_id = u.member_id
        ),
        hit AS MATERIALIZED (
            SELECT f.occasion, f.live, o.order_id, o.amount_fen - o.refunded_fen AS worth,
                   -- an old customer: bought (anywhere) before the campaign started
                   EXISTS (SELECT 1 FROM account b JOIN order_key p ON p.account_id = b.id
                           WHERE b.member_id = f.live AND p.paid_at < (SELECT at FROM began) AND p.refunded_fen < p.amount_fen) AS old
            FROM flag f JOIN occ ON occ.occasion = f.occasion JOIN account a ON a.member_id = f.live
            JOIN order_key o ON o.account_id = a.id AND o.paid_at >= occ.started_at AND o.paid_at < occ.ends_at
            WHERE f.kept AND o.refunded_fen < o.amount_fen
              -- the span of every window, so that a scan of the orders keeps only those at once
              AND o.paid_at >= (SELECT min(started_at) FROM occ) AND o.paid_at < (SELECT max(ends_at) FROM occ)
              AND (cardinality($4::text[]) = 0 OR o.shop_id IN (SELECT id FROM shop WHERE code = ANY($4::text[])))
              AND (cardinality($5::text[]) = 0 OR o.channel = ANY($5::text[]))
        ),
        resp AS MATERIALIZED (
            SELECT occasion, live, count(*) AS orders, sum(worth) AS gmv, bool_or(old) AS old FROM hit GROUP BY occasion, live
        ),
        wave AS (
            SELECT f.occasion, f.arm,
                   count(*) FILTER (WHERE f.kept) AS members,
                   count(*) FILTER (WHERE f.status = 'touched') AS touched,
                   count(*) FILTER (WHERE f.status = 'refused') AS refused,
                   count(*) FILTER (WHERE f.status = 'budget') AS budget,
                   count(*) FILTER (WHERE f.status = 'no_consent') AS no_consent,
                   count(*) FILTER (WHERE f.lost) AS merged,
                   count(r.live) AS responders, COALESCE(sum(r.orders), 0) AS orders, COALESCE(sum(r.gmv), 0) AS gmv,
                   COALESCE(sum(r.gmv) FILTER (WHERE r.old), 0) AS old_gmv,
                   count(f.coupon_id) AS issued, count(f.discount) AS redeemed,
                   COALESCE(sum(f.discount), 0) AS discount, COALESCE(sum(f.points), 0) AS points
            FROM flag f LEFT JOIN resp r ON f.kept AND r.occasion = f.occasion AND r.live = f.live
            GROUP BY GROUPING SETS ((f.occasion, f.arm), (f.arm))
        ),
        gone AS (SELECT arm, count(DISTINCT member_id) AS merged FROM flag WHERE lost GROUP BY arm),
        person AS (
            SELECT live, COALESCE(min(arm) FILTER (WHERE kept), min(arm)) AS arm, bool_or(kept) AS kept FROM flag GROUP BY live
        ),
        presp AS (
            SELECT live, count(*) AS orders, sum(worth) AS gmv, bool_or(old) AS old FROM (SELECT DISTINCT live, order_id, worth, old FROM hit) d GROUP BY live
        ),
        total AS (
            SELECT p.arm, count(*) FILTER (WHERE p.kept) AS members, count(*) FILTER (WHERE NOT p.kept) AS no_consent,
                   count(pr.live) AS responders, COALESCE(sum(pr.orders), 0) AS orders, COALESCE(sum(pr.gmv), 0) AS gmv,
                   COALESCE(sum(pr.gmv) FILTER (WHERE pr.old), 0) AS old_gmv
            FROM person p LEFT JOIN presp pr ON pr.live = p.live
            GROUP BY p.arm
        )
        SELECT w.occasion, w.arm,
               CASE WHEN w.occasion IS NULL THEN COALESCE(t.members, 0) ELSE w.members END,
               w.touched, w.refused, w.budget,
               CASE WHEN w.occasion IS NULL THEN COALESCE(t.no_consent, 0) ELSE w.no_consent END,
               CASE WHEN w.occasion IS NULL THEN COALESCE(g.merged, 0) ELSE w.merged END,
               CASE WHEN w.occasion IS NULL THEN COALESCE(t.responders, 0) ELSE w.responders END,
               (CASE WHEN w.occasion IS NULL THEN COALESCE(t.orders, 0) ELSE w.orders END)::bigint,
               (CASE WHEN w.occasion IS NULL THEN COALESCE(t.gmv, 0) ELSE w.gmv END)::bigint,
               (CASE WHEN w.occasion IS NULL THEN COALESCE(t.old_gmv, 0) ELSE w.old_gmv END)::bigint,
               w.issued, w.redeemed, w.discount::bigint, w.points::bigint
        FROM wave w LEFT JOIN total t ON w.occasion IS NULL AND t.arm = w.arm LEFT JOIN gone g ON w.occasion IS NULL AND g.arm = w.arm
        ORDER BY w.occasion NULLS FIRST, w.arm
        """
}
