#!/usr/bin/env bash
# Times whole `faultline check` runs (parsing included) on generated register
# histories and prints a markdown table; docs/benchmarks.md explains the
# cases and holds the latest figures. Builds nothing: build the targets
# `faultline` and `faultline-gen-history` first.
#
#   bench/check_bench.sh [--build DIR] [--quick] [--runs N] [--cache DIR] [--only REGEX]
#
# --quick runs small cases once (the ctest bench_check_smoke); --only runs the
# cases whose name matches the extended regular expression. The exit status
# is 1 when any verdict is not the expected one (a checker or generator bug),
# 2 on a usage or setup error. Histories are cached under the cache directory
# (default DIR/bench-histories), keyed by the generator binary and parameters.
set -euo pipefail

build=build
quick=0
runs=3
cache=""
only=""
timeout_s=60

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="${2:?--build needs a directory}"; shift 2 ;;
    --quick) quick=1; shift ;;
    --runs) runs="${2:?--runs needs a count}"; shift 2 ;;
    --cache) cache="${2:?--cache needs a directory}"; shift 2 ;;
    --only) only="${2:?--only needs a regular expression}"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "check_bench.sh: unknown argument '$1'" >&2; usage ;;
  esac
done

faultline="$build/harness/cli/faultline"
gen="$build/bench/faultline-gen-history"
for exe in "$faultline" "$gen"; do
  if [ ! -x "$exe" ]; then
    echo "check_bench.sh: $exe not found; build the targets faultline and" \
      "faultline-gen-history in $build first" >&2
    exit 2
  fi
done
if [ ! -x /usr/bin/time ]; then
  echo "check_bench.sh: /usr/bin/time not found (Debian package 'time')" >&2
  exit 2
fi
if [ "$quick" = 1 ]; then runs=1; fi

# A new generator may write different histories for the same parameters.
gen_id=$(sha1sum "$gen" | cut -c1-12)
cache="${cache:-$build/bench-histories}/$gen_id"
mkdir -p "$cache"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# The peer comparison: plain WGL search, when this faultline has the flag.
plain=0
if "$faultline" check --help 2>&1 | grep -q -- '--no-optimizations'; then plain=1; fi

# The kv shape of real key-value tests (like the MIT 6.824 histories that
# Porcupine ships): 50 clients on 10 keys, appends building strings, a few
# slow requests overlapping hundreds of others.
kv="--model kv --kv-values unique --mix get=46,append=49,put=5 --slow-rate 0.2"

# name|ops|keys|processes|processes per key (0: random key per op)|info rate|corrupt|
#   expected verdict|goal s|goal MB|Porcupine|generator flags (default: register)
if [ "$quick" = 1 ]; then
  cases=(
    "keys-small|5000|10|5|0|0.01|0|valid|||"
    "keys-grouped-small|2000|10|4|2|0.02|0|valid|||"
    "one-key-small|1000|1|10|0|0.05|0|valid|||"
    "keys-small-corrupt|5000|10|5|0|0.01|1|invalid|||"
    "kv-appends-small|500|10|50|0|0|0|valid||||$kv"
  )
else
  cases=(
    "100k ops, 100 keys|100000|100|10|0|0.01|0|valid|0.2||0.67 s, 100 MB"
    "1M ops, 1000 keys|1000000|1000|20|0|0.01|0|valid|2|400|6.9 s, 830 MB"
    "1 key, 10 processes|10000|1|10|0|0.02|0|valid|0.06||0.18 s"
    "1 key, 20 processes, 2k ops|2000|1|20|0|0.05|0|valid|||3.3 s, 770 MB"
    "1 key, 20 processes, 5k ops|5000|1|20|0|0.05|0|valid|||18 s, 4 GB"
    "1 key, 20 processes, 10k ops|10000|1|20|0|0.05|0|valid|10|1024|out of memory at 13 GB"
    "100k ops, 100 keys, corrupted|100000|100|10|0|0.01|1|invalid|||"
    "100k ops, 100 keys, 10 processes per key|100000|100|10|10|0.01|0|valid|||"
    "1M ops, 1000 keys, 20 processes per key|1000000|1000|20|20|0.01|0|valid|||"
    "kv appends, 50 clients, 2k ops|2000|10|50|0|0|0|valid|0.05|200||$kv"
    "kv appends, 50 clients, 2k ops, corrupted|2000|10|50|0|0|1|invalid|0.2|200||$kv"
    "kv appends, 50 clients, 20k ops|20000|10|50|0|0|0|valid|1|200||$kv"
    "kv appends, 50 clients, 20k ops, corrupted|20000|10|50|0|0|1|invalid||200||$kv"
  )
fi

verdict_of() {
  case "$1" in
    0) echo valid ;;
    1) echo invalid ;;
    2) echo unknown ;;
    *) echo "error($1)" ;;
  esac
}

