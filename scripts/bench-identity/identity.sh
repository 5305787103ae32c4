# Sourced by scripts/bench: `scripts/bench identity`. Identity resolution measured against ground
# truth, this tree against the code before the probabilistic model (issue 19) in the same run.
#
# `crm-bench identity-generate` makes a training set (seed S, people 1..N) and a held-out set (seed
# S+1, people N+1..2N): Chinese person records with typos, Traditional spellings, pinyin, swapped or
# missing fields, moved house, changed phones and families, and truth.tsv. For each side — `base`,
# the revision named by --base, checked out under .build-bench-base/ and built in release mode there
# (kept for later runs), and `model`, this tree — a fresh database and that side's crmd: the training
# set pushed by store-sync (one agent per shop, timed), then on the model side `crmctl identity train
# --seed S` when this tree's crmctl has it (the mode run is printed), then the held-out set pushed
# (timed). No rescan: the held-out records are merged or queued as ingest decides. The held-out
# records are then scored against the truth (scripts/bench-identity/evaluate.py): pairwise precision,
# recall and F1 of automatic merges and of the open review queue, the review items touching them,
# the true pairs left neither merged nor queued, and both sides' events/s with their ratio.
#
# --phones SHARE (default 0: no record carries a phone or an e-mail, the issue's benchmark) gives that
# share of records a phone. 889aa43's crmd stops on such data (a precondition in KeyMergeBatch.merge:
# a new account merged by a fuzzy match with another new account of the same push, whose phone then
# leads to a known member), so a share above 0 needs a base with that fixed.

bench_identity() {
  # Default base: main's HEAD when the work on issue 19 began (the fuzzy matcher with hand weights).
  local base=889aa43 people=5000 seed=1 phones=0 sides="base model" out=
  while [ $# -gt 0 ]; do
    case "$1" in
      --base) base=$2; shift 2 ;;
      --people) people=$2; shift 2 ;;
      --seed) seed=$2; shift 2 ;;
      --phones) phones=$2; shift 2 ;;
      --sides) sides=$2; shift 2 ;;  # "base", "model" or both (a side measured again into --out)
      --out) out=$2; shift 2 ;;
      *) echo "unknown identity option: $1" >&2; exit 64 ;;
    esac
  done
  [ -n "$out" ] || out=$(mktemp -d /tmp/crm-bench-identity.XXXXXX)
  mkdir -p "$out"
  # The crmd scripts/bench started on crm_bench is not used: each side starts its own.
  kill -TERM "$crmd_pid" 2>/dev/null && wait "$crmd_pid" 2>/dev/null
  crmd_pid=

  local here tree base_bin=
  here=$(pwd)
  tree=$here/.build-bench-base/$base
  # The base revision is checked out and built only when its side is measured.
  if [[ " $sides " == *" base "* ]]; then
    if [ ! -d "$tree" ]; then
      git worktree add --detach "$tree" "$base" >&2
    fi
    # The same dependency versions as this tree (Package.resolved is not in the repository).
    [ -e Package.resolved ] && [ ! -e "$tree/Package.resolved" ] && cp Package.resolved "$tree/"
    crm_log "identity: building $base in release mode in $tree (long the first time)"
    local product
    for product in crmd store-sync crmctl; do (cd "$tree" && swift build -c release --product "$product" >&2); done
    base_bin=$(cd "$tree" && swift build -c release --show-bin-path)
  fi

  "$bin/crm-bench" identity-generate --people "$people" --seed "$seed" --phones "$phones" --first-person 1 --out "$out/training" \
    | sed 's/^/generated training: /'
  "$bin/crm-bench" identity-generate --people "$people" --seed $((seed + 1)) --phones "$phones" --first-person $((people + 1)) \
    --out "$out/held-out" | sed 's/^/generated held-out: /'

  local side
  for side in $sides; do
    case "$side" in
      base) identity_side base "$base_bin" "$out" "$seed" ;;
      model) identity_side model "$bin" "$out" "$seed" ;;
      *) echo "unknown side: $side (base or model)" >&2; exit 64 ;;
    esac
  done
  python3 scripts/bench-identity/evaluate.py "$out" "$base" "$people" "$seed" "$phones"
  echo "(each side's files: $out)"
}

