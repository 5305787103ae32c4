# Sourced by scripts/bench: `scripts/bench addresses`. Address keywords over sealed addresses, the two
# ways the issue asks to compare: the n-gram hashes crmd compares in SQL (a segment preview through
# crmd), and every sealed address opened and searched the way crmd would have to (crm-bench sealed
# match over the rows streamed from PostgreSQL), against the statement before addresses were sealed
# (strpos over a plain copy of the same addresses) in the same run.

# Loads members with sealed addresses (and plain copies in bench_plain): load_sealed_members MEMBERS.
load_sealed_members() {
  local started
  started=$(date +%s.%N)
  psql -q -v ON_ERROR_STOP=1 -d crm_bench <<SQL
CREATE TABLE bench_plain AS
SELECT g AS id, (ARRAY['浙江 杭州', '上海', '北京', '廣東 廣州', '江蘇 南京', '四川 成都'])[1 + g % 6] AS region,
       (ARRAY['杭州市西湖區文三路', '上海市浦東新區陸家嘴', '北京市朝陽區建國路', '廣州市天河區體育西路', '南京市鼓樓區中山路', '成都市武侯區'])[1 + g % 6]
         || (g % 999) || '號' || (ARRAY['華星大廈', '', '中國銀行', '浙江大學', '', '科技中心', '', '', '小區'])[1 + (g / 7) % 9] AS address
FROM generate_series(1::bigint, $1) g;
SQL
  psql -q -d crm_bench -c "\copy (SELECT id, address FROM bench_plain ORDER BY id) TO STDOUT" \
    | "$bin/crm-bench" sealed seal --key-file "$CRM_KEY_FILE" >"$work/sealed.tsv"
  psql -q -v ON_ERROR_STOP=1 -d crm_bench <<SQL
CREATE TEMP TABLE sealed (id bigint, master text, wrapped bytea, address text, grams bigint[]);
\copy sealed FROM '$work/sealed.tsv'
SET session_replication_role = replica;
INSERT INTO member (id, region, address_sealed, key_id, address_grams, created_at) OVERRIDING SYSTEM VALUE
SELECT p.id, p.region, s.address, s.id, s.grams, now() - (p.id % 1000) * interval '1 day' FROM bench_plain p JOIN sealed s ON s.id = p.id;
INSERT INTO data_key (id, member_id, master_key_id, wrapped) OVERRIDING SYSTEM VALUE SELECT id, id, master, wrapped FROM sealed;
SELECT setval(pg_get_serial_sequence('member', 'id'), (SELECT max(id) FROM member)) \g /dev/null
SELECT setval(pg_get_serial_sequence('data_key', 'id'), (SELECT max(id) FROM data_key)) \g /dev/null
RESET session_replication_role;
VACUUM ANALYZE;
SQL
  rm -f "$work/sealed.tsv"
  awk -v s="$started" -v e="$(date +%s.%N)" -v n="$1" -v size="$(psql -Atq -d crm_bench -c "SELECT pg_size_pretty(pg_database_size('crm_bench'))")" \
    'BEGIN { printf "loaded and sealed: %d members in %.0f s, database %s\n", n, e - s, size }'
}

# Seconds to open every sealed address a query selects and count those holding a keyword, the way crmd
# would (crm-bench sealed match; its count in $work/out): open_and_match KEYWORD SELECT.
open_and_match() {
  local started
  started=$(date +%s.%N)
  psql -q -d crm_bench -c "\\copy ($2) TO STDOUT" | "$bin/crm-bench" sealed match --key-file "$CRM_KEY_FILE" --keyword "$1" >"$work/out"
  awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }'
}

