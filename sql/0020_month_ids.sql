-- Orders and stored events partitioned by month (issue 20), by RANGE of their id: the id carries the
-- UTC month it was written in (crm_month_id), so that every lookup by id prunes to one month's
-- partition and the primary key stays (id). Foreign keys to orders name the order's key (see below,
-- where they are made again). The ledger (points_entry) stays one table: partitioned alike, it made
-- ingest's PostgreSQL work a quarter more (docs/performance.md).
-- Rules, archiving and what `crmctl verify` checks then: docs/operations.md, "Partitions".
--
-- An id is (months since 1970-01) << 40 | n, n from the table's sequence: unique (the sequence is),
-- increasing (a later month is larger), below 2^53 until the year 2652 (exact in JSON). Rows written
-- before this migration keep their small ids and stay where they are: the old table becomes the
-- partition <table>_before (FROM MINVALUE TO 1 << 40, the range of month 0); nothing is copied.
-- Uniqueness that does not hold the id (an order number, an event id) is kept global in a narrow
-- unpartitioned key table written in the same statement as the row.

-- The id of a row written now, `seq` taken from its table's sequence. The month is that of the clock
-- (not of the transaction's start): a row written after another one has committed gets a month at
-- least as late, which the readers' bounds rely on (an account's orders are written after the account,
-- so they sit in the account's month or later ones).
CREATE FUNCTION crm_month_id(seq bigint) RETURNS bigint
    LANGUAGE sql VOLATILE PARALLEL SAFE
    RETURN (((extract(year FROM clock_timestamp() AT TIME ZONE 'UTC')::bigint - 1970) * 12
             + extract(month FROM clock_timestamp() AT TIME ZONE 'UTC')::bigint - 1) << 40) | seq;

-- When ids began to carry their month (the time this migration ran): rows written before have small ids.
DO $$ BEGIN
    EXECUTE format('CREATE FUNCTION crm_month_ids_since() RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN %L::timestamptz', now());
END $$;

-- The smallest id a row written after `at` can have: the first id of at's month, or 0 when `at` is
-- before month ids began. An account's orders are written after the account was created, so
-- `o.id >= crm_written_after(a.created_at)` skips the months before it. Not STRICT, so that PostgreSQL
-- writes its body into the statement (a call per row of a join otherwise).
CREATE FUNCTION crm_written_after(at timestamptz) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN at < crm_month_ids_since() THEN 0
                ELSE ((extract(year FROM at AT TIME ZONE 'UTC')::bigint - 1970) * 12 + extract(month FROM at AT TIME ZONE 'UTC')::bigint - 1) << 40 END;

-- The partition that holds (or held, before it was archived) the row of `parent` with this id:
-- <parent>_before for ids written before migration 20, else <parent>_YYYY_MM. `crmctl verify` excuses
-- a key whose row is missing only when this partition is no longer attached.
CREATE FUNCTION crm_month_partition_name(parent text, id bigint) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE WHEN id < (1::bigint << 40) THEN parent || '_before'
                ELSE parent || '_' || to_char(date '1970-01-01' + make_interval(months => (id >> 40)::integer), 'YYYY_MM') END;

-- Makes the partition of `parent` for the UTC month starting at `month`, as in migration 19, for a
-- table partitioned by a timestamp (that month's instants) or by a month id (that month's ids; month
-- 0, 1970-01, is the <table>_before partition of rows written before migration 20), and analyses it.
CREATE OR REPLACE FUNCTION crm_ensure_month_partition(parent regclass, month date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    base     text := (SELECT relname FROM pg_class WHERE oid = parent);
    name     text := format('%s_%s', base, to_char(month, 'YYYY_MM'));
    fallback text := format('%s_default', base);
    m        bigint := (extract(year FROM month)::bigint - 1970) * 12 + extract(month FROM month)::bigint - 1;
    col      text;
    typ      regtype;
    low      text;
    high     text;
    waiting  boolean;
BEGIN
    IF month <> date_trunc('month', month)::date THEN
        RAISE EXCEPTION 'crm_ensure_month_partition: % is not the first of a month', month;
    END IF;
    IF to_regclass(format('%I', name)) IS NOT NULL THEN
        RETURN false;
    END IF;
    SELECT a.attname, a.atttypid INTO col, typ
    FROM pg_partitioned_table p JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
    WHERE p.partrelid = parent;
    IF typ = 'bigint'::regtype THEN
        IF m < 1 THEN
            RETURN false;  -- month 0 and before: <table>_before
        END IF;
        low := (m << 40)::text;
        high := ((m + 1) << 40)::text;
    ELSE
        low := (month::timestamp AT TIME ZONE 'UTC')::text;
        high := ((month + interval '1 month')::timestamp AT TIME ZONE 'UTC')::text;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I >= %L AND %I < %L)', fallback, col, low, col, high) INTO waiting;
    IF waiting THEN
        EXECUTE format('CREATE TABLE %I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name, parent);
        EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= %L AND %I < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
                       fallback, col, low, col, high, name);
        EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, name, low, high);
    ELSE
        EXECUTE format('CREATE TABLE %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', name, parent, low, high);
    END IF;
    -- Analysed at once: a table never analysed is planned as ten pages, and forty empty months
    -- planned so make a one-row lookup look costly enough for parallel workers and JIT compilation.
    EXECUTE format('ANALYZE %I', name);
    RETURN true;
END $$;

