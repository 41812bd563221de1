#!/usr/bin/env bash
# Renders the HTML report of a history with a known linearizability failure in
# headless Chromium and checks the DOM after the page's script has run: the
# verdict, the op that cannot be linearized highlighted, the timeline, and
# hostile values shown as text. Saves a screenshot as BUILD_DIR/report-screenshot.png.
# Usage: browser_test.sh FAULTLINE_BIN HISTORY BUILD_DIR
# Exits 77 (skipped) when Chromium is missing, except under CI, where it must be there.
set -euo pipefail
faultline="$1" history="$2" build_dir="$3"

source "$(dirname "$0")/headless_chromium.sh"
require_chromium report_browser

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
report="$work/report.html"
set +e
"$faultline" check --report "$report" "$history" > "$work/stdout" 2> "$work/stderr"
code=$?
set -e
if [ "$code" -ne 1 ]; then
  echo "report_browser: expected exit 1 (invalid) from faultline check, got $code"
  cat "$work/stderr"
  exit 1
fi

url="file://$report"
chrome "$url" --dump-dom > "$work/dom.html"
chrome "$url" --screenshot="$build_dir/report-screenshot.png" --window-size=1400,1000 > /dev/null || {
  echo "report_browser: screenshot failed"; cat "$work/chromium.log"; exit 1; }

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
stuck = [a for t, a in dom.elements if "stuck" in a.get("class", "").split()]
expect(any(t == "div" and "bar" in a.get("class", "").split() and "stuck" in a.get("class", "").split()
           for t, a in dom.elements), "a timeline bar with class 'stuck'")
expect(len(stuck) >= 2, "the stuck op highlighted in the window's bars and table")
expect(any(t == "canvas" and a.get("id") == "timeline" for t, a in dom.elements), "the timeline canvas")
expect(any(t == "canvas" and a.get("id") == "latency" for t, a in dom.elements), "the latency canvas")
lin = dom.text.get("linearizability", "")
expect('read \u2192 "<script>alert(1)</script>"' in lin,
       "the stale read's <script> value shown as text in the linearizability panel")
expect("</script><b>k&\u00e9\"'" in lin, "the hostile key shown as text")
expect('"b"' in dom.text.get("linearizability", ""), "the state before the stuck op")
scripts = [a for t, a in dom.elements if t == "script"]
expect(len(scripts) == 2, "exactly the page's two script elements, got %d" % len(scripts))
expect(not any(t == "b" for t, a in dom.elements), "no <b> element made from a value")
titles = [a.get("title", "") for t, a in dom.elements if "bar" in a.get("class", "").split()]
expect(any("node: n3\nerror: timed out <b>waiting</b>" in t for t in titles),
       "the recorder's node and error in the failed read's tooltip")
expect(any("node: n1" in t and "error:" not in t for t in titles), "the stale read's node alone")
finish("report_browser")
PY
test -s "$build_dir/report-screenshot.png" || { echo "report_browser: no screenshot"; exit 1; }
echo "report_browser: screenshot in $build_dir/report-screenshot.png"
