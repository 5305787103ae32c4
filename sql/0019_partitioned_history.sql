-- History partitioned by month (issue 20), so that years of it can be vacuumed, indexed and archived
-- a month at a time. Rules and the archiving procedure: docs/operations.md, "Partitions".
-- Months are UTC calendar months; a partition is named <table>_YYYY_MM, and <table>_default takes
-- any row outside the months made so far (a date far in the past or the future never fails).
-- crmd makes the current month and the next ones at start and daily (crm_ensure_month_partition).

-- Makes the partition of `parent` for the UTC month starting at `month` (a first of a month), unless
-- it exists; returns whether it made it. Rows of that month already in the DEFAULT partition are moved
-- into the new partition first (PostgreSQL refuses to create it over them). The caller serialises
-- makers (crmd takes an advisory transaction lock) so that two never race over one name.
CREATE FUNCTION crm_ensure_month_partition(parent regclass, month date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    base     text := (SELECT relname FROM pg_class WHERE oid = parent);
    name     text := format('%s_%s', base, to_char(month, 'YYYY_MM'));
    fallback text := format('%s_default', base);
    low      timestamptz := month::timestamp AT TIME ZONE 'UTC';
    high     timestamptz := (month + interval '1 month')::timestamp AT TIME ZONE 'UTC';
    col      text;
    waiting  boolean;
BEGIN
    IF month <> date_trunc('month', month)::date THEN
        RAISE EXCEPTION 'crm_ensure_month_partition: % is not the first of a month', month;
    END IF;
    IF to_regclass(format('%I', name)) IS NOT NULL THEN
        RETURN false;
    END IF;
    SELECT a.attname INTO col
    FROM pg_partitioned_table p JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
    WHERE p.partrelid = parent;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I >= $1 AND %I < $2)', fallback, col, col) INTO waiting USING low, high;
    IF waiting THEN
        EXECUTE format('CREATE TABLE %I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name, parent);
        EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO %I SELECT * FROM moved',
                       fallback, col, col, name) USING low, high;
        EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, name, low, high);
    ELSE
        EXECUTE format('CREATE TABLE %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', name, parent, low, high);
    END IF;
    RETURN true;
END $$;

-- Member history by month of `at`. The primary key must hold the partition column: (id, at). Nothing
-- references a history row, and every reader finds a member's rows by member_id (one probe of each
-- month's member_history_member index). The old table's rows move here with their ids, and the
-- identity continues where the old one stood.
ALTER TABLE member_history RENAME TO member_history_unpartitioned;
ALTER TABLE member_history_unpartitioned RENAME CONSTRAINT member_history_pkey TO member_history_unpartitioned_pkey;
ALTER TABLE member_history_unpartitioned RENAME CONSTRAINT member_history_member_id_fkey TO member_history_unpartitioned_member_id_fkey;
ALTER INDEX member_history_member RENAME TO member_history_unpartitioned_member;
ALTER SEQUENCE member_history_id_seq RENAME TO member_history_unpartitioned_id_seq;

