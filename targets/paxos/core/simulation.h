// A deterministic simulated CASPaxos cluster for randomized tests: the
// simulated cluster of targets/common/simulated_cluster.h (lossy, reordering
// network, partitions, crash-restarts that keep each node's AcceptorStore and
// lose everything else: pending proposals, and the promises the
// no-persist-promise failpoint keeps in memory) running the CASPaxos core,
// with clients sending reads, writes and compare-and-sets to random nodes (the
// `register` model of docs/history.md). It checks the acceptors' invariants
// after every input. Completions: ok; fail for a CAS whose expected value did
// not match; info for UNAVAILABLE and for proposals whose node crashed.
#pragma once

#include "targets/common/simulated_cluster.h"
#include "targets/paxos/core/node.h"

namespace faultline::paxos {

// The defaults: two clients per key on average, contention enough to race
// ballots, not so much that indeterminate (info) proposals swamp the
// checker's search.
struct SimulationOptions : common::SimulationOptions {
  Failpoints failpoints;  // on every node
};

// `error` is also set when a node broke an invariant, or two acceptors hold
// different values at one ballot of one key.
using SimulationResult = common::SimulationResult;

SimulationResult run_simulation(const SimulationOptions& options);

}  // namespace faultline::paxos
