-- Issuing a template to a saved segment: the members of the segment as it stood when the run
-- started, so every batch of the run (and a rerun after a kill) walks the same list in id order;
-- the list is dropped when the run is done. Rules: docs/coupons.md.
CREATE TABLE coupon_issue_member (
    run_id     bigint NOT NULL REFERENCES coupon_issue_run (id),
    member_id  bigint NOT NULL,
    PRIMARY KEY (run_id, member_id)
);

-- How many members the run has to go through (the segment's size when it started), and the coupon
-- a run for one member issued (what a replay of its key answers).
ALTER TABLE coupon_issue_run ADD COLUMN total bigint NOT NULL DEFAULT 0;
ALTER TABLE coupon_issue_run ADD COLUMN coupon_id bigint REFERENCES coupon (id);
