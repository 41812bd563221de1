# shellcheck shell=bash
# bench/lib.sh: what the cluster benchmarks (dht_bench.sh, raftkv_bench.sh)
# share, sourced by them (not run). Before sourcing, a script sets `bench`,
# its name in messages (dht_bench). Then:
#   parse_bench_args HELP_LINES "$@"   sets build and seconds (--build, --quick, --seconds)
#   require_tools HINT TOOL...         exit 2 if one is not found
#   start_work_dir                     $work, $results, $pids; stopped and removed on exit
#   start_raftkv, raftkv_leader_port   the 3-node raftkv on ports raft_peer/raft_client
#   wait_ping, prefill_pipelined       a RESP server up; every key set, pipelined
#   redis_benchmark_row ...            one sized redis-benchmark run

# parse_bench_args HELP_LINES "$@": --build DIR (default build), --quick (2 s
# runs), --seconds N (default 10), -h (prints lines HELP_LINES of the script,
# e.g. 2,16, and exits 2).
parse_bench_args() {
  local help_lines="$1"
  shift
  build=build
  seconds=10
  while [ $# -gt 0 ]; do
    case "$1" in
      --build) build="${2:?--build needs a directory}"; shift 2 ;;
      --quick) seconds=2; shift ;;
      --seconds) seconds="${2:?--seconds needs a number}"; shift 2 ;;
      -h|--help) sed -n "${help_lines}p" "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
      *) echo "$bench.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
  done
}

# require_tools HINT TOOL...: exit 2, naming the tool and HINT, if a TOOL is
# not found (a path or a command).
require_tools() {
  local hint="$1" tool
  shift
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null; then
      echo "$bench.sh: '$tool' not found ($hint)" >&2
      exit 2
    fi
  done
}

fail() {
  echo "$bench.sh: $*" >&2
  exit 1
}

# A fresh work directory $work with an empty $results file. Servers started in
# the background add their pid to $pids: stop_all stops them, and so does
# exiting, which also removes $work.
start_work_dir() {
  work="$(mktemp -d "${TMPDIR:-/tmp}/${bench//_/-}.XXXXXX")"
  pids=()
  trap cleanup EXIT
  trap 'echo $bench: interrupted >&2; exit 130' INT TERM
  results="$work/results.tsv"
  : >"$results"
}
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
cleanup() {
  stop_all
  rm -rf "$work"
}

# Three faultline-raftkv nodes ($raftkv) with the peer ports raft_peer and the
# client ports raft_client, data and logs in $work.
start_raftkv() {
  local peers="" clients="" i
  for i in 1 2 3; do
    peers+="${peers:+,}$i=127.0.0.1:${raft_peer[i - 1]}"
    clients+="${clients:+,}$i=127.0.0.1:${raft_client[i - 1]}"
  done
  for i in 1 2 3; do
    "$raftkv" --id "$i" --peers "$peers" --client-peers "$clients" \
      --client-addr "127.0.0.1:${raft_client[i - 1]}" --data-dir "$work/raftkv/$i" \
      2>"$work/raftkv-$i.log" &
    pids+=($!)
  done
}

# Prints the client port of the raftkv leader, once there is one (10 s at most).
raftkv_leader_port() {
  local try port
  for try in $(seq 100); do
    for port in "${raft_client[@]}"; do
      if timeout 2 redis-cli -p "$port" INFO 2>/dev/null | grep -q '^role:leader'; then
        echo "$port"
        return
      fi
    done
    sleep 0.1
  done
  fail "no raftkv leader after 10 s (logs: $work/raftkv-*.log)"
}

# wait_ping PORT: until a RESP server on PORT answers PING (10 s at most).
wait_ping() {
  local port="$1" try
  for try in $(seq 100); do
    [ "$(timeout 2 redis-cli -p "$port" PING 2>/dev/null)" = PONG ] && return
    sleep 0.1
  done
  fail "nothing answers on port $port after 10 s (logs: $work/*.log)"
}

# prefill_pipelined PORT: every key key:%012d below $keys set to $value: 16
# connections, each sending its share of the SETs pipelined (the dht and
# paxos servers have no ECHO for redis-cli --pipe, nor MULTI).
prefill_pipelined() {
  local port="$1"
  timeout 300 python3 -c '
import socket, sys, threading
port, keys, value = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
errors = []
def fill(lo, hi):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall("".join("*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$%d\r\n%s\r\n"
                      % (i, len(value), value) for i in range(lo, hi)).encode())
    data, want = b"", hi - lo
    while data.count(b"\r\n") < want:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    replies = data.split(b"\r\n")[:want]
    errors.extend(r for r in replies if r != b"+OK")
    if len(replies) < want:
        errors.append(b"connection closed early")
step = (keys + 15) // 16
threads = [threading.Thread(target=fill, args=(lo, min(keys, lo + step))) for lo in range(0, keys, step)]
for t in threads: t.start()
for t in threads: t.join()
if errors:
    sys.exit("%d errors, first: %r" % (len(errors), errors[0]))
' "$port" "$keys" "$value" || fail "prefill on $port failed"
  [ "$(redis-cli -p "$port" GET key:000000009999)" = "$value" ] || fail "prefill on $port not readable"
}

# redis_benchmark_row WHAT RUN REQUESTS ARGS...: redis-benchmark ARGS (with
# --csv, one test) for about $seconds seconds, sized by a short calibration
# run; `timeout` bounds both. REQUESTS is what one round of the clients sends
# (clients times pipeline); WHAT and RUN name the run in errors. Sets row to
# "ops/s<TAB>p50 ms<TAB>p99 ms".
redis_benchmark_row() {
  local what="$1" run="$2" requests="$3" csv rps n
  shift 3
  csv="$(timeout -k 5 30 redis-benchmark -n $((requests * 20 + 2000)) "$@")" ||
    fail "redis-benchmark $what calibration failed or timed out"
  rps="$(tail -n 1 <<<"$csv" | awk -F'","' '{print int($2)}')"
  n=$((rps * seconds))
  [ "$n" -ge $((requests * 4)) ] || n=$((requests * 4))
  csv="$(timeout -k 5 $((seconds * 4 + 10)) redis-benchmark -n "$n" "$@")" ||
    fail "redis-benchmark $what $run failed or timed out"
  # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms",...
  row="$(tail -n 1 <<<"$csv" | tr -d '"' | awk -F, '{printf "%.0f\t%s\t%s", $2, $5, $7}')"
}
