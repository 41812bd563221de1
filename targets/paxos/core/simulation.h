// A deterministic simulated CASPaxos cluster for randomized tests: nodes
// running the sans-I/O core, a network that loses, duplicates, delays and
// reorders messages, partitions, crash-restarts that keep each node's
// AcceptorStore (and lose everything else: pending proposals, and the
// promises the no-persist-promise failpoint keeps in memory), and concurrent
// clients sending reads, writes and compare-and-sets to random nodes. It
// records what the clients saw as a faultline history (docs/history.md, the
// `register` model) and checks the acceptors' invariants after every input.
// Everything derives from `seed`.
#pragma once

#include <cstdint>
#include <string>

#include "targets/paxos/core/node.h"

namespace faultline::paxos {

struct SimulationOptions {
  uint64_t seed = 1;
  int nodes = 3;
  // Two clients per key on average: contention enough to race ballots, not
  // so much that indeterminate (info) proposals swamp the checker's search.
  int clients = 5;
  int ops_per_client = 30;
  int keys = 3;
  double loss = 0.05;       // per message
  double duplicate = 0.02;  // per message
  int max_delay = 6;        // ticks; a message takes 1..max_delay
  bool partitions = true;
  bool crashes = true;
  double crash_rate = 0.004;  // per tick: a crash of a random node, down 10..59 ticks
  Failpoints failpoints;      // on every node
};

struct SimulationResult {
  // The clients' history, one JSON event per line, nemesis events included.
  // Completions: ok; fail for a CAS whose expected value did not match; info
  // for UNAVAILABLE and for proposals whose node crashed.
  std::string history;
  int ok = 0;
  int fail = 0;
  int info = 0;
  int partitions = 0;
  int crashes = 0;
  // Set when a node rejected a message, broke an invariant, or two
  // acceptors hold different values at one ballot of one key: a core bug.
  std::string error;
};

SimulationResult run_simulation(const SimulationOptions& options);

}  // namespace faultline::paxos
