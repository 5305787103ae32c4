-- The ceiling of `scripts/bench expiry`: the whole expiry of `as_of` (psql variable) as one
-- set-based statement. Every lot due by the end of `as_of` (merchant time +08:00) with points left is
-- emptied, each of its members gets one `expire` entry for the sum, each emptied lot a link of minus
-- what it had left, and the run is recorded with its totals — what the job writes, less the
-- batching, the locking and the round trips.
\set ON_ERROR_STOP on
WITH due AS MATERIALIZED (
    SELECT id, member_id, remaining
    FROM points_lot
    WHERE remaining > 0 AND expires_at < ((:'as_of'::date + 1)::text || ' 00:00:00+08')::timestamptz
), run AS (
    INSERT INTO job_run (job, as_of, status, holder, actor, finished_at, members, lots, points)
    SELECT 'points_expiry', :'as_of'::date, 'finished', 'bench-sql', 'bench', now(),
           count(DISTINCT member_id), count(*), coalesce(sum(remaining), 0)
    FROM due
    RETURNING id
), emptied AS (
    UPDATE points_lot l SET remaining = 0 FROM due WHERE l.id = due.id
), entries AS (
    INSERT INTO points_entry (member_id, kind, points, run_id, actor)
    SELECT member_id, 'expire', -sum(remaining), (SELECT id FROM run), 'bench'
    FROM due GROUP BY member_id
    RETURNING id, member_id
)
INSERT INTO points_entry_lot (entry_id, lot_id, points)
SELECT e.id, d.id, -d.remaining FROM due d JOIN entries e USING (member_id);
