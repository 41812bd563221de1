// ReadIndex (§6.4): linearizable reads without writing to the log. The leader
// notes its commit index when a read arrives, then proves it was still the
// leader at that moment by a round of heartbeats acknowledged by a majority.
// Serving the read once the state machine has applied that index returns a
// state at least as new as any write acknowledged before the read began.
#include <algorithm>
#include <functional>

#include "targets/raftkv/raft/raft.h"

namespace faultline::raft {

ReadIndexStatus Raft::read_index(uint64_t context) {
  if (role_ != Role::kLeader) return ReadIndexStatus::kNotLeader;
  if (config_.unsafe_stale_read) {
    read_states_.push_back({context, log_.committed()});
  } else if (!committed_in_term()) {
    // Until it commits an entry of its own term, a new leader's commit index
    // may lag entries its predecessor committed (and acknowledged).
    reads_before_commit_.push_back(context);
  } else {
    start_reads({context});
  }
  check_invariants_if_asked();
  return ReadIndexStatus::kOk;
}

bool Raft::committed_in_term() const { return log_.term(log_.committed()) == term_; }

void Raft::on_commit_in_term() {
  std::vector<uint64_t> contexts;
  contexts.swap(reads_before_commit_);
  start_reads(contexts);
}

void Raft::start_reads(const std::vector<uint64_t>& contexts) {
  if (contexts.empty()) return;
  if (quorum() == 1) {  // nobody else could have been elected
    for (uint64_t context : contexts) read_states_.push_back({context, log_.committed()});
    return;
  }
  ++read_round_;
  for (uint64_t context : contexts) {
    pending_reads_.push_back({context, log_.committed(), read_round_});
  }
  broadcast_heartbeat();
}

void Raft::release_confirmed_reads() {
  std::vector<uint64_t> rounds;
  for (const auto& [peer, pr] : progress_) {
    rounds.push_back(peer == config_.id ? read_round_ : pr.read_round);
  }
  std::sort(rounds.begin(), rounds.end(), std::greater<>());
  const uint64_t confirmed = rounds[quorum() - 1];
  while (!pending_reads_.empty() && pending_reads_.front().round <= confirmed) {
    read_states_.push_back({pending_reads_.front().context, pending_reads_.front().index});
    pending_reads_.pop_front();
  }
}

}  // namespace faultline::raft