-- Foreign keys naming orders are made again once their table is partitioned.
-- Those naming an order point at its key (order_key.order_id, unique): a check against a table of 42
-- partitions cost 31 µs a row against 9 µs against a plain one (PostgreSQL 15 locks every partition
-- of the plan it keeps for the check), and ingest writes several per order. An order and its key are
-- written in one statement and `crmctl verify` checks that each names the other; a month of orders
-- can then be archived, its keys (and what names them) staying.
ALTER TABLE refund DROP CONSTRAINT refund_order_id_fkey;
ALTER TABLE points_lot DROP CONSTRAINT points_lot_order_id_fkey;
ALTER TABLE points_entry DROP CONSTRAINT points_entry_order_id_fkey;
ALTER TABLE referral_binding DROP CONSTRAINT referral_binding_qualified_order_id_fkey;
ALTER TABLE referral_reward DROP CONSTRAINT referral_reward_order_id_fkey;
ALTER TABLE coupon DROP CONSTRAINT coupon_redeemed_order_id_fkey;

-- Orders. Their number is unique per shop and channel across all months: order_key.
ALTER TABLE shop_order RENAME TO shop_order_before;
ALTER INDEX shop_order_pkey RENAME TO shop_order_before_pkey;
ALTER INDEX shop_order_account RENAME TO shop_order_before_account;
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
CREATE INDEX shop_order_account ON shop_order (account_id, paid_at);
CREATE TABLE shop_order_default PARTITION OF shop_order DEFAULT;

-- (shop, channel, order number) -> the order: one order per number, whatever month it was written in.
ALTER TABLE shop_order_before DROP CONSTRAINT shop_order_shop_id_channel_order_no_key;
CREATE TABLE order_key (
    shop_id   bigint NOT NULL,
    channel   text NOT NULL,
    order_no  text NOT NULL,
    order_id  bigint NOT NULL CONSTRAINT order_key_order_id_key UNIQUE,
    CONSTRAINT shop_order_shop_id_channel_order_no_key PRIMARY KEY (shop_id, channel, order_no)
);
INSERT INTO order_key SELECT shop_id, channel, order_no, id FROM shop_order_before;
ALTER TABLE shop_order ATTACH PARTITION shop_order_before FOR VALUES FROM (MINVALUE) TO (1099511627776);

-- Stored events get an id. Their key (shop, event id) and what a replay is answered with (the
-- content's hash, the first status and member) stay in sync_event_key for good; the partitions keep
-- the whole record (with the type, a rejection's error and when it came) and can be archived.
ALTER TABLE sync_event RENAME TO sync_event_before;
CREATE SEQUENCE sync_event_id_seq;
ALTER TABLE sync_event_before ADD COLUMN id bigint NOT NULL DEFAULT nextval('sync_event_id_seq');
ALTER TABLE sync_event_before ALTER COLUMN id DROP DEFAULT;
ALTER TABLE sync_event_before DROP CONSTRAINT sync_event_pkey;
ALTER TABLE sync_event_before ADD CONSTRAINT sync_event_before_id_pkey PRIMARY KEY (id);

CREATE TABLE sync_event (
    shop_id       bigint NOT NULL REFERENCES shop (id),
    event_id      text NOT NULL,
    content_hash  bytea NOT NULL,
    type          text NOT NULL,
    status        text NOT NULL CONSTRAINT sync_event_status_check CHECK (status IN ('applied', 'rejected')),
    member_id     bigint REFERENCES member (id),
    error         jsonb,
    received_at   timestamptz NOT NULL DEFAULT now(),
    id            bigint NOT NULL DEFAULT crm_month_id(nextval('sync_event_id_seq')),
    CONSTRAINT sync_event_id_pkey PRIMARY KEY (id)
) PARTITION BY RANGE (id);
ALTER SEQUENCE sync_event_id_seq OWNED BY sync_event.id;
CREATE TABLE sync_event_default PARTITION OF sync_event DEFAULT;

CREATE TABLE sync_event_key (
    shop_id       bigint NOT NULL,
    event_id      text NOT NULL,
    id            bigint NOT NULL,
    content_hash  bytea NOT NULL,
    status        text NOT NULL,
    member_id     bigint,
    CONSTRAINT sync_event_pkey PRIMARY KEY (shop_id, event_id)
);
INSERT INTO sync_event_key SELECT shop_id, event_id, id, content_hash, status, member_id FROM sync_event_before;
ALTER TABLE sync_event ATTACH PARTITION sync_event_before FOR VALUES FROM (MINVALUE) TO (1099511627776);

SELECT crm_ensure_month_partition(t, m::date)
FROM unnest(ARRAY['shop_order', 'sync_event']::regclass[]) t,
     generate_series(date_trunc('month', now() AT TIME ZONE 'UTC'), date_trunc('month', now() AT TIME ZONE 'UTC') + interval '3 months',
                     interval '1 month') m;

ALTER TABLE refund ADD CONSTRAINT refund_order_id_fkey FOREIGN KEY (order_id) REFERENCES order_key (order_id);
ALTER TABLE points_lot ADD CONSTRAINT points_lot_order_id_fkey FOREIGN KEY (order_id) REFERENCES order_key (order_id);
ALTER TABLE points_entry ADD CONSTRAINT points_entry_order_id_fkey FOREIGN KEY (order_id) REFERENCES order_key (order_id);
ALTER TABLE referral_binding ADD CONSTRAINT referral_binding_qualified_order_id_fkey FOREIGN KEY (qualified_order_id) REFERENCES order_key (order_id);
ALTER TABLE referral_reward ADD CONSTRAINT referral_reward_order_id_fkey FOREIGN KEY (order_id) REFERENCES order_key (order_id);
ALTER TABLE coupon ADD CONSTRAINT coupon_redeemed_order_id_fkey FOREIGN KEY (redeemed_order_id) REFERENCES order_key (order_id);