# One side: identity_side NAME BIN OUT SEED. A fresh database, that side's crmd, the training set,
# training when the side can, the held-out set; what the evaluation needs copied out of the database.
identity_side() {
  local side=$1 side_bin=$2 out=$3 seed=$4
  local db=crm_identity_$side
  PGOPTIONS='-c client_min_messages=warning' psql -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >&2
  CRM_LOG_LEVEL=warning "$side_bin/crmd" serve --database-url "dbname=$db" --listen "127.0.0.1:$port" 2>"$out/$side-crmd.log" &
  crmd_pid=$!
  until "$bin/crm-bench" health --server "127.0.0.1:$port" --connections 1 --seconds 0.1 >/dev/null 2>&1; do
    kill -0 "$crmd_pid" 2>/dev/null || { cat "$out/$side-crmd.log" >&2; echo "crmd ($side) exited" >&2; exit 1; }
    sleep 0.2
  done
  export CRM_SERVER=127.0.0.1:$port CRM_TOKEN=$CRM_ADMIN_TOKEN
  local shop
  for shop in sh01 sh02 sh03; do "$side_bin/crmctl" shop create "$shop" >/dev/null; done

  crm_log "identity: $side: pushing the training set"
  identity_push "$side" "$side_bin" "$out" training
  local mode="not trained: this tree's crmctl has no 'identity train' yet, so its current rules ran"
  [ "$side" = base ] && mode="today's rules"
  # crmctl answers --help after an unknown subcommand with its general help: `train` exists when its own help names --seed.
  if [ "$side" = model ] && "$side_bin/crmctl" identity train --help 2>&1 | grep -q -- '--seed'; then
    crm_log "identity: model: crmctl identity train --seed $seed"
    local started ended
    started=$(date +%s.%N)
    "$side_bin/crmctl" identity train --seed "$seed" >"$out/model-train.out" 2>"$out/model-train.err" \
      || { tail -20 "$out/model-train.err" >&2; exit 1; }
    ended=$(date +%s.%N)
    "$side_bin/crmctl" identity model >"$out/model-parameters.txt" 2>&1 || true
    mode=$(awk -v s="$started" -v e="$ended" -v seed="$seed" 'BEGIN { printf "trained: crmctl identity train --seed %s in %.1f s", seed, e - s }')
  fi
  echo "$mode" >"$out/$side-mode.txt"
  crm_log "identity: $side: pushing the held-out set"
  identity_push "$side" "$side_bin" "$out" held-out

  identity_copy_out "$db" "$out" "$side"
  # Re-resolution: the model side's members rescanned with the trained model, and measured again.
  if [ "$side" = model ] && "$side_bin/crmctl" identity rescan --help 2>&1 | grep -q -- '--batch'; then
    crm_log "identity: model: crmctl identity rescan"
    local started ended
    started=$(date +%s.%N)
    "$side_bin/crmctl" identity rescan >"$out/rescan.out" 2>"$out/rescan.err" || { tail -20 "$out/rescan.err" >&2; exit 1; }
    ended=$(date +%s.%N)
    awk -v s="$started" -v e="$ended" 'BEGIN { printf "after crmctl identity rescan (%.1f s)\n", e - s }' >"$out/rescan-mode.txt"
    identity_copy_out "$db" "$out" rescan
  fi
  kill -TERM "$crmd_pid" 2>/dev/null && wait "$crmd_pid" 2>/dev/null
  crmd_pid=
}

