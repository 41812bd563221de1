#!/usr/bin/env bash
# Benchmarks a 3-node faultline-raftkv cluster against a 3-member etcd 3.4
# cluster and a 3-node faultline-paxos cluster, in one run on one machine,
# everything on 127.0.0.1, and prints two markdown tables: raftkv vs etcd,
# and paxos vs raftkv (docs/benchmarks.md, "raftkv vs etcd" and "paxos vs
# raftkv", explains them).
#
#   bench/raftkv_bench.sh [--build DIR] [--quick] [--seconds N]
#
# raftkv and paxos are loaded with redis-benchmark (SET, GET, CAS; 16 and 64
# clients; -P 1 and -P 16), raftkv on its leader, paxos on node 1 (any node
# serves any key); etcd with wrk and bench/etcd_kv.lua on its leader's
# HTTP/JSON gateway (put, linearizable range, txn comparing the value).
# 128-byte values over 10,000 prefilled keys, data directories under one
# temporary directory. --seconds is the length of each run (default 10;
# --quick: 2). Needs redis-tools, etcd-server, wrk (scripts/install-deps.sh)
# and DIR/targets/{raftkv,paxos}/faultline-{raftkv,paxos} (default DIR:
# build). Exit status 1 when a run fails or errors, 2 on a usage or setup
# error.
set -euo pipefail

bench=raftkv_bench
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
parse_bench_args 2,19 "$@"

raftkv="$build/targets/raftkv/faultline-raftkv"
paxos="$build/targets/paxos/faultline-paxos"
require_tools "build faultline-raftkv and faultline-paxos; run scripts/install-deps.sh" \
  "$raftkv" "$paxos" redis-benchmark redis-cli etcd wrk curl python3 timeout

keys=10000
value="$(printf 'x%.0s' $(seq 128))"  # redis-benchmark -d 128 writes 'x' * 128
raft_peer=(27101 27102 27103)
raft_client=(27201 27202 27203)
etcd_peer=(23801 23802 23803)
etcd_client=(23791 23792 23793)
paxos_peer=(27301 27302 27303)
paxos_client=(27401 27402 27403)

start_work_dir  # $results rows: system load clients pipeline rps p50_ms p99_ms

# ---- raftkv ---------------------------------------------------------------

# Every key set to the value, in MULTI/EXEC batches of 500 (one log entry each).
prefill_raftkv() {
  local port="$1" out
  out="$(python3 -c '
import sys
keys, value = int(sys.argv[1]), sys.argv[2]
for start in range(0, keys, 500):
    print("MULTI")
    for i in range(start, min(keys, start + 500)):
        print("SET key:%012d %s" % (i, value))
    print("EXEC")
' "$keys" "$value" | timeout 60 redis-cli -p "$port")" || fail "raftkv prefill failed"
  if grep -qE 'ERR|NOTLEADER' <<<"$out"; then fail "raftkv prefill: $(grep -m1 -E 'ERR|NOTLEADER' <<<"$out")"; fi
  [ "$(redis-cli -p "$port" GET key:000000009999)" = "$value" ] || fail "raftkv prefill not readable"
}

# ---- paxos ----------------------------------------------------------------

start_paxos() {
  local nodes="" i
  for i in 1 2 3; do nodes+="${nodes:+,}$i=127.0.0.1:${paxos_peer[i - 1]}"; done
  for i in 1 2 3; do
    "$paxos" --id "$i" --nodes "$nodes" --client-addr "127.0.0.1:${paxos_client[i - 1]}" \
      --data-dir "$work/paxos/$i" 2>"$work/paxos-$i.log" &
    pids+=($!)
  done
}

# One redis-benchmark run (redis_benchmark_row) of raftkv or paxos; appends a
# result row.
run_redis_benchmark() {
  local system="$1" port="$2" load="$3" clients="$4" pipeline="$5" cmd row
  case "$load" in
    SET) cmd=(-t set) ;;
    GET) cmd=(-t get) ;;
    CAS) cmd=(CAS key:__rand_int__ "$value" "$value") ;;
  esac
  redis_benchmark_row "$system $load" "-c $clients -P $pipeline" $((clients * pipeline)) \
    -h 127.0.0.1 -p "$port" -c "$clients" -P "$pipeline" -r "$keys" -d 128 --csv "${cmd[@]}"
  printf '%s\t%s\t%s\t%s\t%s\n' "$system" "$load" "$clients" "$pipeline" "$row" >>"$results"
  printf '  %-6s %-3s -c %-2s -P %-2s  %s\n' "$system" "$load" "$clients" "$pipeline" "$row" >&2
}

