#!/usr/bin/env bash
# The test command (README, second command; .ci/run runs exactly this):
# installs dependencies, builds, fuzzes the parsers briefly, then runs the
# whole suite with ctest (last, so its summary closes the output).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
"$root/scripts/fuzz.sh" "${FAULTLINE_FUZZ_SECONDS:-20}"
(cd "$root/build" && ctest --output-on-failure -j"$(nproc)" --timeout 600)
