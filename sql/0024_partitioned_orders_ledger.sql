-- Orders and the points ledger partitioned by month (issue 20), as stored events are (migration 20):
-- by RANGE of an id that carries the UTC month it was written in (crm_month_id), so that a lookup by
-- id prunes to one month and the primary keys stay (id). Rules, archiving and what `crmctl verify`
-- checks then: docs/operations.md, "Partitions"; the measured costs: docs/performance.md.
--
-- Rows written before this migration keep their ids and stay where they are: each old table becomes
-- the partition <table>_before (ids below 1 << 40); nothing is copied but the keys below.
--
-- Orders. The number (shop, channel, order number) must stay unique across months, and a partitioned
-- table can only enforce uniqueness holding its partition column: `order_key` holds it, written in the
-- same statement as the order, and never archived (an archived month's numbers stay taken). It also
-- carries what the readers of an account's orders need (account, paid time, amount, refunded, shop and
-- channel), and is the only index of orders by account: paid-time ranks, levels, campaigns and exports
-- read one narrow table instead of probing every month's index of `shop_order` (twice the time of one
-- table, measured), and an order is written with four index entries (the id, the number, the key's
-- order id and the account; one table had three, and keeping the orders' own account index too
-- made five, measurably dearer). Foreign keys naming an
-- order point at `order_key.order_id`: a check into a partitioned table locks every partition of the
-- plan PostgreSQL keeps for it (about 31 µs a row over 42 partitions against 9 µs).
--
-- The ledger. `points_entry` is partitioned alike; `points_entry_lot` (an entry's lot changes) by the
-- same bounds of its `entry_id`, so that an entry and its lot changes sit in partitions of the same
-- name and month; the foreign key from lot changes to entries is replaced by `crmctl verify`'s check
-- `lot_changes_name_entries` (earning writes one per order; into 42 partitions it was the largest cost
-- measured). The one clearing (or gift) per member and period stays global in `points_entry_period`,
-- which a trigger fills as such entries are written (a second fails on the constraint named
-- `points_entry_clearing`, as before). Other foreign keys naming entries (points requests, referral
-- rewards, campaign touches) still name `points_entry`: rare writes, and they keep a month that holds
-- an entry they name from being detached.

-- Foreign keys naming orders or ledger entries are made again once their tables are partitioned.
ALTER TABLE refund DROP CONSTRAINT refund_order_id_fkey;
ALTER TABLE points_lot DROP CONSTRAINT points_lot_order_id_fkey;
ALTER TABLE points_entry DROP CONSTRAINT points_entry_order_id_fkey;
ALTER TABLE referral_binding DROP CONSTRAINT referral_binding_qualified_order_id_fkey;
ALTER TABLE referral_reward DROP CONSTRAINT referral_reward_order_id_fkey;
ALTER TABLE coupon DROP CONSTRAINT coupon_redeemed_order_id_fkey;
ALTER TABLE points_entry_lot DROP CONSTRAINT points_entry_lot_entry_id_fkey;
ALTER TABLE points_request DROP CONSTRAINT points_request_entry_id_fkey;
ALTER TABLE referral_reward DROP CONSTRAINT referral_reward_entry_id_fkey;
ALTER TABLE referral_reward DROP CONSTRAINT referral_reward_reversed_entry_id_fkey;
ALTER TABLE campaign_touch DROP CONSTRAINT campaign_touch_entry_id_fkey;

-- Orders.
ALTER TABLE shop_order RENAME TO shop_order_before;
ALTER INDEX shop_order_pkey RENAME TO shop_order_before_pkey;
DROP INDEX shop_order_account;
ALTER SEQUENCE shop_order_id_seq RENAME TO shop_order_before_id_seq;
CREATE SEQUENCE shop_order_id_seq;
SELECT setval('shop_order_id_seq', last_value, is_called) FROM shop_order_before_id_seq;
ALTER TABLE shop_order_before ALTER COLUMN id DROP IDENTITY;

CREATE TABLE shop_order (
    id              bigint NOT NULL DEFAULT crm_month_id(nextval('shop_order_id_seq')),
    shop_id         bigint NOT NULL REFERENCES shop (id),
    channel         text NOT NULL CONSTRAINT shop_order_channel_check CHECK (channel IN ('mobile', 'web', 'group_buy')),
    order_no        text NOT NULL,
    account_id      bigint NOT NULL REFERENCES account (id),
    amount_fen      bigint NOT NULL CONSTRAINT shop_order_amount_fen_check CHECK (amount_fen >= 0),
    refunded_fen    bigint NOT NULL DEFAULT 0,
    paid_at         timestamptz NOT NULL,
    payment_method  text,
    items           jsonb NOT NULL DEFAULT '[]',
    event_id        text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    items_fold      jsonb,
    CONSTRAINT shop_order_pkey PRIMARY KEY (id),
    CONSTRAINT shop_order_check CHECK (refunded_fen >= 0 AND refunded_fen <= amount_fen)
) PARTITION BY RANGE (id);
ALTER SEQUENCE shop_order_id_seq OWNED BY shop_order.id;
CREATE TABLE shop_order_default PARTITION OF shop_order DEFAULT;

-- (shop, channel, order number) -> the order, one order per number whatever month it was written in,
-- with the order's account, paid time, amount and refunded amount (kept with the order's: refunds
-- update both in one statement; `crmctl verify` compares them).
ALTER TABLE shop_order_before DROP CONSTRAINT shop_order_shop_id_channel_order_no_key;
CREATE TABLE order_key (
    shop_id       bigint NOT NULL,
    channel       text NOT NULL,
    order_no      text NOT NULL,
    order_id      bigint NOT NULL CONSTRAINT order_key_order_id_key UNIQUE,
    account_id    bigint NOT NULL,
    paid_at       timestamptz NOT NULL,
    amount_fen    bigint NOT NULL,
    refunded_fen  bigint NOT NULL DEFAULT 0,
    CONSTRAINT shop_order_shop_id_channel_order_no_key PRIMARY KEY (shop_id, channel, order_no)
);
INSERT INTO order_key (shop_id, channel, order_no, order_id, account_id, paid_at, amount_fen, refunded_fen)
SELECT shop_id, channel, order_no, id, account_id, paid_at, amount_fen, refunded_fen FROM shop_order_before;
CREATE INDEX order_key_account ON order_key (account_id, paid_at);
ALTER TABLE shop_order ATTACH PARTITION shop_order_before FOR VALUES FROM (MINVALUE) TO (1099511627776);

