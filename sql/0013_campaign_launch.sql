-- Launching campaigns (docs/campaigns.md): each occasion keeps its own tally, so a launch's
-- answer after every committed batch is the occasion's totals without counting its touches again.
ALTER TABLE campaign_occasion
    ADD COLUMN touched     bigint NOT NULL DEFAULT 0,
    ADD COLUMN held_out    bigint NOT NULL DEFAULT 0,
    ADD COLUMN no_consent  bigint NOT NULL DEFAULT 0,
    ADD COLUMN budget      bigint NOT NULL DEFAULT 0,
    ADD COLUMN refused     bigint NOT NULL DEFAULT 0;
