// The Ready handshake: what the driver must persist, send, apply and answer,
// and its acknowledgement.
#include "targets/raftkv/raft/check.h"
#include "targets/raftkv/raft/raft.h"

namespace faultline::raft {

bool Raft::has_ready() const {
  if (ready_outstanding_) return false;
  return soft_state() != last_soft_state_ || hard_state() != last_hard_state_ ||
         log_.unstable_snapshot() || !log_.unstable_entries().empty() || !outbox_.empty() ||
         log_.committed() > std::max(log_.applied(), log_.snapshot_index()) ||
         !read_states_.empty();
}

Ready Raft::ready() {
  RAFT_CHECK(!ready_outstanding_, "node {}: ready() called twice without advance()", config_.id);
  Ready rd;
  if (soft_state() != last_soft_state_) {
    last_soft_state_ = soft_state();
    rd.soft_state = last_soft_state_;
  }
  if (hard_state() != last_hard_state_) {
    const HardState& now = hard_state();
    rd.must_sync = now.term != last_hard_state_.term || now.vote != last_hard_state_.vote;
    last_hard_state_ = now;
    rd.hard_state = last_hard_state_;
  }
  rd.snapshot = log_.unstable_snapshot();
  rd.entries = log_.unstable_entries();
  rd.must_sync = rd.must_sync || rd.snapshot || !rd.entries.empty();
  for (Message& m : outbox_) {
    const bool leader_only = m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat ||
                             m.type == MessageType::kSnapshot;
    (leader_only ? rd.early_messages : rd.messages).push_back(std::move(m));
  }
  outbox_.clear();
  rd.committed_entries = log_.next_committed_entries();
  rd.read_states.swap(read_states_);
  ready_outstanding_ = true;
  return rd;
}

void Raft::advance(const Ready& rd) {
  RAFT_CHECK(ready_outstanding_, "node {}: advance() without a ready()", config_.id);
  ready_outstanding_ = false;
  if (rd.snapshot) {
    log_.stable_snapshot_to(rd.snapshot->metadata.index);
    log_.applied_to(rd.snapshot->metadata.index);
  }
  if (!rd.entries.empty()) log_.stable_to(rd.entries.back().index, rd.entries.back().term);
  if (!rd.committed_entries.empty()) log_.applied_to(rd.committed_entries.back().index);
  if (role_ == Role::kLeader && progress_[config_.id].maybe_update(log_.durable_last_index()) &&
      maybe_commit()) {
    broadcast_append();
  }
  check_invariants_if_asked();
}

Status persist_ready(const Ready& ready, Storage& storage) {
  if (ready.snapshot) {
    if (Status s = storage.apply_snapshot(*ready.snapshot); !s.is_ok()) return s;
  }
  if (!ready.entries.empty()) {
    if (Status s = storage.append(ready.entries); !s.is_ok()) return s;
  }
  if (ready.hard_state) {
    if (Status s = storage.set_hard_state(*ready.hard_state); !s.is_ok()) return s;
  }
  return Status::ok();
}

}  // namespace faultline::raft
