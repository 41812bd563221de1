#!/usr/bin/env bash
# The test command (README, second command; .ci/run runs exactly this):
# installs dependencies, builds, runs the whole suite with ctest, then fuzzes
# the history parsers briefly.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
(cd "$root/build" && ctest --output-on-failure -j"$(nproc)" --timeout 600)
"$root/scripts/fuzz.sh" "${FAULTLINE_FUZZ_SECONDS:-20}"
