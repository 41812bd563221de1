# shellcheck shell=bash
# Sourced by the browser tests (reports/html/browser_test.sh,
# reports/browser/browser_test.sh): finding headless Chromium, loading a page
# in it, and dom_check.py (put on PYTHONPATH) for their DOM checks.

PYTHONPATH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONPATH

# require_chromium TEST [TOOL...]: sets chromium_bin. When Chromium or a TOOL
# is missing, says so and exits 77 (skipped), except under CI (exit 1), where
# everything must be there.
require_chromium() {
  local test="$1" tool missing=""
  shift
  chromium_bin="$(command -v chromium || command -v chromium-browser || true)"
  [ -n "$chromium_bin" ] || missing="chromium"
  for tool in "$@"; do
    command -v "$tool" > /dev/null || missing="${missing:+$missing and }$tool"
  done
  if [ -n "$missing" ]; then
    echo "$test: $missing not found (scripts/install-deps.sh installs it)"
    if [ -n "${CI:-}" ]; then exit 1; fi
    exit 77
  fi
}

# chrome URL FLAG...: loads URL in headless Chromium (25 s at most, its
# profile and chromium.log in $work) with the FLAGs: --dump-dom, --screenshot=...
chrome() {
  local url="$1"
  shift
  timeout 25 "$chromium_bin" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-dev-shm-usage --user-data-dir="$work/profile" --virtual-time-budget=5000 \
    "$@" "$url" 2> "$work/chromium.log"
}
