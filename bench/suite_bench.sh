#!/usr/bin/env bash
# The suite runner's overhead (issue 19; docs/benchmarks.md "Suites"): the
# same runs made by `faultline suite` and by hand with `faultline run`, in
# alternating rounds on one local cluster, and the ratio of their wall
# times; then `faultline store merge` of 100 stores of 10 runs each.
#
#   sudo bench/suite_bench.sh [--build DIR] [--rounds N]
#
# Needs root (network namespaces) and DIR/harness/cli/faultline and
# DIR/targets/raftkv/faultline-raftkv (default DIR: build). Works in a
# temporary directory, removed at the end; takes the cluster down.
set -euo pipefail
build=build
rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="${2:?}"; shift 2 ;;
    --rounds) rounds="${2:?}"; shift 2 ;;
    *) echo "suite_bench.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
faultline="$(cd "$build" && pwd)/harness/cli/faultline"
[ -x "$faultline" ] || { echo "suite_bench.sh: $faultline not found" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "suite_bench.sh: needs root" >&2; exit 2; }
work="$(mktemp -d)"
cluster="sb$$"
cluster="${cluster:0:8}"
cleanup() {
  "$faultline" cluster down --name "$cluster" --root "$work/clusters" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

common=(--cluster "$cluster" --cluster-root "$work/clusters" --nodes 3 --time-limit 5 --rate 100
        --nemesis partition --seed 7 -q)
cat >"$work/s.toml" <<'TOML'
[[case]]
workload = ["register", "counter", "set"]
TOML
"$faultline" cluster up --name "$cluster" --nodes 3 --root "$work/clusters" >/dev/null

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }
suite_s=0 hand_s=0
for ((r = 1; r <= rounds; r++)); do
  t0=$(now)
  "$faultline" suite "$work/s.toml" --store "$work/suite-$r" "${common[@]}" >/dev/null 2>&1
  t1=$(now)
  for w in register counter set; do
    "$faultline" run --workload "$w" --store "$work/hand-$r" "${common[@]}" >/dev/null 2>&1
  done
  t2=$(now)
  suite_s=$(calc "$suite_s + $t1 - $t0")
  hand_s=$(calc "$hand_s + $t2 - $t1")
  echo "suite_bench.sh: round $r: suite $(calc "$t1 - $t0") s, by hand $(calc "$t2 - $t1") s" >&2
done
echo "| what | seconds |"
echo "|---|---:|"
printf '| 3 runs by `faultline suite`, %d rounds | %.1f |\n' "$rounds" "$suite_s"
printf '| the same 3 runs by `faultline run`, %d rounds | %.1f |\n' "$rounds" "$hand_s"
printf '| suite / by hand | %s |\n' "$(calc "$suite_s / $hand_s")"

mkdir "$work/merge"
for i in $(seq 1 100); do
  for j in $(seq 1 10); do
    "$faultline" check --db "$work/merge/s$i.db" "$(dirname "$0")/../docs/examples/register-valid.jsonl" >/dev/null
  done
done
t0=$(now)
"$faultline" store merge "$work"/merge/s*.db -o "$work/all.db" >/dev/null
t1=$(now)
"$faultline" store merge "$work"/merge/s*.db -o "$work/all.db" >/dev/null
t2=$(now)
printf '| merge 100 stores of 10 runs (1000 runs) | %s |\n' "$(calc "$t1 - $t0")"
printf '| merge them again (nothing new) | %s |\n' "$(calc "$t2 - $t1")"
