-- Personal data at rest (docs/privacy.md). Every personal field is sealed (AES-256-GCM) under a data
-- key of its member; data keys are kept wrapped by a master key from crmd's key file, which the
-- database never sees. Equality lookups, identity keys and blocking keys hold blind indexes
-- (HMAC-SHA-256 under the key file's index key), and segment conditions compare derived indexes.
-- Rows written before this migration hold plain values until crmd seals them (key_id IS NULL marks
-- them; see PrivacyBackfill), which it does, in committed batches, before it serves.

CREATE TABLE data_key (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The member the key was made for (with its first account). No foreign key: member and account
    -- rows reference their key, and a cycle of foreign keys would make reloading the tables harder.
    member_id      bigint NOT NULL,
    -- The master key that wraps it, and the wrapped key; both NULL once destroyed by erasure.
    master_key_id  text,
    wrapped        bytea,
    created_at     timestamptz NOT NULL DEFAULT now(),
    destroyed_at   timestamptz,
    CHECK ((wrapped IS NULL) = (master_key_id IS NULL)),
    CHECK ((wrapped IS NULL) = (destroyed_at IS NOT NULL))
);
CREATE INDEX data_key_member ON data_key (member_id);
-- Rotation rewraps the keys of master keys other than the current one.
CREATE INDEX data_key_master ON data_key (master_key_id, id) WHERE master_key_id IS NOT NULL;

ALTER TABLE member RENAME COLUMN name TO name_sealed;
ALTER TABLE member RENAME COLUMN nickname TO nickname_sealed;
DROP INDEX member_name_trgm;
-- The folded address was the address in plain text; address keywords use address_grams instead.
ALTER TABLE member DROP COLUMN address_fold;
ALTER TABLE member
    ADD COLUMN key_id bigint REFERENCES data_key (id),
    -- Blind indexes derived from the golden record when it is written (PersonalDataCodec).
    ADD COLUMN name_bidx text,
    ADD COLUMN name_grams bigint[],
    ADD COLUMN phone_tail_bidx text,
    ADD COLUMN email_domain_bidx text,
    ADD COLUMN birthday_bidx text,
    ADD COLUMN address_grams bigint[];
CREATE INDEX member_name_bidx ON member (name_bidx) WHERE merged_into IS NULL AND name_bidx IS NOT NULL;
CREATE INDEX member_name_grams ON member USING gin (name_grams) WHERE merged_into IS NULL;
CREATE INDEX member_phone_tail_bidx ON member (phone_tail_bidx) WHERE merged_into IS NULL AND phone_tail_bidx IS NOT NULL;
CREATE INDEX member_address_grams ON member USING gin (address_grams) WHERE merged_into IS NULL;
CREATE INDEX member_unsealed ON member (id) WHERE key_id IS NULL;

ALTER TABLE account RENAME COLUMN name TO name_sealed;
ALTER TABLE account RENAME COLUMN nickname TO nickname_sealed;
-- The plain JSON columns keep rows written before this migration until they are sealed.
ALTER TABLE account RENAME COLUMN platform_ids TO platform_ids_legacy;
ALTER TABLE account RENAME COLUMN attributes TO attributes_legacy;
ALTER TABLE account RENAME COLUMN raw TO raw_legacy;
ALTER TABLE account
    ALTER COLUMN platform_ids_legacy DROP NOT NULL, ALTER COLUMN platform_ids_legacy DROP DEFAULT,
    ALTER COLUMN attributes_legacy DROP NOT NULL, ALTER COLUMN attributes_legacy DROP DEFAULT,
    ALTER COLUMN raw_legacy DROP NOT NULL, ALTER COLUMN raw_legacy DROP DEFAULT,
    ADD COLUMN key_id bigint REFERENCES data_key (id),
    ADD COLUMN platform_ids_sealed text,
    ADD COLUMN attributes_sealed text,
    ADD COLUMN raw_sealed text,
    -- One 64-bit blind index per attribute name=value (values folded and lower-cased).
    ADD COLUMN attribute_hashes bigint[] NOT NULL DEFAULT '{}';
CREATE INDEX account_attribute_hashes ON account USING gin (attribute_hashes);
CREATE INDEX account_unsealed ON account (id) WHERE key_id IS NULL;

-- merge_record.snapshot (the merged member's row as JSON) now holds its sealed columns as they are.

-- Guards that fired hold the blind index of the key value (`value`) and, for operators, the value
-- masked (`display`, e.g. 138****0000).
ALTER TABLE identity_flag ADD COLUMN display text;
