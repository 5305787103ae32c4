-- Training a match model and rescanning members with it (issue 19), run by crmctl in committed
-- batches. Rules: docs/identity.md.

-- One row per run of `identity.train` or `identity.rescan`. At most one of each kind runs at a time;
-- every batch locks the row, does its work and moves `phase`/`cursor` on in the same transaction, so a
-- run stopped anywhere (crmd killed included) goes on where it stopped when asked again.
-- A training keeps the sample drawn so far in `state` (comparison patterns counted, never personal
-- values); a rescan its totals. A finished training names the model version it stored.
CREATE TABLE identity_job (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN ('train', 'rescan')),
    status         text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done')),
    seed           bigint,
    -- What the run was asked (a training: pairs and sampled accounts) and what it found at the start.
    params         jsonb NOT NULL DEFAULT '{}',
    phase          text NOT NULL,
    cursor         bigint NOT NULL DEFAULT 0,
    -- Units of work done and to do, over all phases, for progress.
    done_units     bigint NOT NULL DEFAULT 0,
    total_units    bigint NOT NULL DEFAULT 0,
    state          jsonb NOT NULL DEFAULT '{}',
    model_version  bigint REFERENCES identity_model (version),
    actor          text NOT NULL,
    started_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz
);
CREATE UNIQUE INDEX identity_job_one_running ON identity_job (kind) WHERE status = 'running';

-- The accounts a training collects blocked candidates for, chosen from its seed when it starts;
-- removed when it is done.
CREATE TABLE identity_job_account (
    job_id      bigint NOT NULL REFERENCES identity_job (id),
    account_id  bigint NOT NULL,
    PRIMARY KEY (job_id, account_id)
);
