#!/usr/bin/env bash
# Fuzzes the history readers, the RESP parser, target files and faultline-paxos's peer
# stream (frames of message batches): builds the libFuzzer targets
# with clang in build-fuzz/ (FAULTLINE_FUZZ=ON) and runs each for SECONDS
# (default 30). Inputs found interesting grow build-fuzz/corpus/<format>/; the
# seeds (history/fuzz/corpus/, targets/resp/fuzz_corpus/, harness/db/fuzz_corpus/,
# targets/paxos/fuzz_corpus/) are left
# alone. Exits non-zero if a target crashes, leaks, times out or breaks an
# invariant; the input that did it is saved as build-fuzz/<format>-crash-*
# (or -leak-, -timeout-, -oom-).
#
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail

seconds="${1:-30}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
  echo "usage: $0 [SECONDS]  (a positive number of seconds per target)" >&2
  exit 64
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-fuzz"
fuzz_src="$root/history/fuzz"

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DFAULTLINE_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target jsonl_fuzz edn_fuzz resp_fuzz target_file_fuzz paxos_peer_frame_fuzz

failed=()
for format in jsonl edn resp target_file paxos_peer_frame; do
  # Each target's binary, seed corpus and dictionary.
  if [ "$format" = resp ]; then
    bin="$build/targets/resp/resp_fuzz" seeds="$root/targets/resp/fuzz_corpus"
    dict="$root/targets/resp/resp.dict"
  elif [ "$format" = paxos_peer_frame ]; then
    bin="$build/targets/paxos/paxos_peer_frame_fuzz" seeds="$root/targets/paxos/fuzz_corpus"
    dict="$root/targets/paxos/peer_frame.dict"
  elif [ "$format" = target_file ]; then
    bin="$build/harness/db/target_file_fuzz" seeds="$root/harness/db/fuzz_corpus"
    dict="$root/harness/db/target_file.dict"
  else
    bin="$build/history/fuzz/${format}_fuzz" seeds="$fuzz_src/corpus/$format"
    dict="$fuzz_src/$format.dict"
  fi
  corpus="$build/corpus/$format"
  mkdir -p "$corpus"
  echo "fuzz.sh: $format for ${seconds}s"
  # -timeout: an input taking over 10 s means super-linear parsing, a bug too.
  if ! "$bin" "$corpus" "$seeds" -dict="$dict" -max_total_time="$seconds" -timeout=10 \
      -artifact_prefix="$build/$format-" -print_final_stats=1 >"$build/$format-fuzz.log" 2>&1; then
    tail -n 40 "$build/$format-fuzz.log" >&2
    failed+=("$format")
  fi
  grep -E '^stat::number_of_executed_units' "$build/$format-fuzz.log" | sed "s/^/fuzz.sh: $format: /" || true
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: FAILED: ${failed[*]} (inputs in $build/)" >&2
  exit 1
fi
echo "fuzz.sh: no crash in ${seconds}s per target"
