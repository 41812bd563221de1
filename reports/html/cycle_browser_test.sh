#!/usr/bin/env bash
# Renders the HTML report of a list-append history with a G-single (Jepsen's
# EDN, docs/examples/list-append-g-single.edn) in headless Chromium and
# checks the DOM after the page's script has run: the anomaly's card draws
# the cycle as a graph (two transactions, an rw and a wr edge labelled with
# their keys) and lists why each edge is there. Saves a screenshot as
# BUILD_DIR/cycle-report-screenshot.png.
# Usage: cycle_browser_test.sh FAULTLINE_BIN HISTORY BUILD_DIR
# Exits 77 (skipped) when Chromium is missing, except under CI, where it must be there.
set -euo pipefail
faultline="$1" history="$2" build_dir="$3"

source "$(dirname "$0")/headless_chromium.sh"
require_chromium report_cycle_browser

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
report="$work/report.html"
set +e
"$faultline" check --format edn --model list-append --report "$report" "$history" \
  > "$work/stdout" 2> "$work/stderr"
code=$?
set -e
if [ "$code" -ne 1 ]; then
  echo "report_cycle_browser: expected exit 1 (invalid) from faultline check, got $code"
  cat "$work/stderr"
  exit 1
fi

url="file://$report"
chrome "$url" --dump-dom > "$work/dom.html"
chrome "$url" --screenshot="$build_dir/cycle-report-screenshot.png" --window-size=1400,1000 \
  > /dev/null || { echo "report_cycle_browser: screenshot failed"; cat "$work/chromium.log"; exit 1; }

python3 - "$work/dom.html" <<'PY'
import sys
from dom_check import expect, finish, parse

dom = parse(sys.argv[1])
body = [a for t, a in dom.elements if t == "body"]
expect(body and body[0].get("data-rendered") == "true",
       "the page's script finished (body data-rendered=true), got %r; error: %r"
       % (body and body[0].get("data-rendered"), dom.text.get("error")))
expect(dom.text.get("verdict", "").strip() == "Invalid",
       "verdict banner says Invalid, got %r" % dom.text.get("verdict"))
classes = lambda a: a.get("class", "").split()
expect(sum(1 for t, a in dom.elements if t == "svg" and "cycle-graph" in classes(a)) == 1,
       "one cycle graph")
expect(sum(1 for t, a in dom.elements if t == "circle" and "cycle-node" in classes(a)) == 2,
       "two transactions in the graph")
edges = [a for t, a in dom.elements if t == "path" and "cycle-edge" in classes(a)]
expect(sorted(c for a in edges for c in classes(a) if c != "cycle-edge") == ["rw", "wr"],
       "an rw and a wr edge, got %r" % edges)
text = dom.text.get("anomalies", "")
expect("rw 1" in text and "wr 2" in text, "edge labels with their keys, in %r" % text[:400])
expect("T1 < T2 (rw): T1 read key 1 without T2's append of 1" in text,
       "the rw edge's reason listed")
expect("T2 < T1 (wr): T1 read T2's append of 1 to key 2" in text, "the wr edge's reason listed")
finish("report_cycle_browser")
PY
test -s "$build_dir/cycle-report-screenshot.png" || { echo "report_cycle_browser: no screenshot"; exit 1; }
echo "report_cycle_browser: screenshot in $build_dir/cycle-report-screenshot.png"
