-- Marketing consent: where an answer that came with a merge came from, and the history of every
-- answer (what a member said, through which source, when, and who recorded it). Rules:
-- docs/notices.md.

-- Set when the answer was the merged member's and filled a channel the survivor had none for; an
-- unmerge takes such answers back from the survivor. NULL: the member's own answer.
ALTER TABLE marketing_consent ADD COLUMN origin_member_id bigint REFERENCES member (id);
CREATE INDEX marketing_consent_origin ON marketing_consent (origin_member_id) WHERE origin_member_id IS NOT NULL;

-- Every change of a consent answer, append-only: `set` by consent.set, `merge_fill` when a merge
-- gave the survivor the merged member's answer, `unmerge_take` when an unmerge took it back.
CREATE TABLE marketing_consent_event (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id  bigint NOT NULL REFERENCES member (id),
    channel    text NOT NULL CHECK (channel IN ('sms', 'wechat', 'email', 'app_push', 'phone')),
    kind       text NOT NULL CHECK (kind IN ('set', 'merge_fill', 'unmerge_take')),
    granted    boolean NOT NULL,
    source     text NOT NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text NOT NULL,
    merge_id   bigint REFERENCES merge_record (id),
    CHECK ((kind = 'set') = (merge_id IS NULL))
);
CREATE INDEX marketing_consent_event_member ON marketing_consent_event (member_id, id);
