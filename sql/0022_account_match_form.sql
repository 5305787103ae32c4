-- An account's fields as identity matching compares them (raw, folded to Simplified characters, in
-- pinyin), sealed with the account's data key like its other personal fields, so that a candidate is
-- read back with one decryption and no folding (PersonFields.storedForm). NULL for accounts written
-- before this migration, after erasure, and for forms of an older version: matching then opens the
-- sealed fields and derives the forms, as before.
ALTER TABLE account ADD COLUMN match_sealed text;
