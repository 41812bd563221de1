#!/usr/bin/env python3
"""Checks the include rule of docs/architecture.md over every .h and .cc file.

Usage: scripts/check-layers.py [ROOT]   (default: the repository this script is in)

Reads the `#include "..."` lines (paths from the repository root) and fails,
listing file:line and the include, when a file includes a layer it must not:

  base/                  only base/
  history/               base/, history/
  spawn/                 base/, spawn/ (the process spawner: product and tests)
  checkers/              base/, history/, checkers/
  targets/               base/, targets/; a server (targets/raftkv,
                         targets/dht, targets/paxos) never includes another server, and the
                         shared folders (common, resp, kvstate) include no
                         server. A target's tests (*_test.cc) may also use
                         history/, checkers/ and tests/support/ to check it.
  reports/               anything but harness/run and harness/cli
  harness/sim/           also the servers' sans-I/O parts: raftkv's node,
                         core and storage (targets/raftkv/node/, raft/,
                         storage/), the paxos and dht cores, command logic
                         and storage (targets/{paxos,dht}/core/, kv/,
                         storage/) and their servers' option code
                         (server/*_options.h, no sockets), targets/common/
                         (the Env and the simulated disk) and
                         targets/kvstate/; never a server shell
                         (targets/*/server/ otherwise)
  anything else          of targets/, only the RESP protocol and client
                         (targets/resp/) and the failpoint names of raftkv
                         and paxos (targets/*/failpoints.h): the harness deploys
                         and talks to the servers, it does not link them

Exit status: 0 when every include keeps the rule, 1 when one does not, 2 on a
usage error.
"""

import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
SHARED_TARGETS = {"common", "resp", "kvstate"}
# What the rest of the project may use of targets/.
TARGET_INTERFACES = ("targets/resp/", "targets/raftkv/failpoints.h", "targets/paxos/failpoints.h")
# What the simulator (harness/sim) may use besides: the same node, core and
# storage the servers run, without their sockets.
SIM_TARGETS = (
    "targets/raftkv/node/",
    "targets/raftkv/raft/",
    "targets/raftkv/storage/",
    "targets/paxos/core/",
    "targets/paxos/kv/",
    "targets/paxos/storage/",
    "targets/paxos/server/paxos_options.h",
    "targets/dht/core/",
    "targets/dht/kv/",
    "targets/dht/storage/",
    "targets/dht/server/dht_options.h",
    "targets/common/",
    "targets/kvstate/",
)
SKIPPED_DIRS = {".git", "build", "build-fuzz", "store"}


def top(path):
    return path.split("/", 1)[0]


def target_folder(path):
    parts = path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "targets" else None


def violation(source, include):
    """Why `source` may not include `include`, or None when it may."""
    layer = top(source)
    dest = top(include)
    if layer == "base":
        return None if dest == "base" else "base/ includes nothing of the project outside base/"
    if layer == "history":
        return None if dest in ("base", "history") else "history/ includes only base/ and history/"
    if layer == "spawn":
        return None if dest in ("base", "spawn") else "spawn/ includes only base/ and spawn/"
    if layer == "checkers":
        if dest in ("base", "history", "checkers"):
            return None
        return "checkers/ includes only base/, history/ and checkers/"
    if layer == "targets":
        is_test = source.endswith("_test.cc")
        if dest not in ("base", "targets"):
            test_support = dest in ("history", "checkers") or include.startswith("tests/support/")
            if is_test and test_support:
                return None
            return "targets/ includes only base/ and targets/"
        if dest == "base":
            return None
        mine, theirs = target_folder(source), target_folder(include)
        if theirs is None or theirs == mine or theirs in SHARED_TARGETS:
            return None
        if mine in SHARED_TARGETS:
            return f"targets/{mine} is shared by the servers and includes none of them"
        return f"a server (targets/{mine}) includes no other server (targets/{theirs})"
    if layer == "reports" and include.startswith(("harness/run/", "harness/cli/")):
        return "reports/ includes neither harness/run nor harness/cli"
    if source.startswith("harness/sim/") and include.startswith(SIM_TARGETS):
        return None
    if dest == "targets" and not include.startswith(TARGET_INTERFACES):
        return "outside targets/, only targets/resp/ and the failpoint names of raftkv and paxos"
    return None


def sources(root):
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("build"))
        for name in sorted(files):
            if name.endswith((".h", ".cc")):
                yield os.path.relpath(os.path.join(directory, name), root)


def main(argv):
    if len(argv) > 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    root = argv[1] if len(argv) == 2 else os.path.join(os.path.dirname(__file__), "..")
    if not os.path.isdir(root):
        print(f"check-layers: {root}: not a directory", file=sys.stderr)
        return 2
    found = 0
    checked = 0
    for source in sources(root):
        checked += 1
        with open(os.path.join(root, source), encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                match = INCLUDE.match(line)
                if not match:
                    continue
                why = violation(source.replace(os.sep, "/"), match.group(1))
                if why:
                    found += 1
                    print(f'{source}:{number}: #include "{match.group(1)}": {why}')
    if found:
        print(f"check-layers: {found} include(s) break the layering (docs/architecture.md)")
        return 1
    print(f"check-layers: {checked} files keep the layering")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
