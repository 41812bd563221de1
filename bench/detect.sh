#!/usr/bin/env bash
# How reliably each fault finds the raftkv bug it should (issue 6, "Proof that
# each fault finds bugs"; docs/benchmarks.md, "Detection"): runs every
# (nemesis, failpoint) pair N times, and the clean rows (every fault but
# corrupt, no failpoint) N times, with `faultline run` (counter workload, unless a row names another) on a
# local 3-node cluster, and prints a markdown table: runs judged invalid, valid
# and otherwise, and the median and range of the time to detection.
#
#   sudo bench/detect.sh [--build DIR] [--runs N] [--seconds S] [--only NAME,...]
#                        [--seed BASE] [--keep DIR]
#
# --runs: runs per row (default 10); --seconds: each run's --time-limit
# (default 60); --only: rows by name (partition+stale-read,
# pause+lease-read, clock+lease-read, partition+lease-read,
# kill+no-persist-vote, clean, clean-lease, latency+lease-read, latency+lease-from-ack,
# faults+lease-from-ack,
# latency+stale-read, clean-latency,
# disk+no-fsync, clean-disk); run i
# uses seed BASE+i (default
# BASE 1000). The time to detection of an invalid run is the invocation time,
# in seconds into the run, of the earliest op the checkers name as evidence
# in run.json (a minimal non-linearizable core, a counter read out of
# bounds). Needs root (network namespaces), jq, and DIR/harness/cli/faultline
# and DIR/targets/raftkv/faultline-raftkv (default DIR: build; the disk rows
# also DIR/nemesis/disk/faultline-diskfs and /dev/fuse). Store
# directories go under a temporary directory, removed at the end unless
# --keep DIR names one to keep. Exit status 0 when every row met the goal
# (failpoint rows: at least 90% invalid; rows expected valid, the clean ones
# and partition+lease-read: none invalid), 1 when
# one did not, 2 on a usage or setup error.
set -euo pipefail

build=build
runs=10
seconds=60
only=""
seed_base=1000
keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="${2:?--build needs a directory}"; shift 2 ;;
    --runs) runs="${2:?--runs needs a number}"; shift 2 ;;
    --seconds) seconds="${2:?--seconds needs a number}"; shift 2 ;;
    --only) only="${2:?--only needs names}"; shift 2 ;;
    --seed) seed_base="${2:?--seed needs a number}"; shift 2 ;;
    --keep) keep="${2:?--keep needs a directory}"; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    *) echo "detect.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

faultline="$build/harness/cli/faultline"
for tool in "$faultline" "$build/targets/raftkv/faultline-raftkv" jq; do
  if ! command -v "$tool" >/dev/null; then
    echo "detect.sh: '$tool' not found (build faultline and faultline-raftkv; install jq)" >&2
    exit 2
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  echo "detect.sh: needs root (network namespaces)" >&2
  exit 2
fi

# name | nemesis | further `faultline run` flags | expected verdict. The
# tunings are tests/detect_test.cc's (docs/nemesis.md, "Proof that each fault
# finds bugs", explains them). partition+lease-read is a control: the lease is
# sound under partitions alone, so it must stay valid.
stale="--nemesis-interval 2 --op-timeout 0.15 --opt election-ms=300 --opt heartbeat-ms=100"
lease="--nemesis-interval 1.5 --op-timeout 0.2 --opt election-ms=500 --opt heartbeat-ms=100"
lease+=" --nemesis-opt bump-s=5"
# lease-from-ack's (suites/nightly.toml lease-from-ack-latency says why).
acklease="--workload register --nemesis-interval 3 --op-timeout 0.2 --opt election-ms=700"
acklease+=" --opt heartbeat-ms=25 --nemesis-opt latency-ms=1050"
rows=(
  "partition+stale-read|partition|$stale --opt unsafe-failpoint=stale-read|invalid"
  "pause+lease-read|pause:leader|$lease --op-timeout 1 --opt unsafe-failpoint=lease-read|invalid"
  "clock+lease-read|partition:isolate-leader,clock:bump-leader|$lease --opt unsafe-failpoint=lease-read|invalid"
  "partition+lease-read|partition|$lease --opt unsafe-failpoint=lease-read|valid"
  "kill+no-persist-vote|kill|--nemesis-interval 1 --opt unsafe-failpoint=no-persist-vote|invalid"
  "clean|partition,pause,kill,clock,loss|$stale|valid"
  "clean-lease|partition,pause,kill,clock,loss|$lease|valid"
  "latency+lease-read|latency:slow-leader+delay+one-way-leader|$acklease --opt unsafe-failpoint=lease-read|valid"
  "latency+lease-from-ack|latency:one-way-leader|$acklease --opt unsafe-failpoint=lease-from-ack|invalid"
  "faults+lease-from-ack|partition,pause,kill|$acklease --opt unsafe-failpoint=lease-from-ack|valid"
  "latency+stale-read|latency:slow-leader|$stale --nemesis-opt latency-ms=1000 --opt unsafe-failpoint=stale-read|invalid"
  "clean-latency|latency|$lease|valid"
  "disk+no-fsync|disk:lose-unsynced|--nemesis-interval 5 --opt unsafe-failpoint=no-fsync|invalid"
  "clean-disk|disk|--nemesis-interval 5|valid"
)

