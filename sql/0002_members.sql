-- Members, their channel accounts, identity keys, orders, refunds, merges and the review queue.
-- Personal fields (phone, email, birthday, address) are stored through one codec (the *_sealed
-- columns) and matched through keyed values (identity_key.value), so that encrypting them at rest
-- later changes the codec, not these tables' shape or identity resolution.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE member (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Set when this member was merged into another; the survivor answers for it.
    merged_into      bigint REFERENCES member (id),
    name             text,
    nickname         text,
    gender           text,
    region           text,
    phone_sealed     text,
    email_sealed     text,
    birthday_sealed  text,
    address_sealed   text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (merged_into IS NULL OR merged_into <> id)
);
CREATE INDEX member_merged_into ON member (merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX member_name_trgm ON member USING gin (name gin_trgm_ops) WHERE merged_into IS NULL;

-- What each channel account last said about its person.
CREATE TABLE account (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id            bigint NOT NULL REFERENCES shop (id),
    channel            text NOT NULL CHECK (channel IN ('mobile', 'web', 'group_buy')),
    external_id        text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 128),
    member_id          bigint NOT NULL REFERENCES member (id),
    name               text,
    nickname           text,
    gender             text,
    region             text,
    phone_sealed       text,
    email_sealed       text,
    birthday_sealed    text,
    address_sealed     text,
    platform_ids       jsonb NOT NULL DEFAULT '{}',
    attributes         jsonb NOT NULL DEFAULT '{}',
    -- The member object exactly as the channel last sent it.
    raw                jsonb NOT NULL DEFAULT '{}',
    registered_at      timestamptz,
    referral_code      text,
    -- occurred_at of the upsert whose data this row holds (NULL: created by an order, no profile yet).
    source_updated_at  timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (shop_id, channel, external_id)
);
CREATE INDEX account_member ON account (member_id);

-- Deterministic keys (phone, email, platform ids) as keyed values.
CREATE TABLE identity_key (
    account_id  bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    kind        text NOT NULL,
    value       text NOT NULL,
    PRIMARY KEY (account_id, kind, value)
);
CREATE INDEX identity_key_value ON identity_key (kind, value);

-- Blocking keys for fuzzy matching: only accounts sharing one are compared.
CREATE TABLE blocking_key (
    account_id  bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    key         text NOT NULL,
    PRIMARY KEY (account_id, key)
);
CREATE INDEX blocking_key_key ON blocking_key (key);

-- Key values that never merge anyone (placeholders, shop landlines), managed by operators.
CREATE TABLE identity_blocklist (
    kind        text NOT NULL,
    value       text NOT NULL,
    reason      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, value)
);

-- Guards that fired: shown to operators in review.list {"type": "guard"}.
CREATE TABLE identity_flag (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guard          text NOT NULL,
    kind           text NOT NULL,
    value          text NOT NULL,
    detail         jsonb NOT NULL DEFAULT '{}',
    occurrences    integer NOT NULL DEFAULT 1,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (guard, kind, value)
);

-- Pairs an operator said are different people: never merged again automatically.
CREATE TABLE identity_separation (
    member_a    bigint NOT NULL REFERENCES member (id),
    member_b    bigint NOT NULL REFERENCES member (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    reason      text,
    PRIMARY KEY (member_a, member_b),
    CHECK (member_a < member_b)
);

-- Idempotency of pushed events: (shop, event id) forever, with the first outcome.
CREATE TABLE sync_event (
    shop_id       bigint NOT NULL REFERENCES shop (id),
    event_id      text NOT NULL,
    content_hash  bytea NOT NULL,
    type          text NOT NULL,
    status        text NOT NULL CHECK (status IN ('applied', 'rejected')),
    member_id     bigint REFERENCES member (id),
    error         jsonb,
    received_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, event_id)
);

CREATE TABLE shop_order (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id         bigint NOT NULL REFERENCES shop (id),
    channel         text NOT NULL CHECK (channel IN ('mobile', 'web', 'group_buy')),
    order_no        text NOT NULL,
    account_id      bigint NOT NULL REFERENCES account (id),
    amount_fen      bigint NOT NULL CHECK (amount_fen >= 0),
    refunded_fen    bigint NOT NULL DEFAULT 0,
    paid_at         timestamptz NOT NULL,
    payment_method  text,
    items           jsonb NOT NULL DEFAULT '[]',
    event_id        text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (shop_id, channel, order_no),
    CHECK (refunded_fen >= 0 AND refunded_fen <= amount_fen)
);
CREATE INDEX shop_order_account ON shop_order (account_id, paid_at);

CREATE TABLE refund (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id      bigint NOT NULL REFERENCES shop (id),
    order_id     bigint NOT NULL REFERENCES shop_order (id),
    refund_no    text NOT NULL,
    amount_fen   bigint NOT NULL CHECK (amount_fen > 0),
    refunded_at  timestamptz NOT NULL,
    event_id     text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (shop_id, refund_no)
);
CREATE INDEX refund_order ON refund (order_id);

-- Every merge, with what unmerge needs to restore both members exactly.
CREATE TABLE merge_record (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survivor_id  bigint NOT NULL REFERENCES member (id),
    merged_id    bigint NOT NULL REFERENCES member (id),
    -- Accounts that belonged to the merged member and moved to the survivor.
    account_ids  bigint[] NOT NULL,
    -- The merged member's golden record at the time of the merge.
    snapshot     jsonb NOT NULL,
    rule         text NOT NULL,
    score        double precision,
    evidence     jsonb NOT NULL DEFAULT '{}',
    actor        text NOT NULL,
    reason       text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    undone_at    timestamptz,
    undone_by    text,
    undo_reason  text,
    CHECK (survivor_id <> merged_id)
);
CREATE INDEX merge_record_merged ON merge_record (merged_id);
CREATE INDEX merge_record_survivor ON merge_record (survivor_id);

-- Fuzzy matches that wait for an operator.
CREATE TABLE review_item (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_a         bigint NOT NULL REFERENCES member (id),
    member_b         bigint NOT NULL REFERENCES member (id),
    score            double precision NOT NULL,
    evidence         jsonb NOT NULL DEFAULT '{}',
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'merged', 'separated', 'obsolete')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    decided_at       timestamptz,
    decided_by       text,
    decision_reason  text,
    CHECK (member_a < member_b)
);
CREATE UNIQUE INDEX review_item_open_pair ON review_item (member_a, member_b) WHERE status = 'open';

-- What happened to a member, newest last.
CREATE TABLE member_history (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id  bigint NOT NULL REFERENCES member (id),
    at         timestamptz NOT NULL DEFAULT now(),
    action     text NOT NULL,
    actor      text NOT NULL,
    detail     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX member_history_member ON member_history (member_id, id);

-- Merchant settings (identity policy, …) as JSON, absent means the defaults.
CREATE TABLE setting (
    name        text PRIMARY KEY,
    value       jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text NOT NULL
);
