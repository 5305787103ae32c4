-- Merchant text is compared with Traditional and Simplified Chinese folded to one script (crmd's
-- ScriptFolder: each character as OpenCC's t2s conversion writes it): keywords are folded when a rule is stored or a filter is
-- compiled, and the text they are looked for in is folded when it is written. A `*_fold` column
-- holds the folded text only where folding changes it (NULL: compare the text itself), so Simplified
-- and Latin data cost nothing; comparisons read COALESCE(x_fold, x).
ALTER TABLE shop_order ADD COLUMN items_fold jsonb;
ALTER TABLE member ADD COLUMN address_fold text, ADD COLUMN region_fold text;

-- Rows written before this migration are folded by crmd right after migrating (it cannot be done in
-- SQL), in batches by id up to the last id that existed here, each batch committed with its progress;
-- a row of this table goes when its table is done.
CREATE TABLE script_fold_backfill (
    table_name  text PRIMARY KEY CHECK (table_name IN ('shop_order', 'member', 'tag_rule')),
    next_id     bigint NOT NULL,
    last_id     bigint NOT NULL
);
INSERT INTO script_fold_backfill (table_name, next_id, last_id)
SELECT 'shop_order', 1, max(id) FROM shop_order HAVING max(id) IS NOT NULL
UNION ALL SELECT 'member', 1, max(id) FROM member HAVING max(id) IS NOT NULL
UNION ALL SELECT 'tag_rule', 1, max(id) FROM tag_rule HAVING max(id) IS NOT NULL;
