# shellcheck shell=bash
# `scripts/bench ingest --instances N` (sourced by scripts/bench, which provides $bin, $port, $work, the
# fresh crm_bench database and a crmd on it): the same generated merchant pushed twice, each time into
# a fresh database of the same schema: through the one crmd, then through N crmd on another database
# (ports $port+1…$port+N), the agents given to the instances in turn, straight (no load balancer). A
# shop per agent, 2N shops (at least 3) so the instances get as many agents each. Events/s of each, the
# CPU crmd and PostgreSQL used (PostgreSQL's only when this script started it), and the ratio.
#   bench_ingest_instances PEOPLE BATCH IN-FLIGHT INSTANCES
bench_ingest_instances() {
  local people=$1 batch=$2 inflight=$3 instances=$4
  local shops=$((2 * instances > 3 ? 2 * instances : 3))
  local data=$work/data
  "$bin/crm-bench" generate --people "$people" --shops "$shops" --out "$data" | sed 's/^/generated: /'
  PGOPTIONS='-c client_min_messages=warning' psql -q -d postgres -c 'DROP DATABASE IF EXISTS crm_bench_n' -c 'CREATE DATABASE crm_bench_n' >&2
  local pids=("$crmd_pid") i
  for i in $(seq 1 "$instances"); do
    CRM_LOG_LEVEL=warning "$bin/crmd" serve --database-url dbname=crm_bench_n --listen "127.0.0.1:$((port + i))" >"$work/crmd$i.log" 2>&1 &
    pids+=($!)
    # The first one migrates; the others start on the migrated schema.
    until "$bin/crm-bench" health --server "127.0.0.1:$((port + i))" --connections 1 --seconds 0.1 >/dev/null 2>&1; do
      kill -0 "${pids[$i]}" 2>/dev/null || { cat "$work/crmd$i.log" >&2; exit 1; }
      sleep 0.2
    done
  done
  local one many
  one=$(instances_push one "${pids[0]}" "$port")
  local ports=()
  for i in $(seq 1 "$instances"); do ports+=($((port + i))); done
  many=$(instances_push many "${pids[*]:1}" "${ports[@]}")
  for i in $(seq 1 "$instances"); do kill -TERM "${pids[$i]}" 2>/dev/null && { wait "${pids[$i]}" 2>/dev/null || true; }; done
  local n_one n_many
  n_one=$(psql -Atq -d crm_bench -c 'SELECT count(*) FROM sync_event')
  n_many=$(psql -Atq -d crm_bench_n -c 'SELECT count(*) FROM sync_event')
  [ "$n_one" = "$n_many" ] || { echo "the two databases hold different events: $n_one and $n_many" >&2; exit 1; }
  echo "$one" | awk -v n="$n_one" -v many="$many" -v k="$instances" -v shops="$shops" '
    { split(many, m, " ")
      printf "one crmd: %d events in %.1f s = %.0f events/s (CPU: crmd %.0f s, PostgreSQL %.0f s)\n", n, $1, n / $1, $2, $3
      printf "%d crmd (%d agents given to the instances in turn, no load balancer): %d events in %.1f s = %.0f events/s (CPU: crmd %.0f s, PostgreSQL %.0f s)\n", k, shops, n, m[1], n / m[1], m[2], m[3]
      printf "ratio: %d crmd / one = %.2f\n", k, $1 / m[1] }'
}

# Pushes every shop through the instances on PORTS (agent k to the k-th port, in turn) and prints
# "seconds crmd-cpu-seconds postgres-cpu-seconds".
#   instances_push TAG "CRMD-PIDS" PORT…
instances_push() {
  local tag=$1 crmd_pids=$2
  shift 2
  local ports=("$@") agents=() k=0 dir shop server
  local hz c0 p0 started ended
  hz=$(getconf CLK_TCK)
  c0=$(instances_ticks $crmd_pids) p0=$(instances_pg_ticks)
  started=$(date +%s.%N)
  for dir in "$work"/data/sh*/; do
    shop=$(basename "$dir")
    server=127.0.0.1:${ports[$((k % ${#ports[@]}))]}
    k=$((k + 1))
    CRM_SERVER=$server CRM_TOKEN=$CRM_ADMIN_TOKEN "$bin/crmctl" shop create "$shop" >/dev/null
    CRM_SERVER=$server CRM_TOKEN=$(CRM_SERVER=$server CRM_TOKEN=$CRM_ADMIN_TOKEN "$bin/crmctl" token create --role agent --shop "$shop" 2>/dev/null) \
      "$bin/store-sync" push --shop "$shop" --source "$work/data/$shop" --batch-size "$batch" --in-flight "$inflight" \
      --checkpoint "$work/$tag-$shop.checkpoint" --rejects "$work/$tag-$shop.rejects" >"$work/$tag-$shop.out" 2>"$work/$tag-$shop.err" &
    agents+=($!)
  done
  for k in "${agents[@]}"; do wait "$k" || { cat "$work/$tag"-*.err >&2; exit 1; }; done
  ended=$(date +%s.%N)
  awk -v s="$started" -v e="$ended" -v c="$(( $(instances_ticks $crmd_pids) - c0 ))" -v p="$(( $(instances_pg_ticks) - p0 ))" -v hz="$hz" \
    'BEGIN { printf "%.3f %.1f %.1f\n", e - s, c / hz, p / hz }'
}

# CPU ticks (user + system, children included) of the processes named.
instances_ticks() {
  local t=0 p
  for p in "$@"; do t=$((t + $(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$p/stat" 2>/dev/null || echo 0))); done
  echo "$t"
}

# Of the throwaway cluster: the postmaster and its backends (0 when PGHOST named another server).
instances_pg_ticks() {
  local pm
  pm=$(head -n 1 "${CRM_PG_TMP:-/nonexistent}/data/postmaster.pid" 2>/dev/null) || { echo 0; return; }
  # shellcheck disable=SC2046
  instances_ticks "$pm" $(pgrep -P "$pm")
}
