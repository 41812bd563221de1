#!/usr/bin/env bash
# The harness's throughput with recording on and off against fast targets on
# 127.0.0.1 (issue 5: >= 20,000 ops/s from 50 processes with recording on,
# recording costing < 5%; docs/benchmarks.md, "Harness throughput"). Starts
# each target, runs faultline-harness-bench against it, stops it by PID, and
# prints a markdown table:
#   - raftkv: a single-node faultline-raftkv (its own majority; every write
#     is a Raft log entry, fsynced; reads go through ReadIndex);
#   - redis: redis-server without persistence, a target that is certainly not
#     the bottleneck (no CAS command, so reads and writes only).
#
#   bench/harness_bench.sh [--build DIR] [--seconds N] [--rounds N] [--concurrency N] [--quick]
#
# --seconds: each round (default 5; --quick: 1), --rounds: rounds with
# recording on and as many off (default 3; --quick: 1), --concurrency:
# processes (default 50). Needs DIR/bench/faultline-harness-bench and
# DIR/targets/raftkv/faultline-raftkv (default DIR: build), redis-server and
# redis-cli (scripts/install-deps.sh); a missing redis-server skips that row.
# Exit status 1 when a bench fails, 2 on a usage or setup error.
set -euo pipefail

build=build
seconds=5
rounds=3
concurrency=50
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="${2:?--build needs a directory}"; shift 2 ;;
    --seconds) seconds="${2:?--seconds needs a number}"; shift 2 ;;
    --rounds) rounds="${2:?--rounds needs a number}"; shift 2 ;;
    --concurrency) concurrency="${2:?--concurrency needs a number}"; shift 2 ;;
    --quick) seconds=1; rounds=1; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    *) echo "harness_bench.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

bench="$build/bench/faultline-harness-bench"
raftkv="$build/targets/raftkv/faultline-raftkv"
for tool in "$bench" "$raftkv" redis-cli python3 timeout; do
  if ! command -v "$tool" >/dev/null; then
    echo "harness_bench.sh: '$tool' not found (build the targets; run scripts/install-deps.sh)" >&2
    exit 2
  fi
done

work="$(mktemp -d "${TMPDIR:-/tmp}/harness-bench.XXXXXX")"
pid=""
stop_target() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
  fi
}
cleanup() {
  stop_target
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo harness_bench: interrupted >&2; exit 130' INT TERM

fail() {
  echo "harness_bench.sh: $*" >&2
  exit 1
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until the target on port $1 answers redis-cli "$2..." with a line matching $3.
wait_for() {
  local port="$1" pattern="$3" try
  for try in $(seq 100); do
    if timeout 2 redis-cli -p "$port" "$2" 2>/dev/null | grep -q "$pattern"; then return; fi
    sleep 0.1
  done
  fail "the target on port $port did not answer $2 after 10 s (logs: $work/*.log)"
}

rows=()  # target | on | off | ratio | CPU us/op on | off
run_bench() {
  local name="$1" port="$2" out="$work/bench-$3.out" result status=0
  shift 3
  # Rounds, plus connection setup and the recorder's final flushes.
  local limit=$(( (2 * rounds) * (${seconds%.*} + 10) + 30 ))
  echo "== $name (127.0.0.1:$port)" >&2
  timeout "$limit" "$bench" --endpoint "127.0.0.1:$port" --concurrency "$concurrency" \
    --seconds "$seconds" --rounds "$rounds" "$@" >"$out" || status=$?
  cat "$out" >&2
  [ "$status" -eq 0 ] || fail "$name: the bench failed (exit status $status)"
  result="$(grep '^RESULT ' "$out")" || fail "$name: no RESULT line"
  field() { sed -E "s/.*$1=([0-9.]+).*/\\1/" <<<"$result"; }
  rows+=("| $name | $(field on_median) | $(field off_median) | $(field ratio) | $(field cpu_us_on) | $(field cpu_us_off) |")
}

# ---- raftkv, one node -------------------------------------------------------
peer_port="$(free_port)"
client_port="$(free_port)"
"$raftkv" --id 1 --peers "1=127.0.0.1:$peer_port" --client-addr "127.0.0.1:$client_port" \
  --data-dir "$work/raftkv" 2>"$work/raftkv.log" &
pid=$!
wait_for "$client_port" INFO '^role:leader'
run_bench "raftkv (1 node)" "$client_port" raftkv
stop_target

# ---- redis-server -----------------------------------------------------------
if command -v redis-server >/dev/null; then
  redis_port="$(free_port)"
  redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
    --daemonize no --dir "$work" --logfile "$work/redis.log" &
  pid=$!
  wait_for "$redis_port" PING PONG
  run_bench "redis-server" "$redis_port" redis --no-cas
  stop_target
else
  echo "harness_bench.sh: redis-server not found (scripts/install-deps.sh): skipping it" >&2
fi

echo
echo "$concurrency processes, $rounds x ${seconds} s rounds each way, medians; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| target | ops/s, recording on | ops/s, off | on/off | harness CPU us/op, on | off |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
