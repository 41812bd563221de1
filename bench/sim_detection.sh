#!/usr/bin/env bash
# Detection in simulation (issue 17; docs/benchmarks.md, "Detection in
# simulation"): for each failpoint of each target `faultline sim` simulates, how
# many seeds and how much wall time it takes to reach the first invalid
# history, from --tries starting seeds (one thread each); with --clean N,
# the correct builds' seeds per minute over N seeds of every nemesis (every
# core), each required valid; and with --minute N, issue 17's speed: seeds
# per minute of a virtual minute of workload, N seeds per target (every
# core), at faultline's default rate and at the small test's. Prints
# markdown rows.
#
#   bench/sim_detection.sh [--build DIR] [--tries T] [--max-seeds M] [--clean N]
#                          [--clean-workloads W,...] [--only ROW,...] [--jobs J]
#                          [--minute N]
#
# --tries: starting seeds 1, 100001, 200001, ... (default 5); --max-seeds: a
# try gives up after M seeds (default 1000); --clean: seeds per nemesis for
# the correct rows (default 0: none), with each workload of
# --clean-workloads (default register) that the target runs; --only: rows
# by name (below; a correct row is "TARGET", "TARGET NEMESIS" or
# "TARGET WORKLOAD"). Needs DIR/harness/cli/faultline (default DIR: build).
# Nothing needs root.
set -euo pipefail

build=build
tries=5
max_seeds=1000
clean=0
clean_workloads=register
only=""
minute=0
jobs=$(nproc)
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="${2:?--build needs a directory}"; shift 2 ;;
    --tries) tries="${2:?--tries needs a number}"; shift 2 ;;
    --max-seeds) max_seeds="${2:?--max-seeds needs a number}"; shift 2 ;;
    --clean) clean="${2:?--clean needs a number}"; shift 2 ;;
    --clean-workloads) clean_workloads="${2:?--clean-workloads needs workloads}"; shift 2 ;;
    --only) only="${2:?--only needs row names}"; shift 2 ;;
    --jobs) jobs="${2:?--jobs needs a number}"; shift 2 ;;
    --minute) minute="${2:?--minute needs a number}"; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    *) echo "sim_detection.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
faultline="$build/harness/cli/faultline"
[ -x "$faultline" ] || { echo "sim_detection.sh: no $faultline (build it first)" >&2; exit 2; }
store=$(mktemp -d)
trap 'rm -rf "$store"' EXIT

small=(--nodes 3 --workload register --concurrency 6 --rate 100 --time-limit 10
  --nemesis-interval 1 --op-timeout 1)
vote=(--nemesis kill,pause --nemesis-interval 0.1 --opt heartbeat-ms=10 --opt election-ms=30
  --nemesis-opt aimed-kill-percent=100 --nemesis-opt aimed-stall-percent=20
  --nemesis-opt aimed-stall-ms=40)
figure8=(--nemesis pause --opt heartbeat-ms=10 --opt election-ms=30 --opt max-append-entries=1
  --nemesis-opt aimed-stall-percent=50)
promise=(--nemesis kill --nemesis-interval 0.3 --nemesis-opt aimed-kill-percent=100)
# suites/nightly.toml's tunings of the read failpoints (the real runs' rate).
stale=(--workload counter --rate 300 --nemesis-interval 2 --op-timeout 0.15 --opt election-ms=300
  --opt heartbeat-ms=100 --opt unsafe-failpoint=stale-read)
lease=(--workload counter --rate 300 --nemesis-interval 1.5 --opt election-ms=500
  --opt heartbeat-ms=100 --nemesis-opt bump-s=5 --opt unsafe-failpoint=lease-read)
ack=(--rate 300 --nemesis-interval 3 --op-timeout 0.2 --opt election-ms=700 --opt heartbeat-ms=25
  --nemesis-opt latency-ms=1050 --opt unsafe-failpoint=lease-from-ack)

# name | target | extra arguments
rows=(
  "raftkv follower-read|raftkv|--nemesis partition --opt unsafe-failpoint=follower-read"
  "raftkv read-cache|raftkv|--nemesis partition --opt unsafe-failpoint=read-cache"
  "raftkv stale-read|raftkv|--nemesis partition ${stale[*]}"
  "raftkv stale-read, latency|raftkv|--nemesis latency:slow-leader ${stale[*]} --nemesis-opt latency-ms=1000"
  "raftkv lease-read, pause|raftkv|--nemesis pause:leader ${lease[*]}"
  "raftkv lease-read, clock|raftkv|--nemesis partition:isolate-leader,clock:bump-leader ${lease[*]} --op-timeout 0.2"
  "raftkv lease-from-ack|raftkv|--nemesis latency:one-way-leader ${ack[*]}"
  "raftkv no-fsync|raftkv|--nemesis kill:all --workload counter --opt unsafe-failpoint=no-fsync"
  "raftkv no-fsync under power cuts|raftkv|--nemesis disk:lose-unsynced --workload counter --opt unsafe-failpoint=no-fsync"
  "raftkv no-persist-vote|raftkv|${vote[*]} --opt unsafe-failpoint=no-persist-vote"
  "raftkv commit-any-term|raftkv|${figure8[*]} --opt unsafe-failpoint=commit-any-term"
  "raftkv early-txn-reads|raftkv|--nemesis none --workload list-append --opt unsafe-failpoint=early-txn-reads"
  "raftkv early-txn-reads (rw-register)|raftkv|--nemesis none --workload rw-register --opt unsafe-failpoint=early-txn-reads"
  "paxos local-read|paxos|--nemesis partition --opt unsafe-failpoint=local-read"
  "paxos accept-lower-ballot|paxos|--nemesis partition --opt unsafe-failpoint=accept-lower-ballot"
  "paxos accept-lower-ballot at 300 ops/s|paxos|--nemesis partition --rate 300 --concurrency 9 --opt unsafe-failpoint=accept-lower-ballot"
  "paxos no-adopt-highest|paxos|--nemesis partition --opt unsafe-failpoint=no-adopt-highest"
  "paxos no-persist-promise|paxos|${promise[*]} --workload counter --rate 300 --concurrency 9 --opt unsafe-failpoint=no-persist-promise"
  "paxos no-persist-promise without aimed kills|paxos|--nemesis kill --nemesis-interval 0.3 --nemesis-opt aimed-kill-percent=0 --workload counter --rate 300 --concurrency 9 --opt unsafe-failpoint=no-persist-promise"
  "dht eventual r=w=1|dht|--nemesis partition --opt mode=eventual --opt r=1 --opt w=1"
)

