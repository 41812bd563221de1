// Raft: construction, role transitions, the term rules every message goes
// through, and dispatch to the role-specific handlers.
#include "targets/raftkv/raft/raft.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "targets/raftkv/raft/check.h"
#include "targets/raftkv/raft/invariants.h"

namespace faultline::raft {

namespace {
CheckFailureHandler check_failure_handler = nullptr;
}  // namespace

void set_check_failure_handler(CheckFailureHandler handler) { check_failure_handler = handler; }

void check_failed(const char* file, int line, const char* condition, const std::string& message) {
  const std::string report =
      fmt::format("{}:{}: RAFT_CHECK({}) failed: {}", file, line, condition, message);
  if (check_failure_handler != nullptr) check_failure_handler(report);
  std::fprintf(stderr, "%s\n", report.c_str());
  std::abort();
}

std::string_view to_string(Role role) {
  switch (role) {
    case Role::kFollower: return "follower";
    case Role::kPreCandidate: return "pre-candidate";
    case Role::kCandidate: return "candidate";
    case Role::kLeader: return "leader";
  }
  return "?";
}

Status Raft::create(Config config, Storage& storage, std::unique_ptr<Raft>* out) {
  if (Status s = config.validate(); !s.is_ok()) return s;
  const HardState hs = storage.hard_state();
  const uint64_t snapshot_index = storage.snapshot_metadata().index;
  if (storage.first_index() != snapshot_index + 1 || storage.last_index() < snapshot_index) {
    return Status::malformed(fmt::format("storage: log [{}, {}] does not follow snapshot {}",
                                         storage.first_index(), storage.last_index(),
                                         snapshot_index));
  }
  if (hs.commit > storage.last_index()) {
    return Status::malformed(fmt::format("storage: commit {} is past the last index {}", hs.commit,
                                         storage.last_index()));
  }
  const std::optional<uint64_t> last_term = storage.term(storage.last_index());
  if (!last_term || *last_term > hs.term) {
    return Status::malformed(
        fmt::format("storage: last entry's term is past the current term {}", hs.term));
  }
  const auto& peers = config.peers;
  if (hs.vote != kNoNode && std::find(peers.begin(), peers.end(), hs.vote) == peers.end()) {
    return Status::malformed(fmt::format("storage: voted for {}, not a peer", hs.vote));
  }
  if (config.applied > std::max(hs.commit, snapshot_index)) {
    return Status::invalid_argument(
        fmt::format("config: applied {} is past the commit index {}", config.applied, hs.commit));
  }
  out->reset(new Raft(std::move(config), storage));
  return Status::ok();
}

Raft::Raft(Config config, Storage& storage)
    : config_(std::move(config)), storage_(storage), log_(storage, config_.applied) {
  const HardState hs = storage.hard_state();
  term_ = hs.term;
  vote_ = hs.vote;
  become_follower(term_, kNoNode);
  last_hard_state_ = hs;
  last_soft_state_ = soft_state();
  check_invariants_if_asked();
}

void Raft::reset(uint64_t term) {
  if (term != term_) {
    term_ = term;
    vote_ = kNoNode;
  }
  leader_ = kNoNode;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  const uint64_t et = static_cast<uint64_t>(config_.election_tick);
  randomized_election_timeout_ = static_cast<int>(et + config_.random() % et);
  votes_.clear();
  progress_.clear();
  pending_reads_.clear();
  reads_before_commit_.clear();
  read_round_ = 0;
}

void Raft::become_follower(uint64_t term, uint64_t leader) {
  reset(term);
  role_ = Role::kFollower;
  leader_ = leader;
}

void Raft::send(Message message) {
  message.from = config_.id;
  if (message.term == 0) message.term = term_;
  outbox_.push_back(std::move(message));
}

void Raft::tick() {
  if (role_ == Role::kLeader) {
    tick_leader();
  } else {
    tick_election();
  }
  check_invariants_if_asked();
}

static bool is_from_leader(MessageType type) {
  return type == MessageType::kAppend || type == MessageType::kHeartbeat ||
         type == MessageType::kSnapshot;
}

Status Raft::validate(const Message& m) const {
  const auto& peers = config_.peers;
  if (m.to != config_.id) {
    return Status::invalid_argument(
        fmt::format("{} for node {} delivered to node {}", to_string(m.type), m.to, config_.id));
  }
  if (m.from == config_.id || std::find(peers.begin(), peers.end(), m.from) == peers.end()) {
    return Status::invalid_argument(fmt::format("{} from {}, which is not a peer of node {}",
                                                to_string(m.type), m.from, config_.id));
  }
  uint64_t prev_index = m.index;
  uint64_t prev_term = m.log_term;
  for (const Entry& e : m.entries) {
    if (m.type != MessageType::kAppend || e.index != prev_index + 1 || e.term < prev_term ||
        e.term > m.term) {
      return Status::invalid_argument(
          fmt::format("{} from {}: entry {} (term {}) cannot follow entry {} (term {}) at term {}",
                      to_string(m.type), m.from, e.index, e.term, prev_index, prev_term, m.term));
    }
    prev_index = e.index;
    prev_term = e.term;
  }
  if (m.log_term > m.term) {
    return Status::invalid_argument(fmt::format("{} from {}: log term {} is past its term {}",
                                                to_string(m.type), m.from, m.log_term, m.term));
  }
  if (m.type == MessageType::kSnapshot &&
      (m.snapshot.metadata.index == 0 || m.snapshot.metadata.term > m.term)) {
    return Status::invalid_argument(
        fmt::format("snapshot from {}: bad metadata (index {}, term {}) at term {}", m.from,
                    m.snapshot.metadata.index, m.snapshot.metadata.term, m.term));
  }
  return Status::ok();
}

Status Raft::step(const Message& m) {
  if (Status s = validate(m); !s.is_ok()) return s;
  if (m.term > term_) {
    const bool vote_request = m.type == MessageType::kVote || m.type == MessageType::kPreVote;
    // Leader stickiness (§4.2.3): a node that hears from a live leader does not
    // let a disruptive candidate depose it.
    if (vote_request && in_leader_lease(m.type)) return Status::ok();
    // A pre-vote, and a grant of one, carry the term the candidate would
    // campaign at; nobody adopts it before a real election.
    const bool keeps_term =
        m.type == MessageType::kPreVote || (m.type == MessageType::kPreVoteResponse && !m.reject);
    if (!keeps_term) become_follower(m.term, is_from_leader(m.type) ? m.from : kNoNode);
  } else if (m.term < term_) {
    if ((config_.check_quorum || config_.pre_vote) &&
        (m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat)) {
      // A stale leader, or one whose term this node overtook while cut off
      // (say, an election lost after a successful pre-vote): our higher term
      // in the answer makes it step down, so that a leader this node will
      // follow gets elected. Leader stickiness could otherwise keep this
      // node's term out of everyone's reach.
      send({.type = MessageType::kAppendResponse, .to = m.from});
    } else if (m.type == MessageType::kPreVote) {
      send({.type = MessageType::kPreVoteResponse, .to = m.from, .reject = true});
    }
    return Status::ok();
  }

  Status result;
  switch (m.type) {
    case MessageType::kPreVote:
    case MessageType::kVote: handle_vote_request(m); break;
    default:
      switch (role_) {
        case Role::kLeader: result = step_leader(m); break;
        case Role::kPreCandidate:
        case Role::kCandidate: result = step_candidate(m); break;
        case Role::kFollower: result = step_follower(m); break;
      }
  }
  check_invariants_if_asked();
  return result;
}

Status Raft::step_leader(const Message& m) {
  switch (m.type) {
    case MessageType::kAppendResponse: return handle_append_response(m);
    case MessageType::kHeartbeatResponse: handle_heartbeat_response(m); break;
    case MessageType::kAppend:
    case MessageType::kHeartbeat:
    case MessageType::kSnapshot:
      return Status::invalid_argument(
          fmt::format("{} from {} claims leadership of term {}, which node {} leads",
                      to_string(m.type), m.from, m.term, config_.id));
    default: break;  // vote responses arriving after the election was won
  }
  return Status::ok();
}

Status Raft::step_candidate(const Message& m) {
  switch (m.type) {
    case MessageType::kAppend:
    case MessageType::kHeartbeat:
    case MessageType::kSnapshot:
      // Someone else won this term.
      become_follower(term_, m.from);
      return step_follower(m);
    case MessageType::kPreVoteResponse:
      if (role_ == Role::kPreCandidate) handle_vote_response(m);
      break;
    case MessageType::kVoteResponse:
      if (role_ == Role::kCandidate) handle_vote_response(m);
      break;
    default: break;
  }
  return Status::ok();
}

Status Raft::step_follower(const Message& m) {
  if (!is_from_leader(m.type)) return Status::ok();  // stale responses from an earlier role
  if (leader_ != kNoNode && leader_ != m.from) {
    return Status::invalid_argument(
        fmt::format("{} from {} claims leadership of term {}, which {} leads", to_string(m.type),
                    m.from, m.term, leader_));
  }
  leader_ = m.from;
  election_elapsed_ = 0;
  switch (m.type) {
    case MessageType::kAppend: return handle_append(m);
    case MessageType::kHeartbeat: return handle_heartbeat(m);
    default: handle_snapshot(m); return Status::ok();
  }
}

ProposeResult Raft::propose(std::string command) {
  if (role_ != Role::kLeader) return {};
  append_entry(EntryType::kCommand, std::move(command));
  broadcast_append();
  check_invariants_if_asked();
  return {ProposeStatus::kOk, log_.last_index(), term_};
}

Status Raft::compact(uint64_t index, std::string data) {
  if (index > log_.applied()) {
    return Status::invalid_argument(
        fmt::format("compact: index {} is past the applied index {}", index, log_.applied()));
  }
  if (index <= log_.snapshot_index()) {
    return Status::invalid_argument(fmt::format(
        "compact: index {} is already covered by snapshot {}", index, log_.snapshot_index()));
  }
  return storage_.compact(index, std::move(data));
}

void Raft::check_invariants_if_asked() const {
  if (!config_.check_invariants) return;
  const Status s = check_invariants(*this);
  RAFT_CHECK(s.is_ok(), "node {}: {}", config_.id, s.message());
}

}  // namespace faultline::raft
