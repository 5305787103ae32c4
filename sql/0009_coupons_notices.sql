-- Coupons (templates, the coupons issued, their life, issue runs and idempotent requests), tiered
-- issue rules, member notices (the outbox a messaging gateway pulls) and marketing consent.
-- Rules and semantics: docs/coupons.md, docs/benefits.md, docs/notices.md.

-- A coupon template by name: what every version shares, the budget and the count issued.
CREATE TABLE coupon_template (
    name         text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 100),
    -- Most coupons ever issued under this name (NULL: no limit); `issued` never passes it.
    budget       bigint CHECK (budget > 0),
    issued       bigint NOT NULL DEFAULT 0 CHECK (issued >= 0),
    disabled_at  timestamptz,
    disabled_by  text,
    CHECK (budget IS NULL OR issued <= budget)
);

-- Versions of a template: a new version's terms apply to coupons issued after it; coupons keep the
-- version they were issued under.
CREATE TABLE coupon_template_version (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL REFERENCES coupon_template (name),
    version     integer NOT NULL CHECK (version >= 1),
    definition  jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL,
    UNIQUE (name, version)
);

-- A coupon held by a member.
CREATE TABLE coupon (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- What the member types or scans: unique and unguessable.
    code              text NOT NULL UNIQUE CHECK (length(code) BETWEEN 8 AND 32),
    template_id       bigint NOT NULL REFERENCES coupon_template_version (id),
    template          text NOT NULL REFERENCES coupon_template (name),
    member_id         bigint NOT NULL REFERENCES member (id),
    -- The member it was issued to: an unmerge gives it back to this member.
    origin_member_id  bigint NOT NULL REFERENCES member (id),
    status            text NOT NULL DEFAULT 'usable' CHECK (status IN ('usable', 'redeemed', 'expired', 'voided')),
    -- Why it was issued, and what caused it (an order id, a run id, a year, a ledger entry...).
    source            text NOT NULL CHECK (source IN ('operator', 'segment', 'order', 'birthday', 'level', 'referral', 'points', 'campaign')),
    source_ref        text,
    issued_at         timestamptz NOT NULL DEFAULT now(),
    valid_from        timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL,
    -- Redemption: where, for which order, how much it took off.
    redeemed_at       timestamptz,
    redeemed_shop_id  bigint REFERENCES shop (id),
    redeemed_order_id bigint REFERENCES shop_order (id),
    redeemed_order_no text,
    discount_fen      bigint CHECK (discount_fen >= 0),
    -- When it expired or was voided.
    ended_at          timestamptz,
    actor             text NOT NULL,
    CHECK (expires_at > valid_from),
    CHECK ((status = 'redeemed') = (redeemed_at IS NOT NULL AND discount_fen IS NOT NULL)),
    CHECK ((status IN ('expired', 'voided')) = (ended_at IS NOT NULL))
);
CREATE INDEX coupon_member ON coupon (member_id, status, expires_at);
CREATE INDEX coupon_origin ON coupon (origin_member_id) WHERE origin_member_id <> member_id;
CREATE INDEX coupon_due ON coupon (expires_at) WHERE status = 'usable';
CREATE INDEX coupon_template_member ON coupon (template, member_id);
CREATE INDEX coupon_order ON coupon (redeemed_order_id) WHERE redeemed_order_id IS NOT NULL;
-- A gift given for a cause (a year's birthday, an order's tier, a level reached) is given once.
CREATE UNIQUE INDEX coupon_once_per_cause ON coupon (origin_member_id, source, source_ref, template)
    WHERE source IN ('birthday', 'order', 'level', 'referral', 'points');

-- The life of every coupon, append-only: issue, redeem, release (a refund gave it back), expire,
-- void, and moves by merges. The books are checked against it (crmctl verify).
CREATE TABLE coupon_event (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    coupon_id  bigint NOT NULL REFERENCES coupon (id),
    kind       text NOT NULL CHECK (kind IN ('issue', 'redeem', 'release', 'expire', 'void', 'merge_move', 'unmerge_move')),
    member_id  bigint NOT NULL REFERENCES member (id),
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text NOT NULL,
    detail     jsonb
);
CREATE INDEX coupon_event_coupon ON coupon_event (coupon_id, id);

