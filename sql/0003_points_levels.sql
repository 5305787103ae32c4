-- Points ledger (lots and append-only entries), accrual rules, idempotent requests, batch-job runs,
-- and member levels. Settings `points` and `levels` (table setting) hold the merchant's policies;
-- absent means the defaults of docs/points.md.

-- One row per member that has had a debt or a points request: the row every spending path locks
-- first, so that spending, adjusting, reversing and expiring one member never interleave.
CREATE TABLE points_account (
    member_id  bigint PRIMARY KEY REFERENCES member (id),
    -- Points owed after a refund took back more than the balance (refund policy allow_negative).
    debt       bigint NOT NULL DEFAULT 0 CHECK (debt >= 0)
);

-- A run of a batch job (points expiry); one may be running at a time per job.
CREATE TABLE job_run (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job           text NOT NULL,
    as_of         date NOT NULL,
    status        text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished', 'abandoned')),
    -- Who holds the run: crmd instance and connection; a closed connection abandons the run.
    holder        text NOT NULL,
    started_at    timestamptz NOT NULL DEFAULT now(),
    heartbeat_at  timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    actor         text NOT NULL,
    -- Members up to this id are done (the yearly clearing walks members in id order).
    cursor        bigint NOT NULL DEFAULT 0,
    members       bigint NOT NULL DEFAULT 0,
    lots          bigint NOT NULL DEFAULT 0,
    points        bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX job_run_one_running ON job_run (job) WHERE status = 'running';

-- Accrual rules, versioned: a new version of a name retires the old one; entries name the version.
CREATE TABLE points_rule (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    version      integer NOT NULL CHECK (version >= 1),
    definition   jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL,
    disabled_at  timestamptz,
    disabled_by  text,
    UNIQUE (name, version)
);
CREATE UNIQUE INDEX points_rule_active ON points_rule (name) WHERE disabled_at IS NULL;

-- Points earned at once, with their own expiry: spending and expiry consume lots oldest expiry first.
CREATE TABLE points_lot (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id         bigint NOT NULL REFERENCES member (id),
    -- The member who earned it: an unmerge gives the lot back to this member.
    origin_member_id  bigint NOT NULL REFERENCES member (id),
    order_id          bigint REFERENCES shop_order (id),
    earned_at         timestamptz NOT NULL,
    -- Pending until then (the return window); spendable after.
    available_at      timestamptz NOT NULL,
    -- NULL: never by date (the yearly clearing policy takes a share instead).
    expires_at        timestamptz,
    amount            bigint NOT NULL CHECK (amount > 0),
    remaining         bigint NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
    CHECK (available_at >= earned_at)
);
-- Every lot of a member (merges move them all, emptied ones too), in the order spending takes them.
CREATE INDEX points_lot_member ON points_lot (member_id, expires_at, id);
CREATE INDEX points_lot_due ON points_lot (expires_at, member_id) WHERE remaining > 0;
CREATE INDEX points_lot_order ON points_lot (order_id) WHERE order_id IS NOT NULL;

-- The ledger: append-only. `points` is the change of the member's balance; `debt_change` the
-- change of its debt; for entries that touch lots, points = sum(lot changes) - debt_change.
CREATE TABLE points_entry (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id        bigint NOT NULL REFERENCES member (id),
    kind             text NOT NULL CHECK (kind IN ('earn', 'referral', 'reverse', 'spend', 'donate', 'adjust', 'expire',
                                                   'merge_in', 'merge_out', 'unmerge_in', 'unmerge_out')),
    points           bigint NOT NULL,
    debt_change      bigint NOT NULL DEFAULT 0,
    at               timestamptz NOT NULL DEFAULT now(),
    order_id         bigint REFERENCES shop_order (id),
    refund_id        bigint REFERENCES refund (id),
    merge_id         bigint REFERENCES merge_record (id),
    run_id           bigint REFERENCES job_run (id),
    -- Clearing period of the yearly policy (one clearing per member and period).
    period           text,
    -- Why: accrual breakdown (rules with versions), shortfall, project of a donation.
    detail           jsonb,
    actor            text NOT NULL,
    reason           text,
    idempotency_key  text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (CASE WHEN kind IN ('earn', 'referral') THEN points > 0
                WHEN kind IN ('spend', 'donate', 'expire') THEN points < 0
                WHEN kind = 'reverse' THEN points <= 0
                WHEN kind = 'adjust' THEN points <> 0
                ELSE true END)
);
CREATE INDEX points_entry_member ON points_entry (member_id, id);
CREATE INDEX points_entry_order ON points_entry (order_id) WHERE order_id IS NOT NULL;
CREATE UNIQUE INDEX points_entry_clearing ON points_entry (member_id, period) WHERE period IS NOT NULL;

-- Which lots an entry changed, by how much (+ created or gave back, - consumed).
CREATE TABLE points_entry_lot (
    entry_id  bigint NOT NULL REFERENCES points_entry (id),
    lot_id    bigint NOT NULL REFERENCES points_lot (id),
    points    bigint NOT NULL CHECK (points <> 0),
    PRIMARY KEY (entry_id, lot_id)
);
CREATE INDEX points_entry_lot_lot ON points_entry_lot (lot_id);

-- Extra points each rule gave each member each day, for the rules' daily caps.
CREATE TABLE points_rule_usage (
    member_id  bigint NOT NULL REFERENCES member (id),
    rule_name  text NOT NULL,
    day        date NOT NULL,
    points     bigint NOT NULL CHECK (points >= 0),
    PRIMARY KEY (member_id, rule_name, day)
);

-- Idempotency of points.redeem and points.adjust: a replay answers the first result.
CREATE TABLE points_request (
    idempotency_key  text PRIMARY KEY CHECK (length(idempotency_key) BETWEEN 1 AND 128),
    method           text NOT NULL,
    request_hash     bytea NOT NULL,
    member_id        bigint NOT NULL REFERENCES member (id),
    entry_id         bigint NOT NULL REFERENCES points_entry (id),
    result           jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);

-- A member's level; no row means the first level of the ladder.
CREATE TABLE member_level (
    member_id    bigint PRIMARY KEY REFERENCES member (id),
    level_code   text NOT NULL,
    since        timestamptz NOT NULL DEFAULT now(),
    -- The first evaluation that found the member below this level; it drops after the grace period.
    below_since  timestamptz,
    -- Set by an operator: evaluation never lowers the member below it.
    manual       boolean NOT NULL DEFAULT false,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE level_change (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id   bigint NOT NULL REFERENCES member (id),
    from_code   text,
    to_code     text NOT NULL,
    reason      text NOT NULL CHECK (reason IN ('order', 'evaluate', 'manual', 'merge', 'unmerge')),
    actor       text NOT NULL,
    detail      jsonb NOT NULL DEFAULT '{}',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX level_change_member ON level_change (member_id, id);