-- Ledger entries.
ALTER TABLE points_entry RENAME TO points_entry_before;
ALTER INDEX points_entry_pkey RENAME TO points_entry_before_pkey;
ALTER INDEX points_entry_member RENAME TO points_entry_before_member;
ALTER INDEX points_entry_order RENAME TO points_entry_before_order;
ALTER SEQUENCE points_entry_id_seq RENAME TO points_entry_before_id_seq;
CREATE SEQUENCE points_entry_id_seq;
SELECT setval('points_entry_id_seq', last_value, is_called) FROM points_entry_before_id_seq;
ALTER TABLE points_entry_before ALTER COLUMN id DROP IDENTITY;

CREATE TABLE points_entry (
    id               bigint NOT NULL DEFAULT crm_month_id(nextval('points_entry_id_seq')),
    member_id        bigint NOT NULL REFERENCES member (id),
    kind             text NOT NULL CONSTRAINT points_entry_kind_check
                     CHECK (kind IN ('earn', 'referral', 'gift', 'reverse', 'spend', 'donate', 'adjust', 'expire',
                                     'merge_in', 'merge_out', 'unmerge_in', 'unmerge_out')),
    points           bigint NOT NULL,
    debt_change      bigint NOT NULL DEFAULT 0,
    at               timestamptz NOT NULL DEFAULT now(),
    order_id         bigint,
    refund_id        bigint REFERENCES refund (id),
    merge_id         bigint REFERENCES merge_record (id),
    run_id           bigint REFERENCES job_run (id),
    -- Clearing period of the yearly policy, or the cause of a gift (one per member and period).
    period           text,
    detail           jsonb,
    actor            text NOT NULL,
    reason           text,
    idempotency_key  text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT points_entry_pkey PRIMARY KEY (id),
    CONSTRAINT points_entry_check
    CHECK (CASE WHEN kind IN ('earn', 'referral', 'gift') THEN points > 0
                WHEN kind IN ('spend', 'donate', 'expire') THEN points < 0
                WHEN kind = 'reverse' THEN points <= 0
                WHEN kind = 'adjust' THEN points <> 0
                ELSE true END)
) PARTITION BY RANGE (id);
ALTER SEQUENCE points_entry_id_seq OWNED BY points_entry.id;
CREATE INDEX points_entry_member ON points_entry (member_id, id);
CREATE INDEX points_entry_order ON points_entry (order_id) WHERE order_id IS NOT NULL;
CREATE TABLE points_entry_default PARTITION OF points_entry DEFAULT;

DROP INDEX points_entry_clearing;
CREATE TABLE points_entry_period (
    member_id  bigint NOT NULL,
    period     text NOT NULL,
    entry_id   bigint NOT NULL,
    CONSTRAINT points_entry_clearing PRIMARY KEY (member_id, period)
);
INSERT INTO points_entry_period SELECT member_id, period, id FROM points_entry_before WHERE period IS NOT NULL;

