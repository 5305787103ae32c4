-- Member purchases kept at ingest (issue 20): what segment previews and reports read for purchase
-- counts, spend, first and last purchase, channels, shops, payment methods and items, instead of
-- every order joined with its account. Rules: docs/segments.md ("Member purchases").
--
-- One NARROW row per purchase (a paid order not wholly refunded), keyed by the order and carrying
-- its member, so that a segment's pass reads no JSON and joins no account. crmd keeps it itself
-- (`PurchaseRows`), in the transactions that change what it mirrors, without triggers: a push adds
-- its paid orders when it settles their points (under the identity lock, so the member is final), a
-- refund updates or removes the row, a merge or an unmerge moves the rows of the accounts it moves.
-- `crmctl verify` compares it with the orders.

-- Every distinct item bought, as the `items` condition compares it: the name, SKU and category of an
-- element of an order's script-folded items (`COALESCE(items_fold, items)`), JSON null where absent.
CREATE TABLE purchase_item (
    id        integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item      jsonb NOT NULL UNIQUE,
    name      text GENERATED ALWAYS AS (item ->> 0) STORED,
    sku       text GENERATED ALWAYS AS (item ->> 1) STORED,
    category  text GENERATED ALWAYS AS (item ->> 2) STORED
);

-- The key of an element of an order's items in `purchase_item`.
CREATE FUNCTION purchase_item_key(e jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT jsonb_build_array($1 ->> 'name', $1 ->> 'sku', $1 ->> 'category') $$;

-- The `purchase_item` ids of an order's items (object elements of its folded items), ascending.
CREATE FUNCTION purchase_item_ids(items jsonb) RETURNS integer[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT COALESCE(array_agg(DISTINCT p.id ORDER BY p.id), '{}')
    FROM jsonb_array_elements($1) e JOIN purchase_item p ON p.item = purchase_item_key(e)
    WHERE jsonb_typeof(e) = 'object'
$$;

-- One row per purchase: its member (the owner of its account now), when, its worth (amount less
-- refunded, fen, always > 0), where, how paid, and its items (`purchase_item` ids). No foreign keys:
-- their checks would lock the member and dictionary rows for every row written (`crmctl verify`
-- compares the table with the orders instead).
CREATE TABLE member_purchase (
    order_id        bigint PRIMARY KEY,
    member_id       bigint NOT NULL,
    paid_at         timestamptz NOT NULL,
    spend_fen       bigint NOT NULL CHECK (spend_fen > 0),
    shop_id         bigint NOT NULL,
    channel         text NOT NULL,
    payment_method  text,
    items           integer[] NOT NULL
);
-- By member, with every column a segment reads: a report's pass is one index-only scan in member
-- order feeding the aggregate by member (no hash table of a million members, no sort), a segment
-- limited to some members probes theirs alone, and merges find a member's rows.
CREATE INDEX member_purchase_member ON member_purchase (member_id) INCLUDE (paid_at, spend_fen, shop_id, channel, payment_method, items);

-- What the orders written before this migration hold.
INSERT INTO purchase_item (item)
SELECT DISTINCT purchase_item_key(e) FROM shop_order o, jsonb_array_elements(COALESCE(o.items_fold, o.items)) e
WHERE o.refunded_fen < o.amount_fen AND jsonb_typeof(e) = 'object'
ORDER BY 1;
INSERT INTO member_purchase (order_id, member_id, paid_at, spend_fen, shop_id, channel, payment_method, items)
SELECT o.id, a.member_id, o.paid_at, o.amount_fen - o.refunded_fen, o.shop_id, o.channel, o.payment_method,
       purchase_item_ids(COALESCE(o.items_fold, o.items))
FROM shop_order o JOIN account a ON a.id = o.account_id
WHERE o.refunded_fen < o.amount_fen;
