#!/usr/bin/env bash
# scripts/check-layers.py catches what it should: on a small tree that keeps
# the rule it passes; every bad include added to it is reported with its
# file:line, and the script exits 1.
#
# Usage: tests/check_layers_test.sh path/to/check-layers.py
set -euo pipefail

script="$1"
tree="$(mktemp -d)"
trap 'rm -rf "$tree"' EXIT

add() {  # add FILE LINE...: writes the lines to $tree/FILE
  local file="$tree/$1"
  shift
  mkdir -p "$(dirname "$file")"
  printf '%s\n' "$@" >"$file"
}

fail() {
  echo "check_layers_test: $*" >&2
  exit 1
}

# A tree that keeps the rule.
add base/status.h '#pragma once' '#include <string>'
add history/history.h '#include "base/status.h"'
add checkers/checker.h '#include "history/history.h"' '#include "base/status.h"'
add targets/common/env.h '#include "base/status.h"' '#include "targets/kvstate/kv.h"'
add targets/raftkv/wal.h '#include "targets/common/env.h"' '#include "targets/resp/resp.h"'
add targets/dht/node_test.cc '#include "checkers/checker.h"' '#include "tests/support/servers.h"'
add reports/store.h '#include "checkers/checker.h"' '#include "harness/db/db.h"'
add harness/run/runner.cc '#include "targets/raftkv/failpoints.h"' '#include "reports/store.h"'
add harness/sim/cluster.cc '#include "targets/raftkv/node/kv_node.h"' '#include "targets/common/env.h"'

out="$("$script" "$tree")" || fail "a tree that keeps the rule failed: $out"

# One violation of each rule, each on line 2.
add base/random.h '#pragma once' '#include "history/history.h"'
add history/reader.h '#include "base/status.h"' '#include "harness/cli/exit_codes.h"'
add checkers/model.h '#include "history/history.h"' '#include "workloads/workload.h"'
add targets/dht/store.h '#include "targets/common/env.h"' '#include "targets/raftkv/wal.h"'
add targets/common/listener.h '#include "base/status.h"' '#include "targets/dht/store.h"'
add targets/raftkv/node.cc '#include "base/status.h"' '#include "history/history.h"'
add targets/raftkv/server.cc '#include "base/status.h"' '#include "tests/support/servers.h"'
add reports/page.cc '#include "reports/store.h"' '#include "harness/run/runner.h"'
add reports/cli.cc '#include "reports/store.h"' '#include "harness/cli/exit_codes.h"'
add harness/db/raftkv.cc '#include "targets/raftkv/failpoints.h"' '#include "targets/raftkv/server.h"'
add harness/sim/shell.cc '#include "targets/raftkv/node/kv_node.h"' '#include "targets/raftkv/server/raft_node.h"'

set +e
out="$("$script" "$tree")"
status=$?
set -e
[ "$status" -eq 1 ] || fail "expected exit 1 on a tree with bad includes, got $status: $out"
for bad in base/random.h:2 history/reader.h:2 checkers/model.h:2 targets/dht/store.h:2 \
  targets/common/listener.h:2 targets/raftkv/node.cc:2 targets/raftkv/server.cc:2 \
  reports/page.cc:2 reports/cli.cc:2 harness/db/raftkv.cc:2 harness/sim/shell.cc:2; do
  grep -q "^$bad: #include" <<<"$out" || fail "$bad not reported in: $out"
done
[ "$(grep -c ': #include' <<<"$out")" -eq 11 ] || fail "expected 11 violations, got: $out"
echo "check_layers_test: ok"
