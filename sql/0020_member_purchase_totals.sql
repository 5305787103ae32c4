-- Per-member purchase totals by month (issue 20): what segment previews and reports read for the
-- purchase counts, spend and first/last purchase instead of aggregating every order. Rules:
-- docs/segments.md ("Purchase totals").

-- One row per member and UTC calendar month in which the member made a purchase (a paid order not
-- wholly refunded): how many, their worth (amount less refunded, fen) and the first and last paid_at
-- among them. Kept by the triggers below, at the commit of every write that changes what they sum (orders added or changed, refunds, accounts moved between members by merges and
-- unmerges), whatever path writes it. `crmctl verify` compares them with the orders.
CREATE TABLE member_purchase_month (
    member_id      bigint NOT NULL,
    month          timestamptz NOT NULL,
    purchases      integer NOT NULL CHECK (purchases > 0),
    spend_fen      bigint NOT NULL,
    first_paid_at  timestamptz NOT NULL,
    last_paid_at   timestamptz NOT NULL,
    PRIMARY KEY (member_id, month)
);
-- The months holding a window's edge are read by month (SegmentCompiler's straddling rows).
CREATE INDEX member_purchase_month_month ON member_purchase_month (month);

-- The start of the UTC month after `m` (a month start): month arithmetic in UTC, whatever the
-- session's time zone.
CREATE FUNCTION member_purchase_month_end(m timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (($1 AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC' $$;

-- Recomputes the rows of the given (member, month) pairs from the orders. Upserted: a transaction
-- that waited for another's commit finds the row that one wrote.
CREATE FUNCTION member_purchase_refresh(members bigint[], months timestamptz[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM member_purchase_month b USING unnest(members, months) t(mid, mon) WHERE b.member_id = t.mid AND b.month = t.mon;
    INSERT INTO member_purchase_month AS b (member_id, month, purchases, spend_fen, first_paid_at, last_paid_at)
    SELECT t.mid, t.mon, count(*), sum(o.amount_fen - o.refunded_fen), min(o.paid_at), max(o.paid_at)
    FROM (SELECT DISTINCT mid, mon FROM unnest(members, months) t(mid, mon)) t
    JOIN account a ON a.member_id = t.mid
    JOIN shop_order o ON o.account_id = a.id AND o.paid_at >= t.mon AND o.paid_at < member_purchase_month_end(t.mon)
    WHERE o.refunded_fen < o.amount_fen
    GROUP BY t.mid, t.mon
    ORDER BY t.mid, t.mon
    ON CONFLICT (member_id, month) DO UPDATE
    SET purchases = EXCLUDED.purchases, spend_fen = EXCLUDED.spend_fen, first_paid_at = EXCLUDED.first_paid_at, last_paid_at = EXCLUDED.last_paid_at;
END $$;

-- The triggers are deferred to the commit and recompute what a change touched (rather than adding
-- differences): at commit a push already holds its members' locks (points_account rows, taken in
-- member order), so two pushes never wait for each other's totals (immediate upserts while
-- inserting orders deadlocked against the identity lock in scripts/bench ingest); and recomputing
-- gives the same rows whatever order a transaction's orders, refunds and account moves came in.

-- An order added, changed (a refund, or a correction of its account, amount or time) or removed:
-- its (member, month) before and after, recomputed.
CREATE FUNCTION member_purchase_order_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    members bigint[] := '{}';
    months timestamptz[] := '{}';
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        members := members || (SELECT member_id FROM account WHERE id = OLD.account_id);
        months := months || date_trunc('month', OLD.paid_at, 'UTC');
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        members := members || (SELECT member_id FROM account WHERE id = NEW.account_id);
        months := months || date_trunc('month', NEW.paid_at, 'UTC');
    END IF;
    PERFORM member_purchase_refresh(members, months);
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER member_purchase_order_added AFTER INSERT ON shop_order
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION member_purchase_order_changed();
CREATE CONSTRAINT TRIGGER member_purchase_order_changed AFTER UPDATE OF account_id, amount_fen, refunded_fen, paid_at ON shop_order
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id OR OLD.amount_fen IS DISTINCT FROM NEW.amount_fen
      OR OLD.refunded_fen IS DISTINCT FROM NEW.refunded_fen OR OLD.paid_at IS DISTINCT FROM NEW.paid_at)
EXECUTE FUNCTION member_purchase_order_changed();
CREATE CONSTRAINT TRIGGER member_purchase_order_removed AFTER DELETE ON shop_order
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION member_purchase_order_changed();

-- An account moved to another member (a merge, an unmerge): the months of its orders recomputed for
-- the member it left and the one it joined.
CREATE FUNCTION member_purchase_account_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    months timestamptz[];
BEGIN
    SELECT array_agg(DISTINCT date_trunc('month', o.paid_at, 'UTC')) INTO months FROM shop_order o WHERE o.account_id = NEW.id;
    IF months IS NOT NULL THEN
        PERFORM member_purchase_refresh(
            array_fill(OLD.member_id, ARRAY[cardinality(months)]) || array_fill(NEW.member_id, ARRAY[cardinality(months)]), months || months);
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER member_purchase_account_moved AFTER UPDATE OF member_id ON account
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.member_id IS DISTINCT FROM NEW.member_id)
EXECUTE FUNCTION member_purchase_account_moved();

-- What the orders written before this migration add up to.
INSERT INTO member_purchase_month (member_id, month, purchases, spend_fen, first_paid_at, last_paid_at)
SELECT a.member_id, date_trunc('month', o.paid_at, 'UTC'), count(*), sum(o.amount_fen - o.refunded_fen), min(o.paid_at), max(o.paid_at)
FROM shop_order o JOIN account a ON a.id = o.account_id
WHERE o.refunded_fen < o.amount_fen
GROUP BY 1, 2;
