-- A month of the points ledger made archivable (issue 20): `crm_archive_ledger_month(month)` keeps the
-- month's effect in narrow unpartitioned rows and detaches `points_entry_YYYY_MM` and
-- `points_entry_lot_YYYY_MM` in one transaction; the operator then dumps and drops them. Balances and
-- lots are never touched (they live in `points_lot` and `points_account`); `crmctl verify` adds the
-- carried-forward sums to the live entries. Rules and what is lost: docs/operations.md, "Partitions".
--
-- The foreign keys naming entries (points requests, referral rewards and their reversals, campaign
-- touches) made DETACH refuse any month they named; they become `crmctl verify`'s check
-- `named_entries_exist`: a named entry is live, or was kept in `points_entry_kept` when its month was
-- archived (a campaign report reads the points a touch gave).
ALTER TABLE points_request DROP CONSTRAINT points_request_entry_id_fkey;
ALTER TABLE referral_reward DROP CONSTRAINT referral_reward_entry_id_fkey;
ALTER TABLE referral_reward DROP CONSTRAINT referral_reward_reversed_entry_id_fkey;
ALTER TABLE campaign_touch DROP CONSTRAINT campaign_touch_entry_id_fkey;

-- One row per archived ledger month, with the month's totals (verify compares the carried rows with them).
CREATE TABLE points_archived_month (
    month        date PRIMARY KEY CONSTRAINT points_archived_month_first CHECK (month = date_trunc('month', month)),
    archived_at  timestamptz NOT NULL DEFAULT now(),
    entries      bigint NOT NULL,
    points       bigint NOT NULL,
    debt_change  bigint NOT NULL,
    lot_changes  bigint NOT NULL,
    lot_points   bigint NOT NULL
);

-- What a member's entries of an archived month added up to, by kind (verify's totals need the kinds,
-- and an adjustment's points in and out apart): points_in the positive entries' sum, points_out the
-- negative ones'.
CREATE TABLE points_member_carried (
    member_id    bigint NOT NULL,
    month        date NOT NULL REFERENCES points_archived_month (month),
    kind         text NOT NULL,
    entries      bigint NOT NULL,
    points_in    bigint NOT NULL CONSTRAINT points_member_carried_in CHECK (points_in >= 0),
    points_out   bigint NOT NULL CONSTRAINT points_member_carried_out CHECK (points_out <= 0),
    debt_change  bigint NOT NULL,
    CONSTRAINT points_member_carried_pkey PRIMARY KEY (member_id, month, kind)
);

-- What the lot changes of an archived month added up to, per lot.
CREATE TABLE points_lot_carried (
    lot_id   bigint NOT NULL,
    month    date NOT NULL REFERENCES points_archived_month (month),
    changes  bigint NOT NULL,
    points   bigint NOT NULL,
    CONSTRAINT points_lot_carried_pkey PRIMARY KEY (lot_id, month)
);

-- Entries of archived months that a points request, a referral reward (or its reversal) or a campaign
-- touch names.
CREATE TABLE points_entry_kept (
    id         bigint PRIMARY KEY,
    member_id  bigint NOT NULL,
    kind       text NOT NULL,
    points     bigint NOT NULL,
    at         timestamptz NOT NULL
);

-- Archives the ledger month starting at `month` (UTC), atomically; refused, with nothing changed:
-- a month not yet over, a month archived already, the entries written before migration 24
-- (`points_entry_before`), a month without attached partitions or with entries still in the DEFAULT
-- partitions, a month whose entries name an order still in `shop_order` (refunds and re-rating read
-- an order's entries: archive the order's month first), and a month whose entries, lot changes and
-- period keys do not agree (`crmctl verify` would report it; archiving would hide it).
CREATE FUNCTION crm_archive_ledger_month(month date) RETURNS text
LANGUAGE plpgsql SET lock_timeout = '5s' AS $$
DECLARE
    m        bigint;
    low      bigint;
    high     bigint;
    entries  text := format('points_entry_%s', to_char(month, 'YYYY_MM'));
    changes  text := format('points_entry_lot_%s', to_char(month, 'YYYY_MM'));
    n        bigint;
    named    text;
    totals   points_archived_month;
