-- Candidates known by a stamp, so that a push's screen reads them from the blocking keys' index alone.
--
-- crmd keeps the fields matching compares of the accounts it has opened as candidates (OpenedProfiles).
-- To know that one is still as it was opened, it read the account's row and its sealed columns for
-- every candidate of every push: at 100,000 people the screen read some 1,500,000 account rows, and
-- that read and the sealed text it carried were most of the statement. `match_stamp` is a hash of
-- everything matching reads of an account (its region, stored form and sealed fields), computed by
-- PostgreSQL on every write, so no writer can leave it behind; each blocking key carries its account's
-- stamp (written with the key, and kept equal by the trigger below when the account changes without
-- its keys being written again), and the keys' index includes it. The screen then reads the
-- candidates' ids and stamps from the index, and reads the rows only of those crmd has not opened as
-- they are now. Sealed values carry a fresh random nonce each time they are written, so a stamp
-- changes whenever the account does.
ALTER TABLE account ADD COLUMN match_stamp bigint GENERATED ALWAYS AS (hashtextextended(
    coalesce(region, '') || chr(31) || coalesce(match_sealed, '') || chr(31) || coalesce(name_sealed, '') || chr(31)
    || coalesce(phone_sealed, '') || chr(31) || coalesce(birthday_sealed, '') || chr(31) || coalesce(address_sealed, ''), 0)) STORED;

ALTER TABLE blocking_key ADD COLUMN stamp bigint;
UPDATE blocking_key b SET stamp = a.match_stamp FROM account a WHERE a.id = b.account_id;
CREATE INDEX blocking_key_key_stamp ON blocking_key (key) INCLUDE (account_id, stamp);
DROP INDEX blocking_key_key;
ALTER INDEX blocking_key_key_stamp RENAME TO blocking_key_key;

CREATE FUNCTION crm_blocking_key_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE blocking_key SET stamp = NEW.match_stamp WHERE account_id = NEW.id AND stamp IS DISTINCT FROM NEW.match_stamp;
    RETURN NULL;
END $$;
CREATE TRIGGER account_match_stamp AFTER UPDATE ON account
    FOR EACH ROW WHEN (OLD.match_stamp IS DISTINCT FROM NEW.match_stamp) EXECUTE FUNCTION crm_blocking_key_stamp();
