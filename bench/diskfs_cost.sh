#!/usr/bin/env bash
# What faultline-diskfs (the disk nemesis's FUSE layer, docs/nemesis.md
# "disk") costs raftkv's write throughput (issue 20; docs/benchmarks.md,
# "Detection"): the same `faultline run` (counter workload, no faults, a local
# 3-node cluster, 10 clients asking for more than raftkv can do) with the data
# directories plain and mounted through diskfs (--opt diskfs=true),
# alternating, N pairs; prints acknowledged adds per second of each run, the
# medians and their ratio.
#
#   sudo bench/diskfs_cost.sh [--build DIR] [--runs N] [--seconds S]
#
# Defaults: DIR build, N 3, S 20. Needs root, /dev/fuse, and DIR's faultline,
# faultline-raftkv and faultline-diskfs. Exit 2 on a usage or setup error.
set -euo pipefail

build=build
runs=3
seconds=20
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="${2:?--build needs a directory}"; shift 2 ;;
    --runs) runs="${2:?--runs needs a number}"; shift 2 ;;
    --seconds) seconds="${2:?--seconds needs a number}"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    *) echo "diskfs_cost.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
faultline="$build/harness/cli/faultline"
for f in "$faultline" "$build/targets/raftkv/faultline-raftkv" "$build/nemesis/disk/faultline-diskfs"; do
  [ -x "$f" ] || { echo "diskfs_cost.sh: '$f' not found (build it)" >&2; exit 2; }
done
[ "$(id -u)" -eq 0 ] || { echo "diskfs_cost.sh: needs root" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/faultline-diskfs-cost.XXXXXX")"
cluster="dc$(($$ % 100000))"
cleanup() {
  "$faultline" cluster down --name "$cluster" --root "$work/clusters" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

median() {
  sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
                                      else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

"$faultline" cluster up --name "$cluster" --root "$work/clusters" --nodes 3 >/dev/null
declare -A rates
echo "| run | plain adds/s | diskfs adds/s |"
echo "| ---: | ---: | ---: |"
for ((i = 1; i <= runs; i++)); do
  line="| $i"
  for mode in plain diskfs; do
    extra=()
    [ "$mode" = plain ] || extra=(--opt diskfs=true)
    name="cost-$mode-$i"
    "$faultline" run --name "$name" --cluster "$cluster" --cluster-root "$work/clusters" \
      --store "$work/store" --nodes 3 --workload counter --concurrency 10 --rate 100000 \
      --time-limit "$seconds" --nemesis none --seed "$i" --quiet "${extra[@]}" \
      >"$work/$name.out" 2>&1 || { echo "diskfs_cost.sh: $name failed:" >&2; cat "$work/$name.out" >&2; exit 1; }
    dirs=("$work/store/$name"/*/)
    adds=$(grep -c '"type":"ok","f":"add"' "${dirs[-1]}history.jsonl" || true)
    rate=$(awk -v a="$adds" -v s="$seconds" 'BEGIN { printf "%.0f", a / s }')
    rates[$mode]+="$rate "
    line+=" | $rate"
  done
  echo "$line |"
done
plain=$(printf '%s\n' ${rates[plain]} | median)
diskfs=$(printf '%s\n' ${rates[diskfs]} | median)
echo "| median | $plain | $diskfs |"
awk -v p="$plain" -v d="$diskfs" 'BEGIN { printf "\ndiskfs / plain: %.2f\n", d / p }'
