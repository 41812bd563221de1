// A deterministic randomized simulation of a Raft cluster: one seed picks
// the cluster's configuration and a sequence of events — ticks, deliveries in
// any order, message loss and duplication, partitions, crashes (dropping
// everything not yet persisted) and restarts, proposals, reads, compactions.
// The SafetyChecker and the per-node invariants run after every event. Then
// the network heals and every node restarts, and a proposal must be applied
// by every node within a bounded number of ticks.
#pragma once

#include <cstdint>
#include <string>

namespace faultline::raft {

struct SimulationOptions {
  size_t nodes = 3;
  int events = 8000;     // chaotic phase
  int heal_ticks = 300;  // ticks allowed, after healing, for a proposal to reach every node
  bool unsafe_commit_any_term = false;
  bool unsafe_stale_read = false;
};

struct SimulationResult {
  bool ok = true;
  std::string failure;   // the first violation, or the progress timeout
  std::string config;    // the configuration the seed picked
  std::string trace;     // the last events before the failure
  uint64_t leaders = 0;  // terms that had a leader
  uint64_t committed = 0;
  uint64_t snapshots_installed = 0;
  uint64_t reads_answered = 0;
  int heal_ticks = 0;  // ticks the healed cluster needed
};

SimulationResult run_simulation(uint64_t seed, const SimulationOptions& options);

}  // namespace faultline::raft
