#!/usr/bin/env bash
# Start-up cost of the `faultline` executable (issue 13, item 6; docs/benchmarks.md "Start-up").
#
#   bench/startup_bench.sh [FAULTLINE...]     default: build/harness/cli/faultline
#
# Prints, for each FAULTLINE binary given (e.g. a build of main and this branch, side by side
# in one run), the wall time of one `faultline --version` process and of `faultline check`
# over 100 small register histories run one process per file and all in one process, next to
# peers measured in the same run (/bin/true, `sqlite3 --version`): on a shared machine the
# ratio to the peer is the figure to compare across runs. Rounds interleave the binaries so
# that load changes hit all of them alike; each figure is the median over the rounds.
# With perf installed it also prints CPU time per --version process (perf stat task-clock).
# Writes nothing outside a temporary directory. Needs build/bench/faultline-gen-history.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
gen="${FAULTLINE_GEN_HISTORY:-$root/build/bench/faultline-gen-history}"
rounds="${ROUNDS:-15}"      # rounds per figure
per_round="${PER_ROUND:-20}" # --version processes per round
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=("$root/build/harness/cli/faultline")

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for n in $(seq 1 100); do "$gen" --model register -n 50 --seed "$n" -o "$tmp/f$n.jsonl" >/dev/null; done
files=("$tmp"/f*.jsonl)

# now_us: microseconds.
now_us() { local t; t=$(date +%s%N); echo $((t / 1000)); }
# median of the numbers on stdin.
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

# time_us CMD...: wall time of CMD in microseconds (output discarded).
time_us() { local s e; s=$(now_us); "$@" >/dev/null 2>&1 || true; e=$(now_us); echo $((e - s)); }
repeat() { local i; for ((i = 0; i < per_round; i++)); do "$@"; done; }
each_file() { local b=$1 f; for f in "${files[@]}"; do "$b" check "$f"; done; }

declare -A samples
add() { samples[$1]+="$2 "; }
peers=(/bin/true)
command -v sqlite3 >/dev/null && peers+=("$(command -v sqlite3)")
for ((r = 0; r < rounds; r++)); do
  for p in "${peers[@]}"; do add "peer $p" "$(time_us repeat "$p" --version)"; done
  for i in "${!bins[@]}"; do
    b=${bins[$i]}
    add "version $i" "$(time_us repeat "$b" --version)"
    add "each $i" "$(time_us each_file "$b")"
    add "one $i" "$(time_us "$b" check "${files[@]}")"
  done
  add "peer-each" "$(time_us each_file /bin/true)"
done
med() { tr ' ' '\n' <<<"${samples[$1]}" | grep . | median; }
ms() { awk -v us="$1" -v d="$2" 'BEGIN {printf "%.2f", us / d / 1000}'; }

true_us=$(med "peer /bin/true")
printf 'start-up, one process (median of %d rounds of %d):\n' "$rounds" "$per_round"
for p in "${peers[@]}"; do
  v=$(med "peer $p")
  printf '  %-45s %7s ms  %5.1fx /bin/true\n' "$(basename "$p") --version" "$(ms "$v" "$per_round")" \
    "$(awk -v a="$v" -v b="$true_us" 'BEGIN {print a / b}')"
done
for i in "${!bins[@]}"; do
  v=$(med "version $i")
  printf '  %-45s %7s ms  %5.1fx /bin/true\n' "${bins[$i]} --version" "$(ms "$v" "$per_round")" \
    "$(awk -v a="$v" -v b="$true_us" 'BEGIN {print a / b}')"
done
printf 'check, 100 register histories of 50 ops (median of %d rounds):\n' "$rounds"
printf '  %-45s %7s ms\n' "/bin/true x100 (process floor)" "$(ms "$(med peer-each)" 1)"
for i in "${!bins[@]}"; do
  each=$(med "each $i"); one=$(med "one $i")
  printf '  %-45s %7s ms one process per file, %7s ms all in one process (%.1fx)\n' \
    "${bins[$i]}" "$(ms "$each" 1)" "$(ms "$one" 1)" "$(awk -v a="$each" -v b="$one" 'BEGIN {print a / b}')"
done
# CPU time is less disturbed than wall time by other load on a shared machine.
if command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1; then
  printf 'start-up CPU time (perf stat -r 200 task-clock, msec):\n'
  for b in "${peers[@]}" "${bins[@]}"; do
    c=$(perf stat -r 200 -x, -e task-clock "$b" --version 2>&1 >/dev/null | tail -1 | cut -d, -f1)
    printf '  %-45s %7s ms\n' "$b --version" "$c"
  done
fi
