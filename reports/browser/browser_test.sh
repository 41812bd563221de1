#!/usr/bin/env bash
# Serves a store with `faultline serve`, loads its index and a test run's
# report through it in headless Chromium, and checks the DOM after the pages
# have drawn: the runs table and the trend; the run report's verdict, its run
# and nodes panels with log links, and the nodes' log lines (one holds a
# <script> that must stay text). Saves BUILD_DIR/serve-screenshot.png and
# BUILD_DIR/run-report-screenshot.png.
# Usage: browser_test.sh FAULTLINE_BIN FIXTURE_STORE_DIR BUILD_DIR
# Exits 77 (skipped) when Chromium or sqlite3 is missing, except under CI.
set -euo pipefail
faultline="$1" fixture_store="$2" build_dir="$3"

source "$(dirname "$0")/../html/headless_chromium.sh"
require_chromium serve_browser sqlite3

work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2> /dev/null || true; wait "$server" 2> /dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The store: a check of the fixture run's history, then the run itself (started in 2100,
# so that it is the newest).
cp -r "$fixture_store" "$work/store"
run_dir="$work/store/raftkv-register/20261126T113300Z"
db="$work/store/faultline.db"
set +e
"$faultline" check --db "$db" "$run_dir/history.jsonl" > /dev/null 2>&1
code=$?
set -e
[ "$code" -eq 1 ] || { echo "serve_browser: faultline check --db exited $code, expected 1"; exit 1; }
sqlite3 "$db" "INSERT INTO runs (kind, name, target, workload, nemesis, seed, started_at, ended_at,
  status, verdict, config, store_dir) VALUES ('test', 'raftkv-register', 'raftkv', 'register',
  'partition-random-node', 42, 4102444800000, 4102444803100, 'done', 'invalid', '{}', '$run_dir')"
"$faultline" report 2 --db "$db" > /dev/null

"$faultline" serve --db "$db" --port 0 > "$work/serve.out" 2>&1 &
server=$!
port=""
for _ in $(seq 100); do
  port="$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$work/serve.out")"
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { echo "serve_browser: faultline serve did not start"; cat "$work/serve.out"; exit 1; }

index="http://127.0.0.1:$port/"
report="http://127.0.0.1:$port/runs/2/report.html"
chrome "$index" --dump-dom > "$work/index.html"
chrome "$report" --dump-dom > "$work/report.html"
chrome "$index" --screenshot="$build_dir/serve-screenshot.png" --window-size=1400,700 > /dev/null || {
  echo "serve_browser: screenshot failed"; cat "$work/chromium.log"; exit 1; }
chrome "$report" --screenshot="$build_dir/run-report-screenshot.png" --window-size=1400,1400 > /dev/null

python3 - "$work/index.html" "$work/report.html" <<'PY'
import sys
from dom_check import expect, finish, parse

index = parse(sys.argv[1])
rows = [a for t, a in index.elements if t == "tr" and a.get("class") == "run"]
expect([r.get("data-run-id") for r in rows] == ["2", "1"], "the runs table lists runs 2 then 1, got %r" % rows)
expect(rows and rows[0].get("data-verdict") == "invalid", "run 2 is invalid")
expect("raftkv-register" in index.text.get("runs", ""), "the run's name in the runs table")
expect(any(t == "a" and a.get("href") == "/runs/2/report.html" for t, a in index.elements), "a link to run 2's report")
expect(any(t == "tr" and a.get("class") == "trend" for t, a in index.elements), "a trend row")
expect(any(t == "a" and "sq" in a.get("class", "") for t, a in index.elements), "a trend square")
expect(not any(t == "script" for t, a in index.elements), "no script on the index")

report = parse(sys.argv[2])
body = [a for t, a in report.elements if t == "body"]
expect(body and body[0].get("data-rendered") == "true",
       "the report drew (data-rendered=true), got %r; error: %r" % (body and body[0].get("data-rendered"), report.text.get("error")))
expect(report.text.get("verdict", "").strip() == "Invalid", "the report's verdict is Invalid, got %r" % report.text.get("verdict"))
run_section = [a for t, a in report.elements if a.get("id") == "run-section"]
expect(run_section and "hidden" not in run_section[0], "the run section is shown")
expect("partition-random-node" in report.text.get("run", ""), "the nemesis in the run table")
log_links = [a.get("href") for t, a in report.elements if t == "a" and "raftkv.log" in (a.get("href") or "")]
expect(log_links == ["./nodes/n1/raftkv.log", "./nodes/n2/raftkv.log", "./nodes/n3/raftkv.log"], "links to the three nodes' logs, got %r" % log_links)
log_rows = [a for t, a in report.elements if t == "tr" and a.get("class", "").startswith("log ")]
expect(len(log_rows) == 20, "20 log lines in the table, got %d" % len(log_rows))
expect("node 2: leader in term 2, leader 2" in report.text.get("log-lines", ""), "n2's election in the log table")
expect('<script>alert("log")</script>' in report.text.get("log-lines", ""), "the log's <script> shown as text")
expect(len([1 for t, a in report.elements if t == "script"]) == 2, "only the page's two scripts")
expect(any(t == "div" and "stuck" in a.get("class", "").split() for t, a in report.elements), "the stuck op highlighted")
finish("serve_browser")
PY
for shot in serve-screenshot.png run-report-screenshot.png; do
  test -s "$build_dir/$shot" || { echo "serve_browser: no $shot"; exit 1; }
done
echo "serve_browser: screenshots in $build_dir/serve-screenshot.png and run-report-screenshot.png"
