// Local invariants of one Raft node, in the style of LogCabin's
// RaftConsensusInvariants: run after every input while Config::check_invariants
// is on, as in tests (O(log length), so servers turn it off). Cluster-wide properties (election
// safety, log matching, ...) need every node's state and live with the simulated cluster.
#pragma once

#include "base/status.h"
#include "targets/raftkv/raft/raft.h"

namespace faultline::raft {

// Checks one snapshot of the node's state: log shape (contiguous indexes,
// non-decreasing terms no later than the current term), commit and applied
// within the log, role-specific facts (a leader voted for itself, leads its
// term, ends its log in its term, tracks sane progress). Returns the first
// violation found.
Status check_invariants(const Raft& raft);

// check_invariants() plus what must hold between two observations of the
// same incarnation of a node: term, commit and applied never decrease, and a
// vote, once cast, is not changed within a term.
class InvariantMonitor {
 public:
  Status check(const Raft& raft);

 private:
  bool seen_ = false;
  HardState last_;
  uint64_t last_applied_ = 0;
};

}  // namespace faultline::raft