wanted() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }

# The summary line's fields: done count and seconds.
summary() { grep -o '[0-9]* of [0-9]* seeds from [0-9]* run in [0-9.]* s' | awk '{print $1, $9}'; }

[ "$tries" -eq 0 ] || echo "| target, failpoint | seeds run to the first invalid (per try) | wall to catch (s) |"
[ "$tries" -eq 0 ] || echo "| --- | --- | --- |"
for row in "${rows[@]}"; do
  [ "$tries" -gt 0 ] || break
  IFS='|' read -r name target extra <<<"$row"
  wanted "$name" || continue
  seeds=() walls=()
  for ((t = 0; t < tries; t++)); do
    first=$((t * 100000 + 1))
    # shellcheck disable=SC2086
    out=$("$faultline" sim --target "$target" "${small[@]}" $extra --store "$store" -q \
      --seed "$first" --seeds "$max_seeds" --jobs 1 2>&1 || true)
    read -r done secs < <(summary <<<"$out")
    if grep -q ': invalid' <<<"$out"; then seeds+=("$done"); else seeds+=("none in $done"); fi
    walls+=("$secs")
  done
  echo "| $name | $(IFS=,; echo "${seeds[*]}" | sed 's/,/, /g') | $(IFS=,; echo "${walls[*]}" | sed 's/,/, /g') |"
done

if [ "$minute" -gt 0 ]; then
  echo
  echo "| target | workload | seeds | wall (s) | seeds/min ($jobs threads) |"
  echo "| --- | --- | ---: | ---: | ---: |"
  for target in raftkv paxos dht; do
    for load in defaults small; do
      wanted "$target $load" || wanted "$target" || continue
      args=(--nemesis partition,kill,pause,loss --time-limit 60)
      [ "$load" = defaults ] || args+=(--concurrency 6 --rate 100 --nemesis-interval 1 --op-timeout 1)
      out=$("$faultline" sim --target "$target" --workload register "${args[@]}" --store "$store" \
        -q --seed 100000 --seeds "$minute" --keep-going --jobs "$jobs" 2>&1 || true)
      read -r done secs < <(summary <<<"$out")
      what="register, defaults (10 clients, 200 ops/s)"
      [ "$load" = defaults ] || what="register, 6 clients, 100 ops/s"
      echo "| $target | $what, 60 virtual s | $done | $secs | $(awk -v n="$done" -v s="$secs" 'BEGIN{printf "%.0f", n*60/s}') |"
    done
  done
fi

[ "$clean" -gt 0 ] || exit 0
echo
echo "| target | workload | nemesis | seeds | invalid | unknown | wall (s) | seeds/min ($jobs threads) |"
echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"
for target in raftkv paxos dht; do
  for workload in ${clean_workloads//,/ }; do
    for nemesis in partition kill pause loss partition,kill,pause,loss clock \
      latency:delay+one+one-way+slow-leader+one-way-leader+reorder disk; do
      wanted "$target $nemesis" || wanted "$target $workload" || wanted "$target" || continue
      code=0
      out=$("$faultline" sim --target "$target" "${small[@]}" --workload "$workload" \
        --nemesis "$nemesis" --store "$store" -q --seed 100000 --seeds "$clean" --keep-going \
        --jobs "$jobs" 2>&1) || code=$?
      [ "$code" -ne 64 ] || continue  # a workload the target does not run
      read -r done secs < <(summary <<<"$out")
      # Unknown: nothing to check (e.g. every node down most of the test) or
      # the check did not finish; anything else not valid counts as invalid.
      unknown=$(grep -c '^seed [0-9]*: unknown' <<<"$out" || true)
      failed=$(grep -o 'threads): [0-9]* failed' <<<"$out" | awk '{print $2}')
      echo "| $target | $workload | $nemesis | $done | $((failed - unknown)) | $unknown | $secs | $(awk -v n="$done" -v s="$secs" 'BEGIN{printf "%.0f", n*60/s}') |"
    done
  done
done