# measure FILE MODEL [EXTRA FLAG]: best of $runs runs; prints "verdict seconds cpu_seconds
# peak_kb" (CPU: user + system, of the run with the best wall time; on a shared
# machine the wall time waits for a core, the CPU time much less).
# A run that gives up (unknown) is not repeated: it would only time out again.
measure() {
  local file="$1" model="$2" extra="${3:-}" best_s="" best_cpu="" best_kb="" verdict="" code s kb
  local user sys
  for ((r = 0; r < runs; r++)); do
    set +e
    /usr/bin/time -f '%e %M %U %S' -o "$scratch/time" \
      "$faultline" check --model "$model" --timeout "$timeout_s" $extra "$file" \
      >"$scratch/out" 2>"$scratch/err"
    code=$?
    set -e
    verdict=$(verdict_of "$code")
    if [ "$code" -gt 2 ]; then
      echo "check_bench.sh: faultline check $extra $file failed ($code):" >&2
      cat "$scratch/err" >&2
    fi
    # time adds a "Command exited with non-zero status" line first.
    read -r s kb user sys < <(tail -n 1 "$scratch/time")
    if [ -z "$best_s" ] || awk "BEGIN{exit !($s < $best_s)}"; then
      best_s=$s
      best_cpu=$(awk "BEGIN{printf \"%.2f\", $user + $sys}")
    fi
    if [ -z "$best_kb" ] || [ "$kb" -lt "$best_kb" ]; then best_kb=$kb; fi
    if [ "$verdict" != valid ] && [ "$verdict" != invalid ]; then break; fi
  done
  echo "$verdict $best_s $best_cpu $best_kb"
}

mb() { awk "BEGIN{printf \"%.0f\", $1 / 1024}"; }

goal_text() {  # seconds MB goal_s goal_mb
  local text="" met=1
  if [ -n "$3" ]; then
    text="< $3 s"
    awk "BEGIN{exit !($1 < $3)}" || met=0
  fi
  if [ -n "$4" ]; then
    text="${text:+$text, }< $4 MB"
    awk "BEGIN{exit !($2 < $4)}" || met=0
  fi
  if [ -z "$text" ]; then echo "—"; elif [ "$met" = 1 ]; then echo "$text: met"; else
    echo "$text: **missed**"; fi
}

header="| case | ops | keys | processes | info % | verdict | seconds | CPU s | peak MB | goal |"
rule="|---|---:|---:|---:|---:|---|---:|---:|---:|---|"
if [ "$plain" = 1 ]; then
  header="$header plain verdict | plain seconds | plain CPU s | plain MB | plain / faultline |"
  rule="$rule---|---:|---:|---:|---:|"
fi
if [ "$quick" = 0 ]; then
  header="$header Porcupine |"
  rule="$rule---|"
fi
# The machine may be shared: the load says how much the figures may be off.
echo "faultline check, best of $runs run(s), --timeout $timeout_s; $(nproc) cores," \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //');" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
if [ "$plain" = 0 ]; then
  echo "(faultline check has no --no-optimizations flag yet: no plain-search comparison)"
fi
echo
echo "$header"
echo "$rule"

status=0
for c in "${cases[@]}"; do
  IFS='|' read -r name ops keys procs group info corrupt expected goal_s goal_mb porcupine \
    genflags <<<"$c"
  if [ -n "$only" ] && ! grep -Eq -- "$only" <<<"$name"; then continue; fi
  genflags="${genflags:---model register --values 5}"
  model=$(sed -E 's/.*--model ([a-z]+).*/\1/' <<<"$genflags")
  flags_id=$(sha1sum <<<"$genflags" | cut -c1-8)
  file="$cache/$model-n$ops-k$keys-p$procs-g$group-i$info-c$corrupt-f$flags_id-s1.jsonl"
  if [ ! -s "$file" ]; then
    # shellcheck disable=SC2086 # genflags is a list of flags
    "$gen" $genflags --ops "$ops" --keys "$keys" --processes "$procs" \
      --key-processes "$group" --info-rate "$info" --corrupt "$corrupt" --seed 1 \
      --quiet --out "$file.tmp"
    mv "$file.tmp" "$file"
  fi
  read -r verdict s cpu kb <<<"$(measure "$file" "$model")"
  if [ "$verdict" != "$expected" ]; then
    verdict="**$verdict** (expected $expected)"
    status=1
  fi
  info_pct=$(awk "BEGIN{print $info * 100}")
  row="| $name | $ops | $keys | $procs | $info_pct | $verdict | $s | $cpu | $(mb "$kb") |"
  row="$row $(goal_text "$s" "$(mb "$kb")" "$goal_s" "$goal_mb") |"
  if [ "$plain" = 1 ]; then
    read -r p_verdict p_s p_cpu p_kb <<<"$(measure "$file" "$model" --no-optimizations)"
    if [ "$p_verdict" != "$expected" ] && [ "$p_verdict" != unknown ]; then
      p_verdict="**$p_verdict** (expected $expected)"
      status=1
    fi
    ratio=$(awk "BEGIN{printf \"%.1fx\", ($p_s > 0.01 ? $p_s : 0.01) / ($s > 0.01 ? $s : 0.01)}")
    if [ "$p_verdict" = unknown ]; then ratio="> $ratio"; fi
    row="$row $p_verdict | $p_s | $p_cpu | $(mb "$p_kb") | $ratio |"
  fi
  if [ "$quick" = 0 ]; then row="$row ${porcupine:-—} |"; fi
  echo "$row"
done
echo
echo "histories: $cache"
exit "$status"
