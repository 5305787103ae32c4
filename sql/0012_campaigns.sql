-- Campaigns with a control group (分層營銷): who was touched or held out, on which occasion (a wave,
-- or a standing campaign's entry of a member into a stage), and with what; reports compare the
-- treated arms with the control group. Rules: docs/campaigns.md.

CREATE TABLE campaign (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    -- The saved segment whose members a launch takes (NULL for a standing campaign's trigger alone).
    segment      text,
    -- Arms (variants and their actions), holdout, window, waves, budget, scope, consent, trigger.
    definition   jsonb NOT NULL,
    -- Seeds the reproducible assignment of members to the control group and the variants.
    seed         bigint NOT NULL,
    status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'running', 'stopped', 'done')),
    -- Members touched so far over all occasions (the budget counts these).
    touched      bigint NOT NULL DEFAULT 0 CHECK (touched >= 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL,
    launched_at  timestamptz,
    stopped_at   timestamptz,
    stopped_by   text
);

-- The members a campaign took at launch (the segment's snapshot), with their arm, in id order so a
-- launch walks them in committed batches and resumes after a kill.
CREATE TABLE campaign_member (
    campaign_id  bigint NOT NULL REFERENCES campaign (id),
    member_id    bigint NOT NULL REFERENCES member (id),
    -- 'control', or the name of the variant the member was assigned.
    arm          text NOT NULL,
    PRIMARY KEY (campaign_id, member_id)
);

-- An occasion on which members are touched or held out: wave 1, 2, ... of a launched campaign, or
-- one day's evaluation of a standing campaign. Progress makes it resumable.
CREATE TABLE campaign_occasion (
    campaign_id  bigint NOT NULL REFERENCES campaign (id),
    occasion     integer NOT NULL CHECK (occasion >= 1),
    started_at   timestamptz NOT NULL DEFAULT now(),
    -- Members up to this id are done.
    cursor       bigint NOT NULL DEFAULT 0,
    total        bigint NOT NULL DEFAULT 0,
    done         boolean NOT NULL DEFAULT false,
    finished_at  timestamptz,
    PRIMARY KEY (campaign_id, occasion)
);

-- Who was touched or held out on each occasion, exactly once per member and occasion: `touched`
-- (the arm's action was carried out), `held_out` (the control group: nothing done, measured alike),
-- `no_consent` (excluded: no marketing consent; in either arm, so both stay comparable), `budget`
-- (the campaign's budget of touches ran out), `refused` (the action was refused: the coupon
-- template's budget or per-member limit, the member's points limit). A standing campaign's `entry` names the member's entry
-- into the stage (e.g. `silent:2026-11-20`), so each entry is touched once.
CREATE TABLE campaign_touch (
    campaign_id  bigint NOT NULL REFERENCES campaign (id),
    occasion     integer NOT NULL,
    member_id    bigint NOT NULL REFERENCES member (id),
    arm          text NOT NULL,
    status       text NOT NULL CHECK (status IN ('touched', 'held_out', 'no_consent', 'budget', 'refused')),
    at           timestamptz NOT NULL DEFAULT now(),
    entry        text,
    -- What the touch gave: a coupon, a points entry, a notice.
    coupon_id    bigint REFERENCES coupon (id),
    entry_id     bigint REFERENCES points_entry (id),
    notice_id    bigint REFERENCES member_notice (id),
    PRIMARY KEY (campaign_id, occasion, member_id),
    FOREIGN KEY (campaign_id, occasion) REFERENCES campaign_occasion (campaign_id, occasion)
);
CREATE INDEX campaign_touch_member ON campaign_touch (member_id, campaign_id);
CREATE UNIQUE INDEX campaign_touch_entry ON campaign_touch (campaign_id, member_id, entry) WHERE entry IS NOT NULL;

-- A campaign's message for the messaging gateway is a member notice of its own kind.
ALTER TABLE member_notice DROP CONSTRAINT member_notice_kind_check;
ALTER TABLE member_notice ADD CONSTRAINT member_notice_kind_check
    CHECK (kind IN ('level_up', 'level_down', 'points_expiring', 'coupon_issued', 'coupon_expiring', 'referral_reward', 'birthday_gift',
                    'campaign'));
