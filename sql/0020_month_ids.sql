-- Stored events partitioned by month (issue 20), by RANGE of their id: the id carries the UTC month
-- it was written in (crm_month_id), so that a lookup by id prunes to one month's partition and the
-- primary key stays (id). Orders and the ledger stay one table each: partitioned alike, they made
-- ingest's PostgreSQL work more than a few per cent more (docs/performance.md).
-- Rules, archiving and what `crmctl verify` checks then: docs/operations.md, "Partitions".
--
-- An id is (months since 1970-01) << 40 | n, n from the table's sequence: unique (the sequence is),
-- increasing (a later month is larger), below 2^53 until the year 2652 (exact in JSON). Rows written
-- before this migration keep their small ids and stay where they are: the old table becomes the
-- partition <table>_before (FROM MINVALUE TO 1 << 40, the range of month 0); nothing is copied.
-- The key (shop, event id), which does not hold the id, is kept global in a narrow unpartitioned key
-- table written in the same statement as the record.

-- The id of a row written now, `seq` taken from its table's sequence. The month is that of the clock
-- (not of the transaction's start): a row written after another one has committed gets a month at
-- least as late.
CREATE FUNCTION crm_month_id(seq bigint) RETURNS bigint
    LANGUAGE sql VOLATILE PARALLEL SAFE
    RETURN (((extract(year FROM clock_timestamp() AT TIME ZONE 'UTC')::bigint - 1970) * 12
             + extract(month FROM clock_timestamp() AT TIME ZONE 'UTC')::bigint - 1) << 40) | seq;

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
FROM unnest(ARRAY['sync_event']::regclass[]) t,
     generate_series(date_trunc('month', now() AT TIME ZONE 'UTC'), date_trunc('month', now() AT TIME ZONE 'UTC') + interval '3 months',
                     interval '1 month') m;