# ---- etcd -----------------------------------------------------------------

start_etcd() {
  local cluster="" i
  for i in 1 2 3; do cluster+="${cluster:+,}e$i=http://127.0.0.1:${etcd_peer[i - 1]}"; done
  for i in 1 2 3; do
    etcd --name "e$i" --data-dir "$work/etcd/e$i" \
      --listen-peer-urls "http://127.0.0.1:${etcd_peer[i - 1]}" \
      --initial-advertise-peer-urls "http://127.0.0.1:${etcd_peer[i - 1]}" \
      --listen-client-urls "http://127.0.0.1:${etcd_client[i - 1]}" \
      --advertise-client-urls "http://127.0.0.1:${etcd_client[i - 1]}" \
      --initial-cluster "$cluster" --initial-cluster-state new \
      --initial-cluster-token faultline-bench --logger zap --log-outputs stderr \
      2>"$work/etcd-$i.log" &
    pids+=($!)
  done
}

etcd_leader_port() {
  local try port status
  for try in $(seq 100); do
    for port in "${etcd_client[@]}"; do
      status="$(curl -s -m 2 -X POST "http://127.0.0.1:$port/v3/maintenance/status" -d '{}' || true)"
      if python3 -c 'import json,sys; s=json.loads(sys.argv[1]); sys.exit(s["header"]["member_id"]!=s["leader"])' \
        "$status" 2>/dev/null; then
        echo "$port"
        return
      fi
    done
    sleep 0.1
  done
  fail "no etcd leader after 10 s (logs: $work/etcd-*.log)"
}

# Every key set to the value, in txns of 128 puts (etcd's --max-txn-ops).
prefill_etcd() {
  local port="$1"
  timeout 120 python3 -c '
import base64, json, sys, urllib.request
port, keys, value = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
b64 = lambda b: base64.b64encode(b).decode()
for start in range(0, keys, 128):
    puts = [{"requestPut": {"key": b64(b"key:%012d" % i), "value": b64(value)}}
            for i in range(start, min(keys, start + 128))]
    req = urllib.request.Request("http://127.0.0.1:%s/v3/kv/txn" % port,
                                 json.dumps({"success": puts}).encode(),
                                 {"Content-Type": "application/json"})
    reply = json.load(urllib.request.urlopen(req, timeout=10))
    if not reply.get("succeeded"):
        sys.exit("etcd prefill txn failed: %s" % reply)
' "$port" "$keys" "$value" || fail "etcd prefill failed"
}

# wrk latency lines are like "99%   12.34ms"; prints milliseconds.
wrk_ms() {
  awk -v p="$1" '$1 == p {
    v = $2; unit = v; sub(/^[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v)
    printf "%.3f", (unit == "us" ? v / 1000 : unit == "s" ? v * 1000 : unit == "m" ? v * 60000 : v)
  }'
}

run_wrk() {
  local port="$1" load="$2" op="$3" clients="$4" out rps p50 p99
  out="$(ETCD_OP="$op" timeout -k 5 $((seconds + 30)) wrk -t 2 -c "$clients" -d "${seconds}s" \
    --timeout 5s --latency -s "$here/etcd_kv.lua" "http://127.0.0.1:$port")" ||
    fail "wrk $op -c $clients failed or timed out"
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    fail "wrk $op -c $clients had errors: $(grep -E 'Non-2xx|Socket errors' <<<"$out")"
  fi
  if grep -q '^txn_failed:' <<<"$out"; then
    echo "  etcd txn -c $clients: $(grep '^txn_failed:' <<<"$out") (compare failures)" >&2
  fi
  rps="$(awk '$1 == "Requests/sec:" {printf "%.0f", $2}' <<<"$out")"
  p50="$(wrk_ms 50% <<<"$out")"
  p99="$(wrk_ms 99% <<<"$out")"
  printf 'etcd\t%s\t%s\t1\t%s\t%s\t%s\n' "$load" "$clients" "$rps" "$p50" "$p99" >>"$results"
  printf '  etcd   %-3s -c %-2s        %s\t%s\t%s\n' "$load" "$clients" "$rps" "$p50" "$p99" >&2
}

# ---- the run --------------------------------------------------------------

