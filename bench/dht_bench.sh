#!/usr/bin/env bash
# Benchmarks a 5-node faultline-dht (N = 3) in both modes beside a 3-node
# faultline-raftkv, in one run on one machine, everything on 127.0.0.1, and
# prints a markdown table (docs/benchmarks.md, "dht vs raftkv", explains it).
#
#   bench/dht_bench.sh [--build DIR] [--quick] [--seconds N]
#
# Loaded with redis-benchmark: SET and GET, 16 and 64 clients, no
# pipelining, 128-byte values over 10,000 prefilled keys. dht takes the load
# on node 1 (any node coordinates any key); raftkv on its leader. dht runs in
# abd mode (linearizable, quorum 2 of 3) and in eventual mode with R = W = 1.
# --seconds is the length of each run (default 10; --quick: 2). Needs
# redis-tools and DIR/targets/{dht,raftkv}/faultline-{dht,raftkv} (default
# DIR: build). Exit status 1 when a run fails or errors, 2 on a usage or setup
# error.
set -euo pipefail

bench=dht_bench
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
parse_bench_args 2,16 "$@"

dht="$build/targets/dht/faultline-dht"
raftkv="$build/targets/raftkv/faultline-raftkv"
require_tools "build faultline-dht and faultline-raftkv; run scripts/install-deps.sh" \
  "$dht" "$raftkv" redis-benchmark redis-cli python3 timeout

keys=10000
value="$(printf 'x%.0s' $(seq 128))"  # redis-benchmark -d 128 writes 'x' * 128
abd_peer=(28101 28102 28103 28104 28105)
abd_client=(28201 28202 28203 28204 28205)
ev_peer=(28301 28302 28303 28304 28305)
ev_client=(28401 28402 28403 28404 28405)
raft_peer=(28501 28502 28503)
raft_client=(28601 28602 28603)

start_work_dir  # $results rows: system load clients rps p50_ms p99_ms

# start_dht NAME PEER_PORTS CLIENT_PORTS MODE_FLAGS...
start_dht() {
  local name="$1" peer_ports=($2) client_ports=($3) nodes="" i
  shift 3
  for i in 1 2 3 4 5; do nodes+="${nodes:+,}$i=127.0.0.1:${peer_ports[i - 1]}"; done
  for i in 1 2 3 4 5; do
    "$dht" --id "$i" --nodes "$nodes" --client-addr "127.0.0.1:${client_ports[i - 1]}" \
      --data-dir "$work/$name/$i" --replicas 3 "$@" 2>"$work/$name-$i.log" &
    pids+=($!)
  done
}

# One redis-benchmark run (redis_benchmark_row); appends a result row.
run_redis_benchmark() {
  local system="$1" port="$2" load="$3" clients="$4" row
  redis_benchmark_row "$system $load" "-c $clients" "$clients" \
    -h 127.0.0.1 -p "$port" -c "$clients" -r "$keys" -d 128 --csv -t "${load,,}"
  printf '%s\t%s\t%s\t%s\n' "$system" "$load" "$clients" "$row" >>"$results"
  printf '  %-12s %-3s -c %-2s  %s\n' "$system" "$load" "$clients" "$row" >&2
}

echo "dht_bench: $seconds s per run; work dir $work; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# The three clusters run side by side (idle but for timers while another is
# loaded) and their runs alternate, so that other load on the machine hits
# all alike.
start_dht dht-abd "${abd_peer[*]}" "${abd_client[*]}" --mode abd
start_dht dht-eventual "${ev_peer[*]}" "${ev_client[*]}" --mode eventual --r 1 --w 1
start_raftkv
for port in "${abd_client[@]}" "${ev_client[@]}"; do wait_ping "$port"; done
raftkv_port="$(raftkv_leader_port)"
echo "raftkv leader on $raftkv_port; prefilling $keys keys in each system" >&2
prefill_pipelined "${abd_client[0]}"
prefill_pipelined "${ev_client[0]}"
prefill_pipelined "$raftkv_port"
for clients in 16 64; do
  for load in SET GET; do
    run_redis_benchmark dht-abd "${abd_client[0]}" "$load" "$clients"
    run_redis_benchmark dht-eventual "${ev_client[0]}" "$load" "$clients"
    run_redis_benchmark raftkv "$raftkv_port" "$load" "$clients"
  done
done
# After the load, reads through two nodes agree (abd: a quorum holds the value).
[ "$(redis-cli -p "${abd_client[3]}" GET key:000000000000)" = \
  "$(redis-cli -p "${abd_client[0]}" GET key:000000000000)" ] ||
  fail "dht-abd: nodes 1 and 4 read different values of key:000000000000"
stop_all

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
awk -F'\t' '
  { rps[$1, $2, $3] = $4; p50[$1, $2, $3] = $5; p99[$1, $2, $3] = $6 }
  END {
    print "| load | clients | dht abd ops/s | p50 ms | p99 ms | dht eventual R=W=1 ops/s | p50 ms | p99 ms | raftkv ops/s | p50 ms | p99 ms |"
    print "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
    split("SET GET", loads, " "); split("16 64", counts, " ")
    split("dht-abd dht-eventual raftkv", systems, " ")
    for (l = 1; l <= 2; l++) for (c = 1; c <= 2; c++) {
      line = sprintf("| %s | %s |", loads[l], counts[c])
      for (s = 1; s <= 3; s++) {
        k = systems[s] SUBSEP loads[l] SUBSEP counts[c]
        line = line sprintf(" %d | %.2f | %.2f |", rps[k], p50[k], p99[k])
      }
      print line
    }
  }' "$results"
