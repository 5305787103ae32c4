# shellcheck shell=bash
# `scripts/bench coupons` (sourced by scripts/bench, which provides $bin, $port, $work, the crm_bench
# database and a running crmd): a coupon template issued through crmd to a saved segment of N members
# (coupon.issue batch after batch: the snapshot, per-member limits, budget, codes, events, notices),
# against a COPY of the same rows into scratch tables of the same shape (the ceiling), and the ratio.
#   bench_coupon_issue [--members N (default 500000)] [--batch N (default 5000)]
# Members already in crm_bench (e.g. loaded by another benchmark) are used; missing ones are made in SQL.
bench_coupon_issue() {
  local members=500000 batch=5000
  while [ $# -gt 0 ]; do
    case "$1" in
      --members) members=$2; shift 2 ;;
      --batch) batch=$2; shift 2 ;;
      *) echo "unknown coupons option: $1" >&2; exit 64 ;;
    esac
  done
  export CRM_SERVER=127.0.0.1:$port CRM_TOKEN=$CRM_ADMIN_TOKEN
  local q=(env PGOPTIONS="-c client_min_messages=warning" psql -q -v ON_ERROR_STOP=1 -d crm_bench)
  # The segment: the first N live members by id, tagged straight in SQL, as a saved segment of that tag.
  "${q[@]}" <<SQL
SET session_replication_role = replica;
INSERT INTO member (name_sealed, region)
SELECT '券會員' || g, '浙江 杭州' FROM generate_series(1, GREATEST(0, $members - (SELECT count(*) FROM member WHERE merged_into IS NULL))) g;
INSERT INTO tag (name, tag_group, created_by) VALUES ('bench-coupon', '偏好', 'bench') ON CONFLICT DO NOTHING;
INSERT INTO member_tag (member_id, tag_id, source, actor)
SELECT m.id, t.id, 'manual', 'bench'
FROM (SELECT id FROM member WHERE merged_into IS NULL ORDER BY id LIMIT $members) m, tag t WHERE t.name = 'bench-coupon' ON CONFLICT DO NOTHING;
RESET session_replication_role;
VACUUM ANALYZE member, member_tag;
SQL
  echo '{"tags": {"any": ["bench-coupon"]}}' >"$work/coupon-segment.json"
  "$bin/crmctl" segment save bench-coupon "$work/coupon-segment.json" >/dev/null
  "$bin/crmctl" coupon template add bench-滿100減5 --amount 5.00 --min-spend 100.00 --valid-days 30 >/dev/null
  psql -q -d crm_bench -c 'CHECKPOINT' >/dev/null
  wait_autovacuum
  "$bin/crm-bench" coupon-issue --server "127.0.0.1:$port" --template bench-滿100減5 --segment bench-coupon --batch "$batch" --json >"$work/issue.json"
  local run seconds issued
  run=$(sed -n 's/.*"run_id":\([0-9]*\).*/\1/p' "$work/issue.json")
  seconds=$(sed -n 's/.*"seconds":\([0-9.]*\).*/\1/p' "$work/issue.json")
  issued=$(sed -n 's/.*"issued":\([0-9]*\).*/\1/p' "$work/issue.json")
  echo "crmd: $(cat "$work/issue.json")"
  # The ceiling: the rows the run left (its coupons; then with their events and notices) COPYed into
  # scratch tables with the same columns, checks, indexes and foreign keys. (crmd also wrote, and
  # dropped when done, the segment's member list.)
  "${q[@]}" <<SQL
DROP TABLE IF EXISTS scratch_coupon, scratch_coupon_event, scratch_member_notice;
CREATE TABLE scratch_coupon (LIKE coupon INCLUDING ALL);
CREATE TABLE scratch_coupon_event (LIKE coupon_event INCLUDING ALL);
CREATE TABLE scratch_member_notice (LIKE member_notice INCLUDING ALL);
-- The same foreign keys as the real tables: the ceiling pays their checks too.
ALTER TABLE scratch_coupon ADD FOREIGN KEY (template_id) REFERENCES coupon_template_version (id),
    ADD FOREIGN KEY (template) REFERENCES coupon_template (name), ADD FOREIGN KEY (member_id) REFERENCES member (id),
    ADD FOREIGN KEY (origin_member_id) REFERENCES member (id), ADD FOREIGN KEY (redeemed_shop_id) REFERENCES shop (id),
    ADD FOREIGN KEY (redeemed_order_id) REFERENCES order_key (order_id);
ALTER TABLE scratch_coupon_event ADD FOREIGN KEY (coupon_id) REFERENCES scratch_coupon (id), ADD FOREIGN KEY (member_id) REFERENCES member (id);
ALTER TABLE scratch_member_notice ADD FOREIGN KEY (member_id) REFERENCES member (id);
\copy (SELECT * FROM coupon WHERE source = 'segment' AND source_ref = '$run') TO '$work/coupon.copy'
\copy (SELECT e.* FROM coupon_event e JOIN coupon c ON c.id = e.coupon_id WHERE c.source = 'segment' AND c.source_ref = '$run') TO '$work/coupon_event.copy'
\copy (SELECT n.* FROM member_notice n WHERE n.kind = 'coupon_issued' AND n.body->>'template' = 'bench-滿100減5') TO '$work/member_notice.copy'
SQL
  psql -q -d crm_bench -c 'CHECKPOINT' >/dev/null
  wait_autovacuum
  local c0 c1 a1
  c0=$(date +%s.%N)
  "${q[@]}" -c "\\copy scratch_coupon FROM '$work/coupon.copy' WITH (FORMAT text)"
  c1=$(date +%s.%N)
  "${q[@]}" <<SQL
BEGIN;
\copy scratch_coupon_event FROM '$work/coupon_event.copy'
\copy scratch_member_notice FROM '$work/member_notice.copy'
COMMIT;
SQL
  a1=$(date +%s.%N)
  awk -v t="$seconds" -v n="$issued" -v c0="$c0" -v c1="$c1" -v a1="$a1" 'BEGIN {
    printf "coupon issue through crmd: %d coupons in %.1f s = %.0f coupons/s\n", n, t, n / t
    printf "copy ceiling (coupon rows only): %.1f s = %.0f rows/s; ratio %.3f\n", c1 - c0, n / (c1 - c0), (c1 - c0) / t
    printf "copy ceiling (coupons, events, notices): %.1f s; ratio %.3f\n", a1 - c0, (a1 - c0) / t
  }'
  "${q[@]}" -c 'DROP TABLE scratch_coupon_event, scratch_member_notice, scratch_coupon'
  "$bin/crmctl" verify >/dev/null && echo "verify: ok" || echo "verify: FAILED"
}
