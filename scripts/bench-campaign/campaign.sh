# shellcheck shell=bash
# `scripts/bench campaign` (sourced by scripts/bench, which provides $bin, $port, $work, the crm_bench
# database, a running crmd, load_merchant and wait_autovacuum):
#   1. the report: the segments benchmark's merchant (N members, M orders), a two-wave campaign over all
#      of them written straight in SQL as a launch records it (arms: a tenth control, the rest split
#      between a coupon variant and a touch-list variant; 3 % without consent; wave 2 over those who did not
#      buy before it; coupons for the coupon arm, a fifth redeemed; a thousand members merged since),
#      then campaign.report through crmd: three runs of the whole report and one of a single wave;
#   2. the launch: a segment of L members (the first L
#      by id, 97 % with SMS consent) launched through crmd with a notice action, rows/s, against a COPY of
#      the same rows (its campaign_member, campaign_touch and member_notice rows) into scratch tables of
#      the same shape, and the ratio.
#   bench_campaign [--members N (1000000)] [--orders M (5000000)] [--launch L (500000)]
bench_campaign() {
  local members=1000000 orders=5000000 launch=500000
  while [ $# -gt 0 ]; do
    case "$1" in
      --members) members=$2; shift 2 ;;
      --orders) orders=$2; shift 2 ;;
      --launch) launch=$2; shift 2 ;;
      *) echo "unknown campaign option: $1" >&2; exit 64 ;;
    esac
  done
  export CRM_SERVER=127.0.0.1:$port CRM_TOKEN=$CRM_ADMIN_TOKEN
  load_merchant "$members" "$orders"
  bench_campaign_report
  bench_campaign_launch "$launch"
}

# The campaign `bench-report`, written in SQL, and the report's timings.
bench_campaign_report() {
  local q=(env PGOPTIONS="-c client_min_messages=warning" psql -q -v ON_ERROR_STOP=1 -d crm_bench)
  local started ended
  started=$(date +%s.%N)
  "${q[@]}" <<'SQL'
SET session_replication_role = replica;
INSERT INTO coupon_template (name) VALUES ('bench-回購5');
INSERT INTO coupon_template_version (name, version, definition, created_by) VALUES ('bench-回購5', 1,
  '{"kind":"amount","value":"5.00","min_spend":"0.00","scope":{},"valid_days":30,"per_member_limit":2,"stackable":false,"release_on_refund":true}', 'bench');
INSERT INTO campaign (name, segment, definition, seed, status, created_by, launched_at) VALUES ('bench-report', 'bench-all',
  '{"variants":[{"name":"coupon","weight":1,"action":{"kind":"coupon","template":"bench-回購5"}},{"name":"list","weight":1,"action":{"kind":"list"}}],
    "holdout_percent":10,"window_days":10,"waves":{"every_days":14,"retouches":1},"scope":{},"points_per_yuan":100}',
  42, 'running', 'bench', now() - interval '30 days');
INSERT INTO campaign_member (campaign_id, member_id, arm)
SELECT c.id, m.id, CASE WHEN m.id % 10 = 0 THEN 'control' WHEN m.id % 2 = 1 THEN 'coupon' ELSE 'list' END
FROM campaign c, member m WHERE c.name = 'bench-report' AND m.merged_into IS NULL;
INSERT INTO campaign_occasion (campaign_id, occasion, started_at, cursor, total, done, finished_at)
SELECT c.id, o.n, now() - o.ago, (SELECT max(id) FROM member), 0, true, now() - o.ago
FROM campaign c, (VALUES (1, interval '30 days'), (2, interval '16 days')) o(n, ago) WHERE c.name = 'bench-report';
INSERT INTO campaign_touch (campaign_id, occasion, member_id, arm, status, at)
SELECT cm.campaign_id, 1, cm.member_id, cm.arm,
       CASE WHEN cm.member_id % 33 = 7 THEN 'no_consent' WHEN cm.arm = 'control' THEN 'held_out' ELSE 'touched' END, now() - interval '30 days'
FROM campaign_member cm JOIN campaign c ON c.id = cm.campaign_id WHERE c.name = 'bench-report';
-- Wave 2: those (in either arm, not excluded) who had not bought since the campaign started.
INSERT INTO campaign_touch (campaign_id, occasion, member_id, arm, status, at)
SELECT t.campaign_id, 2, t.member_id, t.arm, CASE WHEN t.arm = 'control' THEN 'held_out' ELSE 'touched' END, now() - interval '16 days'
FROM campaign_touch t JOIN campaign c ON c.id = t.campaign_id
WHERE c.name = 'bench-report' AND t.occasion = 1 AND t.status <> 'no_consent'
  AND NOT EXISTS (SELECT 1 FROM account a JOIN shop_order o ON o.account_id = a.id
                  WHERE a.member_id = t.member_id AND o.refunded_fen < o.amount_fen
                    AND o.paid_at >= now() - interval '30 days' AND o.paid_at < now() - interval '16 days');