-- Issuing a template to a saved segment, batch by batch: the idempotency key names the run, and the
-- cursor (member ids done) makes it resumable.
CREATE TABLE coupon_issue_run (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key  text NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 128),
    request_hash     bytea NOT NULL,
    template         text NOT NULL REFERENCES coupon_template (name),
    segment          text,
    member_id        bigint REFERENCES member (id),
    cursor           bigint NOT NULL DEFAULT 0,
    members          bigint NOT NULL DEFAULT 0,
    issued           bigint NOT NULL DEFAULT 0,
    -- Members passed over: at their per-member limit, or the budget ran out.
    skipped          bigint NOT NULL DEFAULT 0,
    done             boolean NOT NULL DEFAULT false,
    actor            text NOT NULL,
    started_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((segment IS NULL) <> (member_id IS NULL))
);

-- Idempotency of coupon.redeem (and points-for-coupon exchanges): a replay answers the first result.
CREATE TABLE coupon_request (
    idempotency_key  text PRIMARY KEY CHECK (length(idempotency_key) BETWEEN 1 AND 128),
    method           text NOT NULL,
    request_hash     bytea NOT NULL,
    coupon_id        bigint REFERENCES coupon (id),
    result           jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);

-- Tiered issue rules (滿額送券): a paid order issues the template of the highest tier it reaches.
-- Versioned like points rules.
CREATE TABLE coupon_rule (
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
CREATE UNIQUE INDEX coupon_rule_active ON coupon_rule (name) WHERE disabled_at IS NULL;

-- What a member should be told, written in the transaction of its cause. `seq` is given when the
-- notice is first pulled, in the order notices became visible, so a reader paging by seq never
-- skips one that committed late; it is the notice's id on the wire.
CREATE TABLE member_notice (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seq        bigint UNIQUE,
    member_id  bigint NOT NULL REFERENCES member (id),
    kind       text NOT NULL CHECK (kind IN ('level_up', 'level_down', 'points_expiring', 'coupon_issued', 'coupon_expiring',
                                             'referral_reward', 'birthday_gift')),
    -- Marketing notices go only through channels the member consented to.
    marketing  boolean NOT NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    body       jsonb NOT NULL,
    -- Notices a daily job writes are written once per cause (e.g. points_expiring:2026-11-27).
    dedupe     text,
    UNIQUE (member_id, dedupe)
);
CREATE INDEX member_notice_unsequenced ON member_notice (id) WHERE seq IS NULL;
CREATE INDEX member_notice_member ON member_notice (member_id, id);
CREATE SEQUENCE member_notice_seq;

-- How far each reader (a gateway, by its token's name) has acknowledged.
CREATE TABLE notice_reader (
    name        text PRIMARY KEY,
    through     bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Marketing consent per member and channel, with where it came from and when.
CREATE TABLE marketing_consent (
    member_id   bigint NOT NULL REFERENCES member (id),
    channel     text NOT NULL CHECK (channel IN ('sms', 'wechat', 'email', 'app_push', 'phone')),
    granted     boolean NOT NULL,
    source      text NOT NULL CHECK (length(source) BETWEEN 1 AND 100),
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    PRIMARY KEY (member_id, channel)
);

-- Points given as a benefit (a birthday gift): a credit like `earn`, once per member and cause
-- (`period`, e.g. `birthday:2026`).
ALTER TABLE points_entry DROP CONSTRAINT points_entry_kind_check;
ALTER TABLE points_entry ADD CONSTRAINT points_entry_kind_check
    CHECK (kind IN ('earn', 'referral', 'gift', 'reverse', 'spend', 'donate', 'adjust', 'expire',
                    'merge_in', 'merge_out', 'unmerge_in', 'unmerge_out'));
ALTER TABLE points_entry DROP CONSTRAINT points_entry_check;
ALTER TABLE points_entry ADD CONSTRAINT points_entry_check
    CHECK (CASE WHEN kind IN ('earn', 'referral', 'gift') THEN points > 0
                WHEN kind IN ('spend', 'donate', 'expire') THEN points < 0
                WHEN kind = 'reverse' THEN points <= 0
                WHEN kind = 'adjust' THEN points <> 0
                ELSE true END);