bench_addresses() {
  local members=1000000
  while [ $# -gt 0 ]; do
    case "$1" in
      --members) members=$2; shift 2 ;;
      *) echo "unknown addresses option: $1" >&2; exit 64 ;;
    esac
  done
  export CRM_SERVER=127.0.0.1:$port CRM_TOKEN=$CRM_ADMIN_TOKEN
  load_sealed_members "$members"
  wait_autovacuum
  # Seconds of a command (its output to $work/out).
  timed() { /usr/bin/time -f '%e' "$@" 2>&1 >"$work/out" | tail -n 1; }
  local keyword n=0 name t base best_base best_grams exact count grams opened all confirm best
  # A reference: a preview through crmd of a plain condition (region, strpos over the plain column) on
  # the same members, for what crmd and crmctl add to any preview beside the statement.
  echo '{"region": ["浙江"]}' >"$work/filter.json"
  "$bin/crmctl" segment save region "$work/filter.json" >/dev/null
  best=
  for _ in 1 2 3; do
    t=$(timed "$bin/crmctl" segment preview region --sample 10 --json)
    best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (a == "" || b < a) ? b : a }')
  done
  echo "reference: preview of a plain region condition through crmd: $(sed -n 's/.*"count":\([0-9]*\).*/\1/p' "$work/out") members in $best s"
  for keyword in 浙江大學 陸家嘴 西湖區文三路12號; do
    n=$((n + 1)); name=address$n
    printf '{"address": {"keywords": ["%s"]}}' "$keyword" >"$work/filter.json"
    "$bin/crmctl" segment save "$name" "$work/filter.json" >/dev/null
    best_base=; best_grams=
    for _ in 1 2 3; do
      t=$(timed psql -Atq -d crm_bench -c "SELECT count(*) FROM bench_plain WHERE strpos(address, '$keyword') > 0")
      exact=$(cat "$work/out")
      best_base=$(awk -v a="$best_base" -v b="$t" 'BEGIN { print (a == "" || b < a) ? b : a }')
      t=$(timed "$bin/crmctl" segment preview "$name" --sample 10 --json)
      count=$(sed -n 's/.*"count":\([0-9]*\).*/\1/p' "$work/out")
      best_grams=$(awk -v a="$best_grams" -v b="$t" 'BEGIN { print (a == "" || b < a) ? b : a }')
    done
    grams=$("$bin/crm-bench" sealed grams --key-file "$CRM_KEY_FILE" --keyword "$keyword")
    local select="SELECT m.id, m.address_sealed, k.id, k.master_key_id, k.wrapped FROM member m JOIN data_key k ON k.id = m.key_id WHERE m.merged_into IS NULL AND m.address_sealed IS NOT NULL"
    all=$(open_and_match "$keyword" "$select")
    opened=$(cat "$work/out")
    confirm=$(open_and_match "$keyword" "$select AND m.address_grams @> '$grams'")
    awk -v k="$keyword" -v exact="$exact" -v count="$count" -v base="$best_base" -v g="$best_grams" -v all="$all" -v opened="$opened" \
        -v confirm="$confirm" -v confirmed="$(cat "$work/out")" 'BEGIN {
      printf "keyword %s: %d members hold it (plain strpos); n-gram hashes select %d (%d false positives)\n", k, exact, count, count - exact
      printf "  raw SQL baseline (strpos over plain addresses): %.2f s\n", base
      printf "  preview through crmd, n-gram hashes in SQL:      %.2f s  ratio %.1f\n", g, g / base
      printf "  every address opened and searched:              %.2f s  ratio %.1f  (%s)\n", all, all / base, opened
      printf "  hashes, then their candidates opened:           %.2f s  ratio %.1f  (%s)\n", confirm, confirm / base, confirmed
    }'
  done
  echo "plan of the first preview's statement:"
  "$bin/crm-bench" rpc --server "127.0.0.1:$port" --method segment.preview --params '{"name": "address1", "explain": true}' 2>/dev/null \
    | sed -n 's/.*"plan":"\(.*\)".*/\1/p' | sed 's/\\n/\n/g; s/\\"/"/g' | sed 's/^/  /' || true
}
