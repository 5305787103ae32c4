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