UPDATE campaign_occasion o SET total = (SELECT count(*) FROM campaign_touch t WHERE t.campaign_id = o.campaign_id AND t.occasion = o.occasion)
FROM campaign c WHERE c.id = o.campaign_id AND c.name = 'bench-report';
INSERT INTO coupon (code, template_id, template, member_id, origin_member_id, status, source, source_ref, issued_at, valid_from, expires_at,
                    redeemed_at, discount_fen, actor)
SELECT 'BENCH-C' || t.occasion || '-' || lpad(t.member_id::text, 10, '0'), v.id, v.name, t.member_id, t.member_id,
       CASE WHEN t.member_id % 5 = 1 THEN 'redeemed' ELSE 'usable' END, 'campaign', 'campaign:' || t.campaign_id || ':' || t.occasion,
       t.at, t.at, t.at + interval '30 days', CASE WHEN t.member_id % 5 = 1 THEN t.at + interval '3 days' END,
       CASE WHEN t.member_id % 5 = 1 THEN 500 END, 'bench'
FROM campaign_touch t JOIN campaign c ON c.id = t.campaign_id JOIN coupon_template_version v ON v.name = 'bench-回購5'
WHERE c.name = 'bench-report' AND t.arm = 'coupon' AND t.status = 'touched';
UPDATE campaign_touch t SET coupon_id = cp.id FROM coupon cp
WHERE cp.source = 'campaign' AND cp.code = 'BENCH-C' || t.occasion || '-' || lpad(t.member_id::text, 10, '0') AND t.arm = 'coupon';
UPDATE coupon_template SET issued = (SELECT count(*) FROM coupon WHERE template = 'bench-回購5') WHERE name = 'bench-回購5';
UPDATE campaign SET touched = (SELECT count(*) FROM campaign_touch t WHERE t.campaign_id = campaign.id AND t.status = 'touched') WHERE name = 'bench-report';
-- A thousandth of the members merged since into the member before them (accounts move with them).
UPDATE account SET member_id = member_id - 1 WHERE member_id % 1000 = 999;
UPDATE member SET merged_into = id - 1 WHERE id % 1000 = 999;
RESET session_replication_role;
VACUUM ANALYZE;
SQL
  ended=$(date +%s.%N)
  psql -Atq -d crm_bench -c "SELECT 'campaign bench-report: ' || count(*) FILTER (WHERE occasion = 1) || ' touches in wave 1, ' || count(*) FILTER (WHERE occasion = 2)
    || ' in wave 2, ' || count(coupon_id) || ' coupons' FROM campaign_touch WHERE campaign_id = (SELECT id FROM campaign WHERE name = 'bench-report')"
  awk -v s="$started" -v e="$ended" 'BEGIN { printf "campaign written in SQL: %.0f s\n", e - s }'
  psql -q -d crm_bench -c 'CHECKPOINT' >/dev/null
  wait_autovacuum
  local report=(campaign report) i t
  for i in 1 2 3; do
    t=$( { /usr/bin/time -f '%e' "$bin/crmctl" "${report[@]}" bench-report --json >"$work/campaign-report.json"; } 2>&1 )
    echo "campaign.report $i (both waves and the total): $t s"
  done
  t=$( { /usr/bin/time -f '%e' "$bin/crmctl" "${report[@]}" bench-report --wave 2 --json >/dev/null; } 2>&1 )
  echo "campaign.report --wave 2: $t s"
  "$bin/crmctl" "${report[@]}" bench-report | sed -n '1,12p' | sed 's/^/  /'
  # The statement's plan: its text taken from the source, prepared and run under EXPLAIN ANALYZE.
  local sql id
  sql=$(awk '/static let statement = """/ { on = 1; next } on && /^ *"""/ { exit } on' Sources/CRMStorage/Campaigns/CampaignReportSQL.swift)
  id=$(psql -Atq -d crm_bench -c "SELECT id FROM campaign WHERE name = 'bench-report'")
  echo "plan of the report's statement:"
  psql -Atq -d crm_bench <<SQL | sed 's/^/  /'
SET jit = off;
PREPARE report (bigint, int, int, text[], text[]) AS $sql;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE report($id, 10, NULL, '{}', '{}');
SQL
}