BEGIN
    IF month IS NULL OR month <> date_trunc('month', month)::date THEN
        RAISE EXCEPTION 'crm_archive_ledger_month: % is not the first of a month', month USING ERRCODE = '22023';
    END IF;
    IF month >= date_trunc('month', clock_timestamp() AT TIME ZONE 'UTC')::date THEN
        RAISE EXCEPTION 'crm_archive_ledger_month: % is not over (entries are still written into it)', to_char(month, 'YYYY-MM')
            USING ERRCODE = '22023';
    END IF;
    m := (extract(year FROM month)::bigint - 1970) * 12 + extract(month FROM month)::bigint - 1;
    IF m < 1 THEN
        RAISE EXCEPTION 'crm_archive_ledger_month: entries written before migration 24 (points_entry_before) are not archived by month'
            USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM points_archived_month a WHERE a.month = crm_archive_ledger_month.month) THEN
        RAISE EXCEPTION 'crm_archive_ledger_month: % is archived already', to_char(month, 'YYYY-MM') USING ERRCODE = '42710';
    END IF;
    IF (SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE (i.inhparent, c.relname) IN (('points_entry'::regclass, entries), ('points_entry_lot'::regclass, changes))) <> 2 THEN
        RAISE EXCEPTION 'crm_archive_ledger_month: % and % are not both attached', entries, changes USING ERRCODE = '55000';
    END IF;
    low := m << 40;
    high := (m + 1) << 40;
    -- crmd's partition rounds take turns under this lock (migration 19); so does archiving.
    PERFORM pg_advisory_xact_lock(x'63726d5f70617274'::bigint);
    -- Nothing writes into a month that is over; the lock makes sure, and the sums below are what is detached.
    EXECUTE format('LOCK TABLE %I, %I IN SHARE MODE', entries, changes);
    IF EXISTS (SELECT 1 FROM points_entry_default WHERE id >= low AND id < high)
       OR EXISTS (SELECT 1 FROM points_entry_lot_default WHERE entry_id >= low AND entry_id < high) THEN
        RAISE EXCEPTION 'crm_archive_ledger_month: the DEFAULT partitions hold entries of %: move them with crm_ensure_month_partition first',
            to_char(month, 'YYYY-MM') USING ERRCODE = '55000';
    END IF;
    EXECUTE format('SELECT count(*), string_agg(DISTINCT crm_month_partition_name(''shop_order'', e.order_id), '', '')
                    FROM %I e WHERE e.order_id IS NOT NULL AND EXISTS (SELECT 1 FROM shop_order o WHERE o.id = e.order_id)', entries)
        INTO n, named;
    IF n > 0 THEN
        RAISE EXCEPTION 'crm_archive_ledger_month: % entries of % name orders still in shop_order (in %): a refund or a re-rating reads them; archive those orders first',
            n, to_char(month, 'YYYY-MM'), named USING ERRCODE = '55000';
    END IF;
    EXECUTE format('SELECT (SELECT count(*) FROM %1$I e LEFT JOIN (SELECT entry_id, sum(points) AS s FROM %2$I GROUP BY entry_id) k ON k.entry_id = e.id
                            WHERE e.kind NOT IN (''merge_in'', ''merge_out'', ''unmerge_in'', ''unmerge_out'') AND e.points <> COALESCE(k.s, 0) - e.debt_change)
                         + (SELECT count(*) FROM %2$I l WHERE NOT EXISTS (SELECT 1 FROM %1$I e WHERE e.id = l.entry_id))
                         + (SELECT count(*) FROM points_entry_period k WHERE k.entry_id >= $1 AND k.entry_id < $2
                            AND NOT EXISTS (SELECT 1 FROM %1$I e WHERE e.id = k.entry_id AND e.member_id = k.member_id AND e.period = k.period))',
                   entries, changes)
        INTO n USING low, high;
    IF n > 0 THEN
        RAISE EXCEPTION 'crm_archive_ledger_month: % entries, lot changes or period keys of % do not agree with each other: run crmctl verify', n, to_char(month, 'YYYY-MM')
            USING ERRCODE = '55000';
    END IF;

    EXECUTE format('SELECT $1, now(), (SELECT count(*) FROM %1$I), (SELECT COALESCE(sum(points), 0) FROM %1$I), (SELECT COALESCE(sum(debt_change), 0) FROM %1$I),
                           (SELECT count(*) FROM %2$I), (SELECT COALESCE(sum(points), 0) FROM %2$I)', entries, changes)
        INTO totals USING month;
    INSERT INTO points_archived_month SELECT totals.*;
    EXECUTE format('INSERT INTO points_member_carried (member_id, month, kind, entries, points_in, points_out, debt_change)
                    SELECT member_id, $1, kind, count(*), COALESCE(sum(points) FILTER (WHERE points > 0), 0),
                           COALESCE(sum(points) FILTER (WHERE points < 0), 0), sum(debt_change)
                    FROM %I GROUP BY member_id, kind', entries) USING month;
    EXECUTE format('INSERT INTO points_lot_carried (lot_id, month, changes, points) SELECT lot_id, $1, count(*), sum(points) FROM %I GROUP BY lot_id', changes)
        USING month;
    EXECUTE format('INSERT INTO points_entry_kept (id, member_id, kind, points, at)
                    SELECT e.id, e.member_id, e.kind, e.points, e.at FROM %I e
                    WHERE e.id IN (SELECT entry_id FROM points_request WHERE entry_id >= $1 AND entry_id < $2
                                   UNION SELECT entry_id FROM referral_reward WHERE entry_id >= $1 AND entry_id < $2
                                   UNION SELECT reversed_entry_id FROM referral_reward WHERE reversed_entry_id >= $1 AND reversed_entry_id < $2
                                   UNION SELECT entry_id FROM campaign_touch WHERE entry_id >= $1 AND entry_id < $2)', entries)
        USING low, high;
    GET DIAGNOSTICS n = ROW_COUNT;

    EXECUTE format('ALTER TABLE points_entry DETACH PARTITION %I', entries);
    EXECUTE format('ALTER TABLE points_entry_lot DETACH PARTITION %I', changes);
    RETURN format('archived %s: %s entries (%s kept for what names them) and %s lot changes; dump, then drop %s and %s',
                  to_char(month, 'YYYY-MM'), totals.entries, n, totals.lot_changes, entries, changes);
END $$;
