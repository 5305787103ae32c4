-- Tags (definitions, what each member carries and why), tag rules on paid orders, saved segments
-- and their export snapshots. Settings `segments` (RFM bands, lifecycle thresholds) and `tags`
-- (attribute → tag mappings) live in table setting; absent means the defaults of docs/segments.md.

CREATE TABLE tag (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
    -- 偏好, 職業, 促銷敏感度, …
    tag_group    text CHECK (tag_group IS NULL OR length(tag_group) BETWEEN 1 AND 64),
    description  text CHECK (description IS NULL OR length(description) <= 500),
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL
);

-- Rules applied to every new paid order (and back-filled over past ones): every part given must hold.
CREATE TABLE tag_rule (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    tag_id            bigint NOT NULL REFERENCES tag (id),
    -- The rule as given, for display; the columns below are what matching reads.
    definition        jsonb NOT NULL,
    name_contains     text[],
    skus              text[],
    categories        text[],
    min_amount_fen    bigint,
    channels          text[],
    shops             text[],
    address_contains  text[],
    -- Back-fill progress: orders up to this id were matched against the rule.
    backfilled_through bigint NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    created_by        text NOT NULL,
    disabled_at       timestamptz,
    disabled_by       text
);
CREATE UNIQUE INDEX tag_rule_active ON tag_rule (name) WHERE disabled_at IS NULL;

CREATE TABLE segment (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    description  text CHECK (description IS NULL OR length(description) <= 500),
    filter       jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    updated_by   text NOT NULL
);

-- A tag on a member, once per source; `account_id` is the account whose profile (attribute) or
-- order (rule) gave it: an unmerge gives such tags back with the account. Manual and segment tags
-- stay with the member they were put on (the survivor after a merge).
CREATE TABLE member_tag (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id   bigint NOT NULL REFERENCES member (id),
    tag_id      bigint NOT NULL REFERENCES tag (id),
    source      text NOT NULL CHECK (source IN ('manual', 'attribute', 'segment', 'rule')),
    account_id  bigint REFERENCES account (id),
    rule_id     bigint REFERENCES tag_rule (id),
    segment_id  bigint REFERENCES segment (id) ON DELETE SET NULL,
    actor       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((source IN ('attribute', 'rule')) = (account_id IS NOT NULL))
);
CREATE UNIQUE INDEX member_tag_once ON member_tag (member_id, tag_id, source, COALESCE(account_id, 0));
CREATE INDEX member_tag_tag ON member_tag (tag_id, member_id);
CREATE INDEX member_tag_account ON member_tag (account_id) WHERE account_id IS NOT NULL;

-- A segment's members at the time of an export, read page by page (disposable: unlogged).
CREATE TABLE segment_export (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    segment_id  bigint NOT NULL REFERENCES segment (id) ON DELETE CASCADE,
    total       bigint NOT NULL,
    actor       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNLOGGED TABLE segment_export_member (
    export_id  bigint NOT NULL,
    member_id  bigint NOT NULL,
    PRIMARY KEY (export_id, member_id)
);
