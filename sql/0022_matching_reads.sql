-- Reads of identity matching made cheaper.
--
-- An account's fields as identity matching compares them (raw, folded to Simplified characters, in
-- pinyin), sealed with the account's data key like its other personal fields, so that a candidate is
-- read back with one decryption and no folding (PersonFields.storedForm). NULL for accounts written
-- before this migration, after erasure, and for forms of an older version: matching then opens the
-- sealed fields and derives the forms, as before.
ALTER TABLE account ADD COLUMN match_sealed text;

-- A push's screen reads the accounts of each of its new accounts' blocking keys: from the index alone
-- (an index-only scan), not from the table, where one key's rows lie on as many pages as there are
-- rows. Vacuumed after fewer inserts than the default fifth of the table, so that the pages a scan
-- may skip (all-visible) keep up with a table written by every new account.
CREATE INDEX blocking_key_key_account ON blocking_key (key) INCLUDE (account_id);
DROP INDEX blocking_key_key;
ALTER INDEX blocking_key_key_account RENAME TO blocking_key_key;
ALTER TABLE blocking_key SET (autovacuum_vacuum_insert_scale_factor = 0.02);
