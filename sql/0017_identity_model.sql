-- The probabilistic match model (issue 19). Rules: docs/identity.md.

-- Every model `crmctl identity train` estimated, newest current. Version 0 is the built-in untrained
-- model and has no row. Parameters are the model's JSON (every m and u per field and level, the
-- prior, the term-frequency floor); the report says what it was trained on (pairs, EM runs).
CREATE TABLE identity_model (
    version     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL,
    seed        bigint NOT NULL,
    parameters  jsonb NOT NULL,
    report      jsonb NOT NULL DEFAULT '{}'
);

-- The model version that decided a merge (NULL for key merges, hand merges and merges before models).
ALTER TABLE merge_record ADD COLUMN model_version bigint;
