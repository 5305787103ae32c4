-- Standing campaigns (issue 17): the daily evaluation of a campaign with a trigger is an occasion of
-- its own, one per merchant day, so a rerun of the same day resumes that day's occasion (its cursor)
-- instead of starting another. Rules: docs/standing-campaigns.md.

ALTER TABLE campaign_occasion ADD COLUMN evaluated_on date;
CREATE UNIQUE INDEX campaign_occasion_day ON campaign_occasion (campaign_id, evaluated_on) WHERE evaluated_on IS NOT NULL;
