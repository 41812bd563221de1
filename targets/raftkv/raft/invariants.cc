#include "targets/raftkv/raft/invariants.h"

#include <fmt/format.h>

#include <algorithm>

namespace faultline::raft {

namespace {

Status violation(const Raft& raft, const std::string& what) {
  return Status::malformed(fmt::format("node {} (term {}, {}): {}", raft.id(), raft.term(),
                                       to_string(raft.role()), what));
}

bool is_peer(const Raft& raft, uint64_t id) {
  const auto& peers = raft.config().peers;
  return std::find(peers.begin(), peers.end(), id) != peers.end();
}

Status check_log(const Raft& raft) {
  const RaftLog& log = raft.log();
  const uint64_t first = log.first_index();
  const uint64_t last = log.last_index();
  if (first == 0 || last + 1 < first) {
    return violation(raft, fmt::format("log bounds [{}, {}]", first, last));
  }
  std::optional<uint64_t> prev = log.term(first - 1);
  if (!prev) return violation(raft, fmt::format("no term for snapshot index {}", first - 1));
  for (uint64_t i = first; i <= last; ++i) {
    const std::optional<uint64_t> t = log.term(i);
    if (!t || *t < *prev || *t > raft.term()) {
      return violation(raft, fmt::format("entry {} has term {} after term {} (current term {})", i,
                                         t.value_or(0), *prev, raft.term()));
    }
    prev = t;
  }
  const auto& unstable = log.unstable_entries();
  for (size_t k = 0; k < unstable.size(); ++k) {
    if (unstable[k].index != last + 1 - unstable.size() + k) {
      return violation(raft, fmt::format("unstable entry {} stored at position {} of {}",
                                         unstable[k].index, k, unstable.size()));
    }
  }
  if (log.committed() > last || log.committed() + 1 < first) {
    return violation(
        raft, fmt::format("commit {} outside the log [{}, {}]", log.committed(), first, last));
  }
  if (log.applied() > log.committed()) {
    return violation(raft,
                     fmt::format("applied {} past commit {}", log.applied(), log.committed()));
  }
  return Status::ok();
}

Status check_leader(const Raft& raft) {
  const RaftLog& log = raft.log();
  if (raft.leader() != raft.id() || raft.vote() != raft.id()) {
    return violation(raft,
                     fmt::format("leader with leader {} and vote {}", raft.leader(), raft.vote()));
  }
  if (log.last_term() != raft.term()) {
    return violation(raft, fmt::format("leader's last entry has term {}", log.last_term()));
  }
  if (raft.progress().size() != raft.config().peers.size()) {
    return violation(raft, fmt::format("tracks {} peers of {}", raft.progress().size(),
                                       raft.config().peers.size()));
  }
  for (const auto& [peer, pr] : raft.progress()) {
    if (!is_peer(raft, peer) || pr.match > log.last_index() ||
        (peer != raft.id() && (pr.next <= pr.match || pr.next > log.last_index() + 1))) {
      return violation(raft, fmt::format("progress of {}: match {}, next {}, last index {}", peer,
                                         pr.match, pr.next, log.last_index()));
    }
    if (peer == raft.id() && pr.match > log.durable_last_index()) {
      return violation(raft, fmt::format("counts itself at {} but only {} is durable", pr.match,
                                         log.durable_last_index()));
    }
    for (uint64_t inflight : pr.inflight) {
      if (inflight <= pr.match || inflight >= pr.next) {
        return violation(raft, fmt::format("progress of {}: in-flight append up to {} outside "
                                           "({}, {})",
                                           peer, inflight, pr.match, pr.next));
      }
    }
  }
  if (raft.election_elapsed() >= raft.config().election_tick) {
    return violation(raft, fmt::format("check-quorum timer at {}", raft.election_elapsed()));
  }
  return Status::ok();
}

}  // namespace

Status check_invariants(const Raft& raft) {
  if (Status s = check_log(raft); !s.is_ok()) return s;
  if (raft.vote() != kNoNode && !is_peer(raft, raft.vote())) {
    return violation(raft, fmt::format("voted for non-peer {}", raft.vote()));
  }
  if (raft.leader() != kNoNode && !is_peer(raft, raft.leader())) {
    return violation(raft, fmt::format("follows non-peer {}", raft.leader()));
  }
  const int et = raft.config().election_tick;
  if (raft.randomized_election_timeout() < et || raft.randomized_election_timeout() >= 2 * et) {
    return violation(raft, fmt::format("election timeout {} outside [{}, {})",
                                       raft.randomized_election_timeout(), et, 2 * et));
  }
  switch (raft.role()) {
    case Role::kLeader: return check_leader(raft);
    case Role::kCandidate:
      if (raft.vote() != raft.id() || raft.leader() != kNoNode) {
        return violation(
            raft, fmt::format("candidate with vote {} and leader {}", raft.vote(), raft.leader()));
      }
      break;
    case Role::kPreCandidate:
      if (raft.leader() != kNoNode) return violation(raft, "pre-candidate with a leader");
      break;
    case Role::kFollower:
      if (raft.leader() == raft.id()) return violation(raft, "follower following itself");
      break;
  }
  if (raft.role() != Role::kLeader &&
      raft.election_elapsed() >= raft.randomized_election_timeout()) {
    return violation(raft,
                     fmt::format("election timer {} past its timeout {}", raft.election_elapsed(),
                                 raft.randomized_election_timeout()));
  }
  if (raft.role() != Role::kLeader && (!raft.progress().empty() || raft.pending_read_count())) {
    return violation(raft, "non-leader tracks progress or pending reads");
  }
  return Status::ok();
}

Status InvariantMonitor::check(const Raft& raft) {
  if (Status s = check_invariants(raft); !s.is_ok()) return s;
  const HardState now = raft.hard_state();
  if (seen_) {
    if (now.term < last_.term || now.commit < last_.commit ||
        raft.log().applied() < last_applied_) {
      return violation(raft, fmt::format("went back: term {} -> {}, commit {} -> {}, applied {} "
                                         "-> {}",
                                         last_.term, now.term, last_.commit, now.commit,
                                         last_applied_, raft.log().applied()));
    }
    if (now.term == last_.term && last_.vote != kNoNode && now.vote != last_.vote) {
      return violation(raft, fmt::format("changed its vote in term {} from {} to {}", now.term,
                                         last_.vote, now.vote));
    }
  }
  seen_ = true;
  last_ = now;
  last_applied_ = raft.log().applied();
  return Status::ok();
}

}  // namespace faultline::raft
