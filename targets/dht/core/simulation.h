// A deterministic simulated DHT cluster for randomized tests: nodes running
// the sans-I/O core, a network that loses, duplicates, delays and reorders
// messages, partitions, crash-restarts that keep each node's ReplicaStore,
// and concurrent clients sending reads and writes to random coordinators.
// It records what the clients saw as a faultline history (JSON lines, see
// docs/history.md) for a checker to judge. Everything derives from `seed`.
#pragma once

#include <cstdint>
#include <string>

#include "targets/dht/core/node.h"

namespace faultline::dht {

struct SimulationOptions {
  uint64_t seed = 1;
  Mode mode = Mode::kAbd;
  int read_quorum = 1;  // kEventual only
  int write_quorum = 1;
  int nodes = 5;
  int replication = 3;
  int vnodes_per_node = 16;
  int clients = 6;
  int ops_per_client = 25;
  int keys = 3;
  double loss = 0.05;       // per message
  double duplicate = 0.02;  // per message
  int max_delay = 6;        // ticks; a message takes 1..max_delay
  bool partitions = true;
  bool crashes = true;
};

struct SimulationResult {
  // The clients' history, one JSON event per line, nemesis events included.
  // Completions: ok; info for UNAVAILABLE and for operations whose
  // coordinator crashed (their effect is unknown).
  std::string history;
  int ok = 0;
  int info = 0;
  int partitions = 0;
  int crashes = 0;
  // Set when a node rejected a message (Node::step failed): a core bug.
  std::string error;
};

SimulationResult run_simulation(const SimulationOptions& options);

}  // namespace faultline::dht
