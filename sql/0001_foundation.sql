-- Foundation: shops, access tokens, the audit log, and a timestamp formatter.

-- RFC 3339 text in UTC, the one timestamp format of the wire protocol.
CREATE FUNCTION crm_rfc3339(ts timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');

CREATE TABLE shop (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,31}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_token (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role          text NOT NULL CHECK (role IN ('admin', 'operator', 'analyst', 'agent')),
    shop_id       bigint REFERENCES shop (id),
    -- SHA-256 of the token; the token itself is never stored.
    token_hash    bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    bigint REFERENCES api_token (id),
    revoked_at    timestamptz,
    last_used_at  timestamptz,
    -- Agents, and only agents, are bound to one shop.
    CHECK ((role = 'agent') = (shop_id IS NOT NULL))
);

-- Who did what, for every administrative change.
CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    token_id   bigint REFERENCES api_token (id),
    action     text NOT NULL,
    subject    text NOT NULL,
    detail     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_subject ON audit_log (subject, at);
