#!/usr/bin/env bash
# The main job (README, first command): installs dependencies, builds, and
# runs faultline's default job.
#
# Until `faultline run` lands (it drives a cluster of local nodes), the main
# job is the checker's: generate a history of 100,000 operations from a
# simulated register, check it (valid), then check the same history with one
# stale read injected and show how faultline explains the violation.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
bin="$root/build"
out="$root/store/main"
mkdir -p "$out"
"$bin/bench/faultline-gen-history" --ops 100000 --keys 100 --processes 10 --info-rate 0.01 \
  --seed 1 --out "$out/register.jsonl"
"$bin/bench/faultline-gen-history" --ops 100000 --keys 100 --processes 10 --info-rate 0.01 \
  --seed 1 --corrupt 1 --quiet --out "$out/register-stale.jsonl"
set +e
"$bin/harness/cli/faultline" check "$out/register.jsonl" "$out/register-stale.jsonl"
code=$?
set -e
echo "faultline check exited $code (1: a history is not linearizable, as planted)"
[ "$code" -eq 1 ]