work="${keep:-$(mktemp -d "${TMPDIR:-/tmp}/faultline-detect.XXXXXX")}"
mkdir -p "$work"
cluster="dt$(($$ % 100000))"  # short: interface names are made from it
cleanup() {
  "$faultline" cluster down --name "$cluster" --root "$work/clusters" >/dev/null 2>&1 || true
  [ -n "$keep" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'echo detect.sh: interrupted >&2; exit 130' INT TERM

# The earliest invocation (seconds into the run) among the ops that show an
# anomaly: the minimal core of a non-linearizable key, a counter's read out of
# bounds; null if the checkers named none.
first_anomaly_s='[.checkers[].anomalies[].evidence | (.core[]?.time), (.read?.time?)]
  | map(select(. != null)) | if length == 0 then null else min / 1e9 end'
median() {
  sort -n | awk '{ v[NR] = $1 }
    END { if (NR == 0) print "-"; else if (NR % 2) printf "%.1f", v[(NR + 1) / 2];
          else printf "%.1f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "| pair | nemesis | runs | invalid | valid | other | median time to detection (s) | range (s) |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"
failed=0
for row in "${rows[@]}"; do
  IFS='|' read -r name nemesis extra expected <<<"$row"
  if [ -n "$only" ] && [[ ",$only," != *",$name,"* ]]; then continue; fi
  invalid=0 valid=0 other=0 times=()
  for ((i = 1; i <= runs; i++)); do
    seed=$((seed_base + i))
    test_name="$(echo "$name" | tr '+' '-')-$i"
    code=0
    # shellcheck disable=SC2086  # $extra is a list of flags
    "$faultline" run --name "$test_name" --cluster "$cluster" --cluster-root "$work/clusters" \
      --store "$work/store" --nodes 3 --workload counter --concurrency 10 --rate 300 \
      --time-limit "$seconds" --nemesis "$nemesis" --seed "$seed" --quiet $extra \
      >"$work/$test_name.out" 2>&1 || code=$?
    case "$code" in
      0) valid=$((valid + 1)) ;;
      1) invalid=$((invalid + 1))
         dirs=("$work/store/$test_name"/*/)  # one run directory
         t="$(jq "$first_anomaly_s" "${dirs[-1]}run.json")"
         [ "$t" = "null" ] || times+=("$t") ;;
      *) other=$((other + 1)) ;;
    esac
    echo "detect.sh: $name run $i (seed $seed): exit $code" >&2
  done
  med="$(printf '%s\n' "${times[@]}" | { grep . || true; } | median)"
  range="-"
  if [ "${#times[@]}" -gt 0 ]; then
    range="$(printf '%s\n' "${times[@]}" | sort -n |
      awk 'NR == 1 { a = $1 } { b = $1 } END { printf "%.1f–%.1f", a, b }')"
  fi
  echo "| $name | $nemesis | $runs | $invalid | $valid | $other | $med | $range |"
  if [ "$expected" = invalid ]; then
    [ $((invalid * 10)) -ge $((runs * 9)) ] || failed=1
  else
    [ "$invalid" -eq 0 ] || failed=1
  fi
done
exit "$failed"
