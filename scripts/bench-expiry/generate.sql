-- Data for `scripts/bench expiry`, set-based (psql variables: members, lots, as_of).
-- Run into a migrated, empty database:
--   psql -v members=1000000 -v lots=5000000 -v as_of=2026-11-25 -f generate.sql
--
-- members: one shop, `members` members (no accounts: points do not need them).
-- lots: `lots` points lots, each with its earn entry and entry-lot link, so the books balance.
--   Lot ids follow earning time (the older half of the table is what falls due, as in a real
--   merchant's table); the member of each lot is a hash of its id, so a member has about
--   lots/members lots spread over two years. earned_at is spread evenly over the two years
--   before `as_of`; available_at = earned_at; expires_at = earned_at + 12 months, so about half of
--   the lots are due at `as_of`. No lot expires within 36 hours of the end of `as_of` (merchant time
--   +08:00), so which side of the boundary a lot is on does not depend on the day's time zone.
--   amount 1-2000; 20% of lots partly spent (one spend entry and link each), 5% wholly spent, the
--   rest untouched. All pseudo-random choices are hashes of the lot id: the same sizes give the same
--   data.
-- Secondary indexes of the filled tables are dropped during the load and built again after, and
-- foreign keys are not checked row by row when the session may skip them (the rows are consistent
-- by construction; the totals are checked at the end).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';
SET work_mem = '256MB';
SELECT set_config('bench.end_of_as_of', ((:'as_of'::date + 1)::text || ' 00:00:00+08')::timestamptz::text, false);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM member) OR EXISTS (SELECT 1 FROM points_lot) THEN
        RAISE EXCEPTION 'generate.sql wants an empty database';
    END IF;
    PERFORM set_config('session_replication_role', 'replica', false);
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'foreign keys are checked row by row (not a superuser)';
END $$;

CREATE TEMP TABLE bench_index AS
SELECT c.relname AS tab, i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
WHERE c.relname IN ('member', 'points_lot', 'points_entry', 'points_entry_lot')
  AND c.relnamespace = 'public'::regnamespace
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid);
SELECT format('DROP INDEX %s', name) FROM bench_index \gexec

INSERT INTO shop (code, name) VALUES ('bench', 'Bench shop');

INSERT INTO member (id, name_sealed, created_at, updated_at) OVERRIDING SYSTEM VALUE
SELECT i, 'Bench Member ' || i, now() - interval '3 years', now() - interval '3 years'
FROM generate_series(1, :members) AS i;

-- One row per lot with everything derived from its id.
CREATE TEMP TABLE bench_lot AS
SELECT i AS id,
       1 + (hashint8(i)::bigint & 2147483647) % :members AS member_id,
       e.earned_at,
       a.amount,
       CASE WHEN c.class < 20 AND a.amount > 1 THEN 1 + (hashint8(i * 5 + 3)::bigint & 2147483647) % (a.amount - 1)
            WHEN c.class BETWEEN 20 AND 24 THEN a.amount
            ELSE 0 END AS spent,
       (hashint8(i * 7 + 4)::bigint & 2147483647) / 2147483648.0::float8 AS spent_share
FROM generate_series(1, :lots) AS i
CROSS JOIN LATERAL (SELECT (:'as_of'::date - 730)::timestamptz
                           + (i - 1) * (interval '728 days' / :lots)
                           + ((hashint8(i * 11 + 5)::bigint & 2147483647) % 86400) * interval '1 second' AS t) AS r
CROSS JOIN LATERAL (SELECT CASE WHEN r.t + interval '12 months'
                                     BETWEEN current_setting('bench.end_of_as_of')::timestamptz - interval '36 hours'
                                         AND current_setting('bench.end_of_as_of')::timestamptz + interval '36 hours'
                                THEN r.t + interval '3 days' ELSE r.t END AS earned_at) AS e
CROSS JOIN LATERAL (SELECT 1 + (hashint8(i * 3 + 1)::bigint & 2147483647) % 2000 AS amount) AS a
CROSS JOIN LATERAL (SELECT (hashint8(i * 3 + 2)::bigint & 2147483647) % 100 AS class) AS c;

INSERT INTO points_lot (id, member_id, origin_member_id, earned_at, available_at, expires_at, amount, remaining)
OVERRIDING SYSTEM VALUE
SELECT id, member_id, member_id, earned_at, earned_at, earned_at + interval '12 months', amount, amount - spent
FROM bench_lot ORDER BY id;

-- Earn entries take the lots' ids; spend entries follow them (id = lots + lot id).
INSERT INTO points_entry (id, member_id, kind, points, at, actor, created_at) OVERRIDING SYSTEM VALUE
SELECT id, member_id, 'earn', amount, earned_at, 'bench', earned_at FROM bench_lot ORDER BY id;
INSERT INTO points_entry (id, member_id, kind, points, at, actor, reason, created_at) OVERRIDING SYSTEM VALUE
SELECT :lots + id, member_id, 'spend', -spent, s.at, 'bench', 'bench', s.at
FROM bench_lot
CROSS JOIN LATERAL (SELECT earned_at + spent_share * (least(earned_at + interval '12 months', :'as_of'::date::timestamptz) - earned_at) AS at) AS s
WHERE spent > 0 ORDER BY id;

INSERT INTO points_entry_lot (entry_id, lot_id, points)
SELECT id, id, amount FROM bench_lot ORDER BY id;
INSERT INTO points_entry_lot (entry_id, lot_id, points)
SELECT :lots + id, id, -spent FROM bench_lot WHERE spent > 0 ORDER BY id;

SELECT setval(pg_get_serial_sequence('member', 'id'), :members);
SELECT setval(pg_get_serial_sequence('points_lot', 'id'), :lots);
SELECT setval(pg_get_serial_sequence('points_entry', 'id'), 2 * :lots);

DO $$ BEGIN PERFORM set_config('session_replication_role', 'origin', false); EXCEPTION WHEN insufficient_privilege THEN NULL; END $$;
-- A partitioned table's index is defined ON ONLY the parent: made again on the whole table (every partition).
SELECT replace(def, ' ON ONLY ', ' ON ') FROM bench_index \gexec
DROP TABLE bench_lot;

-- The books balance: every lot's remaining equals its links, every entry its links, and the whole.
DO $$
DECLARE
    bad bigint;
BEGIN
    SELECT count(*) INTO bad FROM points_lot l
    LEFT JOIN (SELECT lot_id, sum(points) AS s FROM points_entry_lot GROUP BY lot_id) x ON x.lot_id = l.id
    WHERE coalesce(x.s, 0) <> l.remaining;
    IF bad <> 0 THEN RAISE EXCEPTION '% lots do not equal their links', bad; END IF;
    IF (SELECT sum(points) FROM points_entry) <> (SELECT sum(remaining) FROM points_lot) THEN
        RAISE EXCEPTION 'entries do not add up to the lots';
    END IF;
END $$;