# What the evaluation needs of one side's database, as OUT/NAME-*.tsv: accounts with their member,
# open review items, merged members (to follow a review item's member to the one it now lives in),
# and merges by rule. identity_copy_out DB OUT NAME
identity_copy_out() {
  local db=$1 out=$2 side=$3
  psql -q -v ON_ERROR_STOP=1 -d "$db" <<SQL
\\copy (SELECT s.code, a.channel, a.external_id, a.member_id FROM account a JOIN shop s ON s.id = a.shop_id) TO '$out/$side-accounts.tsv'
\\copy (SELECT member_a, member_b, score FROM review_item WHERE status = 'open') TO '$out/$side-review.tsv'
\\copy (SELECT id, merged_into FROM member WHERE merged_into IS NOT NULL) TO '$out/$side-merged.tsv'
\\copy (SELECT rule, count(*) FROM merge_record WHERE undone_at IS NULL GROUP BY rule ORDER BY 2 DESC) TO '$out/$side-rules.tsv'
SQL
  # The model in force (none on a base without identity_model), for crm-bench identity-explain.
  if [ "$(psql -Atq -d "$db" -c "SELECT to_regclass('identity_model') IS NOT NULL")" = t ]; then
    psql -Atq -v ON_ERROR_STOP=1 -d "$db" -c 'SELECT parameters FROM identity_model ORDER BY version DESC LIMIT 1' >"$out/$side-model.json"
  fi
}

# Pushes one generated set through one store-sync agent per shop, in parallel, and writes the
# events applied and the seconds taken to OUT/SIDE-SET.rate: identity_push SIDE BIN OUT SET.
identity_push() {
  local side=$1 side_bin=$2 out=$3 set=$4
  local shop pids=() started ended
  psql -q -d "crm_identity_$side" -c 'CHECKPOINT' >/dev/null
  wait_autovacuum
  started=$(date +%s.%N)
  for shop in sh01 sh02 sh03; do
    CRM_TOKEN=$("$side_bin/crmctl" token create --role agent --shop "$shop" 2>/dev/null) \
      "$side_bin/store-sync" push --shop "$shop" --source "$out/$set/$shop" --checkpoint "$out/$side-$set-$shop.checkpoint" \
      --batch-size 1000 --in-flight 4 >"$out/$side-$set-$shop.out" 2>"$out/$side-$set-$shop.err" &
    pids+=($!)
  done
  # An agent retries a crmd that went away for minutes: stop at once when it did, with what crmd said.
  local pid
  while [ -n "$(jobs -rp | grep -Fx -f <(printf '%s\n' "${pids[@]}"))" ]; do
    if ! kill -0 "$crmd_pid" 2>/dev/null; then
      kill "${pids[@]}" 2>/dev/null
      # What stopped it and where: the failure line and the crashed thread's first frames in crmd.
      grep -a -m 1 -E 'runtime failure|Precondition failed|Fatal error' "$out/$side-crmd.log" >&2
      grep -a -A 4 ' crashed:' "$out/$side-crmd.log" | grep -a -m 2 ' in crmd at ' >&2
      echo "crmd ($side) stopped while the $set set was pushed; its log: $out/$side-crmd.log" >&2
      exit 1
    fi
    sleep 0.2
  done
  for pid in "${pids[@]}"; do wait "$pid" || { cat "$out/$side-$set"-*.err >&2; exit 1; }; done
  ended=$(date +%s.%N)
  if grep -q -v '^done: ' <(tail -q -n 1 "$out/$side-$set"-sh0*.out); then
    cat "$out/$side-$set"-sh0*.out "$out/$side-$set"-*.err >&2
    echo "an agent did not finish the $set set ($side)" >&2
    exit 1
  fi
  local events
  events=$(cat "$out/$side-$set"-sh0*.out | sed -n 's/.*applied=\([0-9]*\).*/\1/p' | awk '{ n += $1 } END { print n + 0 }')
  awk -v s="$started" -v e="$ended" -v n="$events" 'BEGIN { printf "%d %.3f\n", n, e - s }' >"$out/$side-$set.rate"
}
