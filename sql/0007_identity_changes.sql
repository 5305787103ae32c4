-- Accounts whose identity keys or matching fields a push added or changed, noted under the identity
-- lock by every push that resolves identities. A push screens its new accounts for possible matches
-- before it takes the lock (against what was committed then) and, holding it, re-screens them only
-- against the accounts noted since: the lock is held until commit, so `seq` follows commit order.
-- crmd keeps the last 10,000 notes; a push that finds the ones it needs gone screens in full, as it
-- does after a note of `replaced` keys (an existing account's update: a key it no longer has may have
-- left a block of candidates small enough to be compared again).
CREATE TABLE identity_change (
    seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    accounts  bigint[] NOT NULL,
    replaced  boolean NOT NULL,
    noted_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