echo "raftkv_bench: $seconds s per run; work dir $work; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# The three clusters run side by side (idle but for heartbeats and timers
# while another is loaded) and their runs alternate, so that other load on
# the machine hits all alike.
start_raftkv
start_etcd
start_paxos
raftkv_port="$(raftkv_leader_port)"
etcd_port="$(etcd_leader_port)"
paxos_port="${paxos_client[0]}"
wait_ping "$paxos_port"
echo "leaders: raftkv on $raftkv_port, etcd on $etcd_port; paxos on $paxos_port; prefilling $keys keys" >&2
prefill_raftkv "$raftkv_port"
prefill_etcd "$etcd_port"
prefill_pipelined "$paxos_port"
for clients in 16 64; do
  for load in SET GET CAS; do
    # redis-benchmark's SET writes random values: put back the ones CAS expects.
    if [ "$load" = CAS ]; then
      prefill_raftkv "$raftkv_port"
      prefill_pipelined "$paxos_port"
    fi
    for pipeline in 1 16; do
      run_redis_benchmark raftkv "$raftkv_port" "$load" "$clients" "$pipeline"
      run_redis_benchmark paxos "$paxos_port" "$load" "$clients" "$pipeline"
    done
    case "$load" in
      SET) run_wrk "$etcd_port" SET put "$clients" ;;
      GET) run_wrk "$etcd_port" GET range "$clients" ;;
      CAS) run_wrk "$etcd_port" CAS txn "$clients" ;;
    esac
  done
done
[ "$(redis-cli -p "$raftkv_port" CAS key:000000000000 "$value" "$value")" = 1 ] ||
  fail "raftkv CAS on a prefilled key did not succeed"
[ "$(redis-cli -p "${paxos_client[2]}" CAS key:000000000000 "$value" "$value")" = 1 ] ||
  fail "paxos CAS on a prefilled key did not succeed (through node 3)"
stop_all

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# The table: each raftkv row beside etcd's row with the same load and clients.
awk -F'\t' '
  $1 == "etcd" { erps[$2, $3] = $5; ep50[$2, $3] = $6; ep99[$2, $3] = $7; next }
  $1 == "raftkv" { row[$2, $3, $4] = $0 }
  END {
    name["SET"] = "SET / put"; name["GET"] = "GET / range"; name["CAS"] = "CAS / txn"
    print "| load | clients | raftkv -P | raftkv ops/s | p50 ms | p99 ms | etcd ops/s | p50 ms | p99 ms | ops/s ratio | p99 ratio |"
    print "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
    split("SET GET CAS", loads, " "); split("16 64", counts, " "); split("1 16", pipes, " ")
    for (l = 1; l <= 3; l++) for (c = 1; c <= 2; c++) for (p = 1; p <= 2; p++) {
      if (!((loads[l], counts[c], pipes[p]) in row)) continue
      split(row[loads[l], counts[c], pipes[p]], f, "\t"); k = f[2] SUBSEP f[3]
      printf "| %s | %s | %s | %d | %.2f | %.2f | %d | %.2f | %.2f | %.2f | %.2f |\n",
        name[f[2]], f[3], f[4], f[5], f[6], f[7], erps[k], ep50[k], ep99[k],
        f[5] / erps[k], f[7] / ep99[k]
    }
  }' "$results"
echo
# The paxos table: each paxos row beside raftkv's with the same load, clients
# and pipeline, and etcd's with the same load and clients.
awk -F'\t' '
  $1 == "etcd" { erps[$2, $3] = $5; ep99[$2, $3] = $7; next }
  { rps[$1, $2, $3, $4] = $5; p50[$1, $2, $3, $4] = $6; p99[$1, $2, $3, $4] = $7 }
  END {
    print "| load | clients | -P | paxos ops/s | p50 ms | p99 ms | raftkv ops/s | p50 ms | p99 ms | etcd ops/s | p99 ms | paxos / raftkv ops/s | paxos / raftkv p99 |"
    print "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
    split("SET GET CAS", loads, " "); split("16 64", counts, " "); split("1 16", pipes, " ")
    for (l = 1; l <= 3; l++) for (c = 1; c <= 2; c++) for (p = 1; p <= 2; p++) {
      x = loads[l] SUBSEP counts[c] SUBSEP pipes[p]; e = loads[l] SUBSEP counts[c]
      if (!(("paxos" SUBSEP x) in rps) || !(("raftkv" SUBSEP x) in rps)) continue
      printf "| %s | %s | %s | %d | %.2f | %.2f | %d | %.2f | %.2f | %d | %.2f | %.2f | %.2f |\n",
        loads[l], counts[c], pipes[p], rps["paxos", x], p50["paxos", x], p99["paxos", x],
        rps["raftkv", x], p50["raftkv", x], p99["raftkv", x], erps[e], ep99[e],
        rps["paxos", x] / rps["raftkv", x], p99["paxos", x] / p99["raftkv", x]
    }
  }' "$results"
