// A deterministic simulated DHT cluster for randomized tests: the simulated
// cluster of targets/common/simulated_cluster.h (lossy, reordering network,
// partitions, crash-restarts that keep each node's ReplicaStore) running the
// DHT core, with clients sending reads and writes to random coordinators.
// Completions: ok, or info for UNAVAILABLE and for operations whose
// coordinator crashed.
#pragma once

#include "targets/common/simulated_cluster.h"
#include "targets/dht/core/node.h"

namespace faultline::dht {

struct SimulationOptions : common::SimulationOptions {
  SimulationOptions() : common::SimulationOptions(5, 6, 25) {}
  Mode mode = Mode::kAbd;
  int read_quorum = 1;  // kEventual only
  int write_quorum = 1;
  int replication = 3;
  int vnodes_per_node = 16;
};

using SimulationResult = common::SimulationResult;

SimulationResult run_simulation(const SimulationOptions& options);

}  // namespace faultline::dht