CREATE FUNCTION points_entry_period_key() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF (OLD.member_id, OLD.period) IS NOT DISTINCT FROM (NEW.member_id, NEW.period) THEN
            RETURN NEW;
        END IF;
        DELETE FROM points_entry_period WHERE member_id = OLD.member_id AND period = OLD.period;
    END IF;
    IF NEW.period IS NOT NULL THEN
        INSERT INTO points_entry_period (member_id, period, entry_id) VALUES (NEW.member_id, NEW.period, NEW.id);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER points_entry_period_insert BEFORE INSERT ON points_entry
    FOR EACH ROW WHEN (NEW.period IS NOT NULL) EXECUTE FUNCTION points_entry_period_key();
CREATE TRIGGER points_entry_period_update BEFORE UPDATE OF member_id, period ON points_entry
    FOR EACH ROW EXECUTE FUNCTION points_entry_period_key();
ALTER TABLE points_entry ATTACH PARTITION points_entry_before FOR VALUES FROM (MINVALUE) TO (1099511627776);

-- Lot changes, partitioned by their entry's id with the same bounds (no foreign key to the entry).
ALTER TABLE points_entry_lot RENAME TO points_entry_lot_before;
ALTER INDEX points_entry_lot_pkey RENAME TO points_entry_lot_before_pkey;
ALTER INDEX points_entry_lot_lot RENAME TO points_entry_lot_before_lot;
CREATE TABLE points_entry_lot (
    entry_id  bigint NOT NULL,
    lot_id    bigint NOT NULL REFERENCES points_lot (id),
    points    bigint NOT NULL CONSTRAINT points_entry_lot_points_check CHECK (points <> 0),
    CONSTRAINT points_entry_lot_pkey PRIMARY KEY (entry_id, lot_id)
) PARTITION BY RANGE (entry_id);
CREATE INDEX points_entry_lot_lot ON points_entry_lot (lot_id);
CREATE TABLE points_entry_lot_default PARTITION OF points_entry_lot DEFAULT;
ALTER TABLE points_entry_lot ATTACH PARTITION points_entry_lot_before FOR VALUES FROM (MINVALUE) TO (1099511627776);

SELECT crm_ensure_month_partition(t, m::date)
FROM unnest(ARRAY['shop_order', 'points_entry', 'points_entry_lot']::regclass[]) t,
     generate_series(date_trunc('month', now() AT TIME ZONE 'UTC'), date_trunc('month', now() AT TIME ZONE 'UTC') + interval '3 months',
                     interval '1 month') m;

ALTER TABLE refund ADD CONSTRAINT refund_order_id_fkey FOREIGN KEY (order_id) REFERENCES order_key (order_id);
ALTER TABLE points_lot ADD CONSTRAINT points_lot_order_id_fkey FOREIGN KEY (order_id) REFERENCES order_key (order_id);
ALTER TABLE points_entry ADD CONSTRAINT points_entry_order_id_fkey FOREIGN KEY (order_id) REFERENCES order_key (order_id);
ALTER TABLE referral_binding ADD CONSTRAINT referral_binding_qualified_order_id_fkey FOREIGN KEY (qualified_order_id) REFERENCES order_key (order_id);
ALTER TABLE referral_reward ADD CONSTRAINT referral_reward_order_id_fkey FOREIGN KEY (order_id) REFERENCES order_key (order_id);
ALTER TABLE coupon ADD CONSTRAINT coupon_redeemed_order_id_fkey FOREIGN KEY (redeemed_order_id) REFERENCES order_key (order_id);
ALTER TABLE points_request ADD CONSTRAINT points_request_entry_id_fkey FOREIGN KEY (entry_id) REFERENCES points_entry (id);
ALTER TABLE referral_reward ADD CONSTRAINT referral_reward_entry_id_fkey FOREIGN KEY (entry_id) REFERENCES points_entry (id);
ALTER TABLE referral_reward ADD CONSTRAINT referral_reward_reversed_entry_id_fkey FOREIGN KEY (reversed_entry_id) REFERENCES points_entry (id);
ALTER TABLE campaign_touch ADD CONSTRAINT campaign_touch_entry_id_fkey FOREIGN KEY (entry_id) REFERENCES points_entry (id);

-- The first id of the month an id was written in (0 for ids written before month ids): an order's
-- entries are written after the order, so `e.id >= crm_month_floor(o.id)` skips the ledger's older
-- months. Not STRICT, so that PostgreSQL writes its body into the statement.
CREATE FUNCTION crm_month_floor(id bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (id >> 40) << 40;