CREATE TABLE member_history (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    member_id  bigint NOT NULL REFERENCES member (id),
    at         timestamptz NOT NULL DEFAULT now(),
    action     text NOT NULL,
    actor      text NOT NULL,
    detail     jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE INDEX member_history_member ON member_history (member_id, id);
CREATE TABLE member_history_default PARTITION OF member_history DEFAULT;

-- A partition for each month that holds rows (at most ten years back; older rows and rows dated past
-- the months made here go to the DEFAULT partition), and for this month and the next three.
SELECT crm_ensure_month_partition('member_history', m::date)
FROM (
    SELECT DISTINCT date_trunc('month', at AT TIME ZONE 'UTC') AS m FROM member_history_unpartitioned
    WHERE at >= now() - interval '120 months' AND at < now() + interval '4 months'
    UNION
    SELECT generate_series(date_trunc('month', now() AT TIME ZONE 'UTC'), date_trunc('month', now() AT TIME ZONE 'UTC') + interval '3 months',
                           interval '1 month')
) months
ORDER BY m;

INSERT INTO member_history (id, member_id, at, action, actor, detail) OVERRIDING SYSTEM VALUE
SELECT id, member_id, at, action, actor, detail FROM member_history_unpartitioned;
SELECT setval(pg_get_serial_sequence('member_history', 'id'), s.last_value, s.is_called) FROM member_history_unpartitioned_id_seq s;
DROP TABLE member_history_unpartitioned;

-- The points ledger by month of `at` (an entry's effective time: an order's earning is dated when it
-- was paid). The primary key becomes (id, at). Foreign keys to a partitioned table must name a
-- unique key that holds its partition column, which the tables pointing at entries by id do not have
-- (points_entry_lot, points_request, referral_reward, campaign_touch): those constraints go, and
-- `crmctl verify` (LedgerVerifier) checks instead that every entry they name exists. The ledger is
-- append-only: crmd never deletes an entry, so a reference can only dangle by a hand edit.
-- One clearing (or gift) per member and period must hold across all months: its unique key moves to
-- the small unpartitioned points_entry_period, which a trigger fills as entries with a period are
-- written (a second one fails as before, on the constraint named points_entry_clearing).
ALTER TABLE points_entry_lot DROP CONSTRAINT points_entry_lot_entry_id_fkey;
ALTER TABLE points_request DROP CONSTRAINT points_request_entry_id_fkey;
ALTER TABLE referral_reward DROP CONSTRAINT referral_reward_entry_id_fkey;
ALTER TABLE referral_reward DROP CONSTRAINT referral_reward_reversed_entry_id_fkey;
ALTER TABLE campaign_touch DROP CONSTRAINT campaign_touch_entry_id_fkey;

ALTER TABLE points_entry RENAME TO points_entry_unpartitioned;
ALTER INDEX points_entry_pkey RENAME TO points_entry_unpartitioned_pkey;
ALTER INDEX points_entry_clearing RENAME TO points_entry_unpartitioned_clearing;
ALTER INDEX points_entry_member RENAME TO points_entry_unpartitioned_member;
ALTER INDEX points_entry_order RENAME TO points_entry_unpartitioned_order;
ALTER SEQUENCE points_entry_id_seq RENAME TO points_entry_unpartitioned_id_seq;
ALTER TABLE points_entry_unpartitioned RENAME CONSTRAINT points_entry_check TO points_entry_unpartitioned_check;
ALTER TABLE points_entry_unpartitioned RENAME CONSTRAINT points_entry_kind_check TO points_entry_unpartitioned_kind_check;
ALTER TABLE points_entry_unpartitioned RENAME CONSTRAINT points_entry_member_id_fkey TO points_entry_unpartitioned_member_id_fkey;
ALTER TABLE points_entry_unpartitioned RENAME CONSTRAINT points_entry_order_id_fkey TO points_entry_unpartitioned_order_id_fkey;
ALTER TABLE points_entry_unpartitioned RENAME CONSTRAINT points_entry_refund_id_fkey TO points_entry_unpartitioned_refund_id_fkey;
ALTER TABLE points_entry_unpartitioned RENAME CONSTRAINT points_entry_merge_id_fkey TO points_entry_unpartitioned_merge_id_fkey;
ALTER TABLE points_entry_unpartitioned RENAME CONSTRAINT points_entry_run_id_fkey TO points_entry_unpartitioned_run_id_fkey;

CREATE TABLE points_entry (
    id               bigint GENERATED ALWAYS AS IDENTITY,
    member_id        bigint NOT NULL REFERENCES member (id),
    kind             text NOT NULL CONSTRAINT points_entry_kind_check
                     CHECK (kind IN ('earn', 'referral', 'gift', 'reverse', 'spend', 'donate', 'adjust', 'expire',
                                     'merge_in', 'merge_out', 'unmerge_in', 'unmerge_out')),
    points           bigint NOT NULL,
    debt_change      bigint NOT NULL DEFAULT 0,
    at               timestamptz NOT NULL DEFAULT now(),
    order_id         bigint REFERENCES shop_order (id),
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
    PRIMARY KEY (id, at),
    CONSTRAINT points_entry_check
    CHECK (CASE WHEN kind IN ('earn', 'referral', 'gift') THEN points > 0
                WHEN kind IN ('spend', 'donate', 'expire') THEN points < 0
                WHEN kind = 'reverse' THEN points <= 0
                WHEN kind = 'adjust' THEN points <> 0
                ELSE true END)
) PARTITION BY RANGE (at);
CREATE INDEX points_entry_member ON points_entry (member_id, id);
CREATE INDEX points_entry_order ON points_entry (order_id) WHERE order_id IS NOT NULL;
-- Looking for a member's entry of a period (has the clearing or the gift been given?) stays one probe a month.
CREATE INDEX points_entry_period_member ON points_entry (member_id, period) WHERE period IS NOT NULL;
CREATE TABLE points_entry_default PARTITION OF points_entry DEFAULT;

CREATE TABLE points_entry_period (
    member_id  bigint NOT NULL,
    period     text NOT NULL,
    CONSTRAINT points_entry_clearing PRIMARY KEY (member_id, period)
);
INSERT INTO points_entry_period (member_id, period)
SELECT member_id, period FROM points_entry_unpartitioned WHERE period IS NOT NULL;

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
        INSERT INTO points_entry_period (member_id, period) VALUES (NEW.member_id, NEW.period);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER points_entry_period_insert BEFORE INSERT ON points_entry
    FOR EACH ROW WHEN (NEW.period IS NOT NULL) EXECUTE FUNCTION points_entry_period_key();
CREATE TRIGGER points_entry_period_update BEFORE UPDATE OF member_id, period ON points_entry
    FOR EACH ROW EXECUTE FUNCTION points_entry_period_key();

SELECT crm_ensure_month_partition('points_entry', m::date)
FROM (
    SELECT DISTINCT date_trunc('month', at AT TIME ZONE 'UTC') AS m FROM points_entry_unpartitioned
    WHERE at >= now() - interval '120 months' AND at < now() + interval '4 months'
    UNION
    SELECT generate_series(date_trunc('month', now() AT TIME ZONE 'UTC'), date_trunc('month', now() AT TIME ZONE 'UTC') + interval '3 months',
                           interval '1 month')
) months
ORDER BY m;

-- The trigger is not fired by rows moving in with their period: their keys were copied above.
ALTER TABLE points_entry DISABLE TRIGGER points_entry_period_insert;
INSERT INTO points_entry (id, member_id, kind, points, debt_change, at, order_id, refund_id, merge_id, run_id, period, detail, actor, reason,
                          idempotency_key, created_at) OVERRIDING SYSTEM VALUE
SELECT id, member_id, kind, points, debt_change, at, order_id, refund_id, merge_id, run_id, period, detail, actor, reason, idempotency_key, created_at
FROM points_entry_unpartitioned;
ALTER TABLE points_entry ENABLE TRIGGER points_entry_period_insert;
SELECT setval(pg_get_serial_sequence('points_entry', 'id'), s.last_value, s.is_called) FROM points_entry_unpartitioned_id_seq s;
DROP TABLE points_entry_unpartitioned;
