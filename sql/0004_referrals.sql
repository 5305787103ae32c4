-- Referrals (老帶新): each member's code, bindings of referred members to their referrer, the
-- versioned reward programme, and every reward paid (at most once per binding, side and order).

-- A member's referral code: random (not derived from the id), stable across merges (the survivor
-- keeps its own; a merged member's code still finds the survivor).
CREATE TABLE referral_code (
    member_id   bigint PRIMARY KEY REFERENCES member (id),
    code        text NOT NULL UNIQUE CHECK (code ~ '^[2-9A-HJ-NP-Z]{8}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Versions of the reward programme; the newest is in force.
CREATE TABLE referral_program (
    version     integer PRIMARY KEY CHECK (version >= 1),
    definition  jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL
);

CREATE TABLE referral_binding (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- A member is bound once, ever.
    referred_id         bigint NOT NULL UNIQUE REFERENCES member (id),
    referrer_id         bigint NOT NULL REFERENCES member (id),
    code                text NOT NULL,
    source              text NOT NULL CHECK (source IN ('signup', 'operator')),
    actor               text NOT NULL,
    reason              text,
    status              text NOT NULL DEFAULT 'bound' CHECK (status IN ('bound', 'rewarded', 'voided')),
    bound_at            timestamptz NOT NULL DEFAULT now(),
    qualified_order_id  bigint REFERENCES shop_order (id),
    qualified_at        timestamptz,
    -- The referrer earns a share of the referred member's orders paid before then.
    share_until         timestamptz,
    program_version     integer,
    voided_at           timestamptz,
    void_reason         text,
    CHECK (referred_id <> referrer_id OR status = 'voided')
);
CREATE INDEX referral_binding_referrer ON referral_binding (referrer_id);
CREATE INDEX referral_binding_open ON referral_binding (referred_id) WHERE status <> 'voided';

-- Rewards paid: `side` referrer or referred for the first order, share for later orders.
CREATE TABLE referral_reward (
    binding_id        bigint NOT NULL REFERENCES referral_binding (id),
    side              text NOT NULL CHECK (side IN ('referrer', 'referred', 'share')),
    order_id          bigint NOT NULL REFERENCES shop_order (id),
    member_id         bigint NOT NULL REFERENCES member (id),
    lot_id            bigint NOT NULL REFERENCES points_lot (id),
    entry_id          bigint NOT NULL REFERENCES points_entry (id),
    points            bigint NOT NULL CHECK (points > 0),
    reversed_entry_id bigint REFERENCES points_entry (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (binding_id, side, order_id)
);
CREATE INDEX referral_reward_member ON referral_reward (member_id);