# A launch over the first $1 members through crmd against a COPY of the rows it wrote.
bench_campaign_launch() {
  local n=$1
  local q=(env PGOPTIONS="-c client_min_messages=warning" psql -q -v ON_ERROR_STOP=1 -d crm_bench)
  "${q[@]}" <<SQL
SET session_replication_role = replica;
INSERT INTO tag (name, tag_group, created_by) VALUES ('bench-campaign', '偏好', 'bench') ON CONFLICT DO NOTHING;
INSERT INTO member_tag (member_id, tag_id, source, actor)
SELECT m.id, t.id, 'manual', 'bench' FROM (SELECT id FROM member WHERE merged_into IS NULL ORDER BY id LIMIT $n) m, tag t
WHERE t.name = 'bench-campaign' ON CONFLICT DO NOTHING;
INSERT INTO marketing_consent (member_id, channel, granted, source, actor)
SELECT id, 'sms', true, 'bench', 'bench' FROM (SELECT id FROM member WHERE merged_into IS NULL ORDER BY id LIMIT $n) m WHERE id % 33 <> 7
ON CONFLICT DO NOTHING;
RESET session_replication_role;
VACUUM ANALYZE member_tag, marketing_consent;
SQL
  echo '{"tags": {"any": ["bench-campaign"]}}' >"$work/campaign-segment.json"
  "$bin/crmctl" segment save bench-campaign "$work/campaign-segment.json" >/dev/null
  "$bin/crm-bench" rpc --server "127.0.0.1:$port" --method campaign.create \
    --params '{"name": "bench-launch", "segment": "bench-campaign", "action": {"kind": "notice", "message": "好久不見，回來看看新品"}}' >/dev/null
  psql -q -d crm_bench -c 'CHECKPOINT' >/dev/null
  wait_autovacuum
  local l0 l1
  l0=$(date +%s.%N)
  "$bin/crmctl" campaign launch bench-launch >"$work/launch.out" 2>"$work/launch.err" || { cat "$work/launch.out" "$work/launch.err" >&2; exit 1; }
  l1=$(date +%s.%N)
  tail -n 3 "$work/launch.out" | sed 's/^/launch: /'
  local id rows
  id=$(psql -Atq -d crm_bench -c "SELECT id FROM campaign WHERE name = 'bench-launch'")
  rows=$(psql -Atq -d crm_bench -c "SELECT count(*) FROM campaign_touch WHERE campaign_id = $id")
  # The ceiling: the same rows COPYed into scratch tables with the same columns, checks, indexes and
  # foreign keys (the notices first, the touches pointing at them last).
  "${q[@]}" <<SQL
DROP TABLE IF EXISTS scratch_campaign_touch, scratch_campaign_member, scratch_member_notice;
CREATE TABLE scratch_member_notice (LIKE member_notice INCLUDING ALL);
CREATE TABLE scratch_campaign_member (LIKE campaign_member INCLUDING ALL);
CREATE TABLE scratch_campaign_touch (LIKE campaign_touch INCLUDING ALL);
ALTER TABLE scratch_member_notice ADD FOREIGN KEY (member_id) REFERENCES member (id);
ALTER TABLE scratch_campaign_member ADD FOREIGN KEY (campaign_id) REFERENCES campaign (id), ADD FOREIGN KEY (member_id) REFERENCES member (id);
ALTER TABLE scratch_campaign_touch ADD FOREIGN KEY (campaign_id, occasion) REFERENCES campaign_occasion (campaign_id, occasion),
  ADD FOREIGN KEY (member_id) REFERENCES member (id), ADD FOREIGN KEY (notice_id) REFERENCES scratch_member_notice (id);
\copy (SELECT n.* FROM member_notice n JOIN campaign_touch t ON t.notice_id = n.id WHERE t.campaign_id = $id) TO '$work/notice.copy'
\copy (SELECT * FROM campaign_member WHERE campaign_id = $id) TO '$work/cmember.copy'
\copy (SELECT * FROM campaign_touch WHERE campaign_id = $id) TO '$work/touch.copy'
SQL
  psql -q -d crm_bench -c 'CHECKPOINT' >/dev/null
  wait_autovacuum
  local c0 c1
  c0=$(date +%s.%N)
  "${q[@]}" <<SQL
BEGIN;
\copy scratch_member_notice FROM '$work/notice.copy'
\copy scratch_campaign_member FROM '$work/cmember.copy'
\copy scratch_campaign_touch FROM '$work/touch.copy'
COMMIT;
SQL
  c1=$(date +%s.%N)
  awk -v l0="$l0" -v l1="$l1" -v c0="$c0" -v c1="$c1" -v n="$rows" 'BEGIN {
    printf "launch through crmd (crmctl campaign launch): %d touch rows in %.1f s = %.0f rows/s\n", n, l1 - l0, n / (l1 - l0)
    printf "copy ceiling (members, touches, notices): %.1f s = %.0f rows/s; ratio %.3f\n", c1 - c0, n / (c1 - c0), (c1 - c0) / (l1 - l0)
  }'
  "${q[@]}" -c 'DROP TABLE scratch_campaign_touch, scratch_campaign_member, scratch_member_notice'
}
