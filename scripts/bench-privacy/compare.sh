# Sourced by scripts/bench: `scripts/bench privacy`. The cost of sealing personal data, measured
# against the code before it in the same run: the revision named by --base (default: the last commit
# before personal data was sealed) is checked out into a worktree under .build-bench-base/ and built
# there (kept for later runs), then each tree's own `scripts/bench ingest` and `scripts/bench checkout`
# run one after the other on this machine, each with its own throwaway PostgreSQL, and the figures
# are printed side by side with their ratios.

bench_privacy() {
  local base=4ef9e57 people=100000 members=1000000 seconds=5 sides="base sealed" out=$work/privacy
  while [ $# -gt 0 ]; do
    case "$1" in
      --sides) sides=$2; shift 2 ;;  # "base", "sealed" or both: a side measured again into --out
      --out) out=$2; shift 2 ;;
      --base) base=$2; shift 2 ;;
      --people) people=$2; shift 2 ;;
      --members) members=$2; shift 2 ;;
      --seconds) seconds=$2; shift 2 ;;
      *) echo "unknown privacy option: $1" >&2; exit 64 ;;
    esac
  done
  local here tree
  here=$(pwd)
  tree=$here/.build-bench-base/$base
  mkdir -p "$out"
  if [ ! -d "$tree" ]; then
    git worktree add --detach "$tree" "$base" >&2
  fi
  for side in $sides; do
    local dir=$here
    [ "$side" = base ] && dir=$tree
    crm_log "privacy: ingest of $people people with the $side code ($dir)"
    (cd "$dir" && env -u CRM_KEY_FILE scripts/bench ingest --people "$people") >"$out/ingest-$side.txt" 2>"$out/ingest-$side.err" \
      || { tail -20 "$out/ingest-$side.err" >&2; exit 1; }
    crm_log "privacy: member.get at $members members with the $side code"
    (cd "$dir" && env -u CRM_KEY_FILE scripts/bench checkout --members "$members" --seconds "$seconds") >"$out/checkout-$side.txt" 2>"$out/checkout-$side.err" \
      || { tail -20 "$out/checkout-$side.err" >&2; exit 1; }
  done
  privacy_report "$out"
}

# The figures of both sides from their outputs: events/s of the ingest, and member.get's p50 and
# p99 at each connection count.
privacy_report() {
  local out=$1
  python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
def text(name): return open(f"{out}/{name}").read()
def rate(side):
    m = re.search(r"([\d,.]+) events/s", text(f"ingest-{side}.txt"))
    return float(m.group(1).replace(",", "")) if m else None
def gets(side):
    rows = {}
    for m in re.finditer(r"connections=(\d+).*?member\.get: ([^|]*)", text(f"checkout-{side}.txt")):
        p50 = re.search(r"p50=([\d.]+)", m.group(2)); p99 = re.search(r"p99=([\d.]+)", m.group(2))
        rows[int(m.group(1))] = (float(p50.group(1)), float(p99.group(1))) if p50 and p99 else None
    return rows
b, s = rate("base"), rate("sealed")
if b and s:
    print(f"ingest: {b:,.0f} events/s before, {s:,.0f} sealed: {s / b:.3f}x ({(1 - s / b) * 100:+.1f} % slower)")
gb, gs = gets("base"), gets("sealed")
for n in sorted(set(gb) & set(gs)):
    if gb[n] and gs[n]:
        print(f"member.get, {n} connections: p50 {gb[n][0]:.3f} -> {gs[n][0]:.3f} ms, p99 {gb[n][1]:.3f} -> {gs[n][1]:.3f} ms ({gs[n][1] - gb[n][1]:+.3f} ms)")
PY
  echo "(each side's full output: $out)"
}
