#!/usr/bin/env bash
# The main job (README, first command): installs dependencies, builds, and
# runs faultline's default test: `faultline run` with no options — raftkv on
# a local 5-node cluster (network namespaces with their own sshd, brought up
# and taken down by the run), the register workload, partition and kill
# faults, 60 s, then the linearizability check and an HTML report under
# store/. Needs root (namespaces, iptables). Exits like `faultline run`:
# 0 valid, 1 invalid, 2 unknown, 3 infrastructure error.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
cd "$root"
exec "$root/build/harness/cli/faultline" run
