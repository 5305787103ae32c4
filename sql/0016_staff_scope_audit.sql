-- Shop-scoped staff and the access audit (issue 18). Rules: docs/privacy.md.

-- The shops an operator or analyst token is limited to; a token with no rows here sees the whole
-- base. Agents keep their one shop_id on api_token; admins are never limited.
CREATE TABLE api_token_shop (
    token_id  bigint NOT NULL REFERENCES api_token (id),
    shop_id   bigint NOT NULL REFERENCES shop (id),
    PRIMARY KEY (token_id, shop_id)
);

-- Every read of unmasked personal data by an operator or admin: who (the token), which method,
-- which fields, when, and how many members. A bulk read (a page of segment.export) is one row,
-- its members listed in access_audit_member (a page holds at most 5,000, so the list is bounded).
CREATE TABLE access_audit (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    token_id      bigint REFERENCES api_token (id),
    method        text NOT NULL,
    fields        text[] NOT NULL,
    member_count  integer NOT NULL CHECK (member_count >= 0)
);
CREATE INDEX access_audit_at ON access_audit (at DESC, id DESC);
CREATE INDEX access_audit_token ON access_audit (token_id, id DESC);

CREATE TABLE access_audit_member (
    audit_id   bigint NOT NULL REFERENCES access_audit (id),
    member_id  bigint NOT NULL,
    PRIMARY KEY (audit_id, member_id)
);
CREATE INDEX access_audit_member_member ON access_audit_member (member_id, audit_id DESC);
