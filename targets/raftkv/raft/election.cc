// Leader election (§5.2) with pre-vote (§9.6), leader stickiness (§4.2.3)
// and check-quorum (§6.2).
#include "targets/raftkv/raft/raft.h"

namespace faultline::raft {

void Raft::tick_election() {
  ++election_elapsed_;
  if (election_elapsed_ >= randomized_election_timeout_) campaign(config_.pre_vote);
}

bool Raft::in_leader_lease(MessageType vote_type) const {
  const bool heard_from_leader = leader_ != kNoNode && election_elapsed_ < config_.election_tick;
  if (!heard_from_leader) return false;
  // Check-quorum makes the lease safe to honour for real votes: a leader that
  // loses its majority steps down within an election timeout, after which its
  // followers' leases run out. A pre-vote changes nothing, so refusing it
  // while a leader is heard from is always safe.
  if (vote_type == MessageType::kVote) return config_.check_quorum;
  return config_.check_quorum || config_.pre_vote;
}

void Raft::campaign(bool pre_vote) {
  if (pre_vote) {
    become_pre_candidate();
  } else {
    become_candidate();
  }
  votes_[config_.id] = true;
  if (quorum() == 1) {
    if (pre_vote) {
      campaign(false);
    } else {
      become_leader();
    }
    return;
  }
  // A pre-vote asks about the term the real election would use.
  const uint64_t term = pre_vote ? term_ + 1 : term_;
  for (uint64_t peer : config_.peers) {
    if (peer == config_.id) continue;
    send({.type = pre_vote ? MessageType::kPreVote : MessageType::kVote,
          .to = peer,
          .term = term,
          .index = log_.last_index(),
          .log_term = log_.last_term()});
  }
}

void Raft::become_pre_candidate() {
  // Keeps term and vote: nothing observable changes until the pre-vote wins.
  // reset() also rerolls the election timeout, so rival pre-candidates drift
  // apart.
  reset(term_);
  role_ = Role::kPreCandidate;
}

void Raft::become_candidate() {
  reset(term_ + 1);
  vote_ = config_.id;
  role_ = Role::kCandidate;
}

void Raft::become_leader() {
  reset(term_);
  role_ = Role::kLeader;
  leader_ = config_.id;
  for (uint64_t peer : config_.peers) {
    Progress& pr = progress_[peer];
    pr.next = log_.last_index() + 1;
    // The votes just won prove a majority was reachable; give every follower
    // one election timeout before check-quorum counts it as lost.
    pr.recent_active = true;
  }
  progress_[config_.id].maybe_update(log_.durable_last_index());
  // §5.4.2 / §8: a leader can only commit entries of its own term by
  // counting, so it starts with one; this also commits the earlier terms'
  // entries and lets read_index() proceed.
  append_entry(EntryType::kNoop, {});
  broadcast_append();
}

void Raft::handle_vote_request(const Message& m) {
  const bool pre_vote = m.type == MessageType::kPreVote;
  const bool can_vote =
      vote_ == m.from || (vote_ == kNoNode && leader_ == kNoNode) || (pre_vote && m.term > term_);
  const MessageType response =
      pre_vote ? MessageType::kPreVoteResponse : MessageType::kVoteResponse;
  if (can_vote && log_.is_up_to_date(m.index, m.log_term)) {
    // A grant carries the term asked about, so a pre-candidate can tell it
    // apart from a rejection by a node already at that term.
    send({.type = response, .to = m.from, .term = m.term});
    if (!pre_vote) {
      vote_ = m.from;
      election_elapsed_ = 0;
    }
  } else {
    send({.type = response, .to = m.from, .term = term_, .reject = true});
  }
}

void Raft::handle_vote_response(const Message& m) {
  // A grant from an earlier pre-vote round at a lower term does not count.
  if (role_ == Role::kPreCandidate && !m.reject && m.term != term_ + 1) return;
  votes_.emplace(m.from, !m.reject);
  size_t granted = 0;
  for (const auto& [voter, yes] : votes_) granted += yes ? 1 : 0;
  const size_t rejected = votes_.size() - granted;
  if (granted >= quorum()) {
    if (role_ == Role::kPreCandidate) {
      campaign(false);
    } else {
      become_leader();
    }
  } else if (config_.peers.size() - rejected < quorum()) {
    become_follower(term_, kNoNode);
  }
}

void Raft::tick_leader() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  for (auto& [peer, pr] : progress_) {
    // A snapshot not acknowledged within an election timeout is presumed
    // lost: probe again, which resends it.
    if (pr.state == ProgressState::kSnapshot && ++pr.snapshot_ticks >= config_.election_tick) {
      pr.become_probe(pr.match + 1);
      send_append(peer, true);
    }
  }
  if (election_elapsed_ >= config_.election_tick) {
    election_elapsed_ = 0;
    if (config_.check_quorum) {
      size_t active = 0;
      for (auto& [peer, pr] : progress_) {
        if (peer == config_.id || pr.recent_active) ++active;
        pr.recent_active = false;
      }
      if (active < quorum()) {
        become_follower(term_, kNoNode);
        return;
      }
    }
  }
  if (heartbeat_elapsed_ >= config_.heartbeat_tick) {
    heartbeat_elapsed_ = 0;
    broadcast_heartbeat();
  }
}

}  // namespace faultline::raft
