#!/usr/bin/env bash
# How far `faultline sim --shrink` cuts failing seeds down (issue 17, part 3;
# docs/benchmarks.md, "Shrinking"): for each raftkv failpoint row, finds the
# first failing seed from --seed and shrinks it, and prints a markdown table:
# the seed, ops, faults and virtual seconds before and after, the runs the
# shrinker used, its wall time, and the wall time of one simulation of the
# original seed (the peer: shrink time / one run is the cost in runs).
#
#   bench/shrink_bench.sh [--build DIR] [--jobs J] [--budget B] [--seed S] [--only NAME,...]
#
# Rows: follower-read, read-cache (partition), no-persist-vote (kill with
# aimed kills, docs/sim.md); --only picks some. --budget is --shrink-budget
# (default 1000). Needs DIR/harness/cli/faultline (default DIR: build).
# Store directories go under a temporary directory, removed at the end.
# Exit status 0 when every row shrank (strictly fewer ops and faults) and its
# shrunk.toml replays invalid, 1 when one did not, 2 on a usage error.
set -euo pipefail

build=build
jobs=2
budget=1000
seed=1
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="${2:?--build needs a directory}"; shift 2 ;;
    --jobs) jobs="${2:?--jobs needs a number}"; shift 2 ;;
    --budget) budget="${2:?--budget needs a value}"; shift 2 ;;
    --seed) seed="${2:?--seed needs a number}"; shift 2 ;;
    --only) only="${2:?--only needs names}"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    *) echo "shrink_bench.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
faultline="$build/harness/cli/faultline"
[ -x "$faultline" ] || { echo "shrink_bench.sh: no $faultline (build it first)" >&2; exit 2; }
work=$(mktemp -d /tmp/faultline-shrink-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT

small=(--nodes 3 --concurrency 6 --rate 100 --time-limit 10 --nemesis-interval 1 --op-timeout 1)
declare -A rows=(
  [follower-read]="--nemesis partition --opt unsafe-failpoint=follower-read --seeds 50"
  [read-cache]="--nemesis partition --opt unsafe-failpoint=read-cache --seeds 50"
  [no-persist-vote]="--nemesis kill --nemesis-interval 0.3 --opt heartbeat-ms=10 --opt election-ms=30 --opt unsafe-failpoint=no-persist-vote --nemesis-opt vote-kill-percent=100 --concurrency 10 --rate 200 --seeds 500"
)
status=0
echo "| failpoint | seed | ops | faults | virtual s | runs | shrink wall | one run | shrink / one run |"
echo "| --- | ---: | --- | --- | --- | ---: | ---: | ---: | ---: |"
for name in follower-read read-cache no-persist-vote; do
  if [ -n "$only" ] && [[ ",$only," != *",$name,"* ]]; then continue; fi
  # shellcheck disable=SC2206
  args=("${small[@]}" ${rows[$name]})
  out=$("$faultline" sim "${args[@]}" --seed "$seed" --jobs "$jobs" --shrink \
    --shrink-budget "$budget" --store "$work/$name" 2>&1) || true
  line=$(grep '^shrunk seed ' <<<"$out" || true)
  if [ -z "$line" ]; then
    echo "| $name | no failing seed or shrink error | | | | | | | |"
    status=1
    continue
  fi
  # shrunk seed S: ops A -> B, faults C -> D, virtual seconds E -> F; R runs in W s
  read -r s a b c d e f r w < <(sed -E 's/^shrunk seed ([0-9]+)[^:]*: ops ([0-9]+) -> ([0-9]+), faults ([0-9]+) -> ([0-9]+), virtual seconds ([0-9.]+) -> ([0-9.]+); ([0-9]+) runs in ([0-9.]+) s$/\1 \2 \3 \4 \5 \6 \7 \8 \9/' <<<"$line")
  file=$(sed -n 's/^  test file: //p' <<<"$out")
  start=$(date +%s.%N)
  "$faultline" sim "${args[@]}" --seed "$s" --store "$work/$name-one" >/dev/null 2>&1 || true
  one=$(echo "$(date +%s.%N) - $start" | bc)
  replay=$("$faultline" sim --test "$file" --store "$work/$name-replay" >/dev/null 2>&1; echo $?) || true
  [ "$b" -lt "$a" ] && [ "$d" -lt "$c" ] && [ "$replay" = 1 ] || status=1
  printf '| %s | %s | %s → %s | %s → %s | %s → %s | %s | %s s | %.2f s | %.0f |\n' \
    "$name" "$s" "$a" "$b" "$c" "$d" "$e" "$f" "$r" "$w" "$one" "$(echo "$w / $one" | bc -l)"
done
exit $status
