-- What a fault run is compared on: the stored events, orders, refunds, members (as the accounts
-- each person holds), points and levels, one sorted line each, without database ids (they depend
-- on the order rows arrived in). A member is named by the smallest of its accounts
-- (shop/channel/external id); merged members count with the member they were merged into.
\pset footer off
CREATE TEMP VIEW account_name AS
SELECT a.id, a.member_id, s.code || '/' || a.channel || '/' || a.external_id AS name
FROM account a JOIN shop s ON s.id = a.shop_id;

CREATE TEMP TABLE member_root AS
WITH RECURSIVE tree (id, root) AS (
    SELECT id, id FROM member WHERE merged_into IS NULL
    UNION ALL
    SELECT m.id, t.root FROM member m JOIN tree t ON m.merged_into = t.id)
SELECT id, root FROM tree;

CREATE TEMP TABLE member_key AS
SELECT r.root AS member_id, min(an.name) AS key, string_agg(an.name, ',' ORDER BY an.name) AS accounts
FROM member_root r JOIN account_name an ON an.member_id = r.id
GROUP BY r.root;

SELECT line FROM (
    SELECT 'event ' || s.code || ' ' || e.event_id || ' ' || e.type || ' ' || e.status || ' '
           || encode(e.content_hash, 'hex') || ' ' || coalesce(e.error ->> 'reason', '-')
           -- the field's place in its push (events[N].) depends on how the stream was cut into pushes
           || ' ' || coalesce(regexp_replace(e.error ->> 'field', '^events\[[0-9]+\]\.?', ''), '-') AS line
    FROM sync_event e JOIN shop s ON s.id = e.shop_id
  UNION ALL
    -- The golden record too: derived from the accounts, it must not depend on their arrival. Its
    -- personal fields are sealed (a fresh nonce every time), so they are compared through what
    -- the same key file makes the same: their blind indexes, and which of them are present.
    SELECT 'member ' || k.key || ' accounts=' || k.accounts || ' name=' || coalesce(m.name_bidx, '-') || ' profile='
           || md5(concat_ws('|', m.gender, m.region, m.phone_tail_bidx, m.email_domain_bidx, m.birthday_bidx, m.address_grams::text,
                            m.name_grams::text, num_nonnulls(m.nickname_sealed, m.phone_sealed, m.email_sealed, m.birthday_sealed,
                                                             m.address_sealed)))
    FROM member_key k JOIN member m ON m.id = k.member_id
  UNION ALL
    SELECT 'order ' || s.code || '/' || o.channel || '/' || o.order_no || ' account=' || an.name || ' amount=' || o.amount_fen
           || ' refunded=' || o.refunded_fen || ' paid=' || to_char(o.paid_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
           || ' event=' || o.event_id
    FROM shop_order o JOIN shop s ON s.id = o.shop_id JOIN account_name an ON an.id = o.account_id
  UNION ALL
    SELECT 'refund ' || s.code || '/' || r.refund_no || ' order=' || o.channel || '/' || o.order_no || ' amount=' || r.amount_fen
           || ' at=' || to_char(r.refunded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || ' event=' || r.event_id
    FROM refund r JOIN shop s ON s.id = r.shop_id JOIN shop_order o ON o.id = r.order_id
  UNION ALL
    -- Entries stay with the member that earned them (a merge adds merge_out/merge_in), so the
    -- totals by kind are taken over each member's whole tree; merge moves are left out.
    SELECT 'points ' || k.key
           || ' balance=' || coalesce((SELECT sum(l.remaining) FROM points_lot l WHERE l.member_id = k.member_id), 0)
           || ' debt=' || coalesce((SELECT sum(pa.debt) FROM points_account pa WHERE pa.member_id = k.member_id), 0)
           || ' ' || coalesce((SELECT string_agg(x.kind || '=' || x.points, ' ' ORDER BY x.kind)
                               FROM (SELECT e.kind, sum(e.points) AS points
                                     FROM points_entry e JOIN member_root r ON r.id = e.member_id
                                     WHERE r.root = k.member_id AND e.kind NOT IN ('merge_in', 'merge_out')
                                     GROUP BY e.kind) x), 'no entries')
    FROM member_key k
  UNION ALL
    -- Each order's points, and the level its last earning or re-rating used: says which order of
    -- a member whose totals differ earned differently.
    SELECT 'order-points ' || s.code || '/' || o.channel || '/' || o.order_no || ' ' || e.totals
           || ' level=' || coalesce((SELECT l.detail -> 'level' ->> 'code' FROM points_entry l
                                     WHERE l.order_id = o.id AND l.kind = 'earn' ORDER BY l.id DESC LIMIT 1), '-')
    FROM (SELECT x.order_id, string_agg(x.kind || '=' || x.points, ' ' ORDER BY x.kind) AS totals
          FROM (SELECT order_id, kind, sum(points) AS points FROM points_entry
                WHERE order_id IS NOT NULL AND kind IN ('earn', 'reverse') GROUP BY order_id, kind) x
          GROUP BY x.order_id) e
    JOIN shop_order o ON o.id = e.order_id JOIN shop s ON s.id = o.shop_id
  UNION ALL
    SELECT 'level ' || k.key || ' ' || ml.level_code
    FROM member_level ml JOIN member_key k ON k.member_id = ml.member_id
) lines
ORDER BY line COLLATE "C";
