// Raft: the consensus core of raftkv, as a deterministic state machine in the
// style of etcd-io/raft. It performs no I/O and reads no clock: the driver
// (the server, or a test) feeds it inputs and carries out the Ready batches it
// returns. README.md in this directory describes the contract in full.
//
// Inputs:
//   tick()             one unit of logical time (election / heartbeat timers)
//   step(message)      a message from a peer
//   propose(command)   append a client command (leader only)
//   read_index(ctx)    start a linearizable read (leader only)
//   compact(i, data)   the application snapshotted its state at applied index i
// Output:
//   ready()            what to persist, send, apply and answer, then
//   advance(ready)     once all of it is done.
//
// The implementation is split by role: raft.cc (state, term rules, step
// dispatch), election.cc, replication.cc, read_index.cc, ready.cc.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "targets/raftkv/raft/config.h"
#include "targets/raftkv/raft/log.h"
#include "targets/raftkv/raft/messages.h"
#include "targets/raftkv/raft/progress.h"
#include "targets/raftkv/raft/storage.h"

namespace faultline::raft {

enum class Role : uint8_t { kFollower, kPreCandidate, kCandidate, kLeader };
std::string_view to_string(Role role);

// Volatile state the driver may want (to redirect clients, fail pending
// requests when leadership is lost); never persisted.
struct SoftState {
  uint64_t leader = kNoNode;
  Role role = Role::kFollower;

  bool operator==(const SoftState&) const = default;
};

// One batch of work for the driver. Handle it in this order, then call
// advance() with it; ready() may not be called again before that.
struct Ready {
  // Changed volatile state, for information only.
  std::optional<SoftState> soft_state;

  // 0. May be sent at once, before or while step 1 runs (Raft thesis §10.2.1:
  //    the leader writes to its disk in parallel with replicating): a
  //    leader's kAppend, kHeartbeat and kSnapshot. They depend on nothing step
  //    1 makes durable: their term was persisted (as the leader's vote for
  //    itself) before it won, the entries they carry are the leader's own,
  //    and the leader counts its own log towards a commit only from advance()
  //    on, so nothing commits on the strength of an entry it has not
  //    persisted. A crash before step 1 completes may leave followers with
  //    entries the restarted node lacks, as a crash just after step 1 would.
  std::vector<Message> early_messages;

  // 1. Persist (persist_ready() does it in the right order): `snapshot` (it
  //    replaces the log), then `entries` (appended, replacing any stored
  //    entries from entries.front().index on), then `hard_state` (set only when
  //    it changed). When `must_sync`, all of it must be durable before step 2:
  //    a vote or an acknowledgement that is sent but forgotten in a crash
  //    breaks safety. Otherwise the only change is the commit index, which
  //    may stay buffered and reach the disk with a later sync (group commit):
  //    a crash that loses it leaves an older commit index, and the node learns
  //    the commit index again from the leader (or recomputes it as leader).
  std::optional<Snapshot> snapshot;
  std::vector<Entry> entries;
  std::optional<HardState> hard_state;
  bool must_sync = false;

  // 2. Send, after step 1. Any may be lost, duplicated or reordered.
  std::vector<Message> messages;

  // 3. Apply, after step 1: first restore the state machine from `snapshot` if
  //    set, then apply these committed entries in order (kNoop entries carry no
  //    command). They may include entries from `entries` above, which is why
  //    step 1 comes first.
  std::vector<Entry> committed_entries;

  // 4. Answer reads: read_index(context) may be served once the state machine
  //    has applied `index`.
  std::vector<ReadState> read_states;

  bool empty() const {
    return !soft_state && !snapshot && entries.empty() && !hard_state && messages.empty() &&
           early_messages.empty() && committed_entries.empty() && read_states.empty();
  }
};

enum class ProposeStatus : uint8_t { kOk, kNotLeader };
struct ProposeResult {
  ProposeStatus status = ProposeStatus::kNotLeader;
  uint64_t index = 0;  // kOk: the entry's index and term. It took effect iff the
  uint64_t term = 0;   // entry committed at `index` has this term.
};

enum class ReadIndexStatus : uint8_t { kOk, kNotLeader };

class Raft {
 public:
  // Builds a node from `config` and what `storage` holds (a fresh node has an
  // empty storage; a restarted one, whatever it persisted). `storage` must
  // outlive the node. Fails on an invalid config or inconsistent storage.
  static Status create(Config config, Storage& storage, std::unique_ptr<Raft>* out);

  // Advances logical time by one tick: a follower or candidate whose election
  // timeout expired campaigns; a leader heartbeats every heartbeat_tick and,
  // with check_quorum, checks every election_tick that it heard from a
  // majority since the last check, and steps down if not.
  void tick();
  // Handles a message from a peer. Returns an error, and otherwise ignores
  // the message, when it is malformed (unknown sender, entries out of order)
  // or contradicts the local state in a way only a safety violation elsewhere
  // can cause (another leader in this term, a commit index past our log) —
  // which the unsafe failpoints can provoke.
  Status step(const Message& message);
  // Appends a client command to the leader's log.
  ProposeResult propose(std::string command);
  // Starts a linearizable read: once the leader has confirmed, with a round of
  // heartbeats answered by a majority, that it was still leader when the read
  // began, a ReadState{context, commit index at that time} appears in a Ready.
  // A new leader first commits an entry of its term. If leadership is lost
  // first, the read never completes (the driver sees the SoftState change).
  ReadIndexStatus read_index(uint64_t context);
  // The application has snapshotted its state machine at `index` (at most the
  // applied index): records the snapshot in storage and drops the log up to
  // `index`. Lagging followers will then be sent the snapshot.
  Status compact(uint64_t index, std::string data);

  bool has_ready() const;
  Ready ready();
  void advance(const Ready& ready);

  // Observers (for the driver, the tests and the invariant checks).
  uint64_t id() const { return config_.id; }
  const Config& config() const { return config_; }
  Role role() const { return role_; }
  uint64_t term() const { return term_; }
  uint64_t vote() const { return vote_; }
  uint64_t leader() const { return leader_; }
  HardState hard_state() const { return {term_, vote_, log_.committed()}; }
  SoftState soft_state() const { return {leader_, role_}; }
  const RaftLog& log() const { return log_; }
  // Leader only: every voter's progress, this node included.
  const std::map<uint64_t, Progress>& progress() const { return progress_; }
  int election_elapsed() const { return election_elapsed_; }
  int randomized_election_timeout() const { return randomized_election_timeout_; }
  size_t pending_read_count() const { return pending_reads_.size() + reads_before_commit_.size(); }

 private:
  Raft(Config config, Storage& storage);

  // raft.cc: roles and the term rules every message goes through.
  void reset(uint64_t term);
  void become_follower(uint64_t term, uint64_t leader);
  void send(Message message);
  size_t quorum() const { return config_.peers.size() / 2 + 1; }
  Status validate(const Message& m) const;
  Status step_leader(const Message& m);
  Status step_candidate(const Message& m);
  Status step_follower(const Message& m);
  void check_invariants_if_asked() const;

  // election.cc
  void tick_election();
  bool in_leader_lease(MessageType vote_type) const;
  void campaign(bool pre_vote);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  void handle_vote_request(const Message& m);
  void handle_vote_response(const Message& m);
  void tick_leader();

  // replication.cc
  bool send_append(uint64_t to, bool send_if_empty);
  void send_snapshot(uint64_t to, Progress& pr);
  void broadcast_append();
  void broadcast_heartbeat();
  bool maybe_commit();
  Status handle_append(const Message& m);
  Status handle_append_response(const Message& m);
  Status handle_heartbeat(const Message& m);
  void handle_heartbeat_response(const Message& m);
  void handle_snapshot(const Message& m);
  void append_entry(EntryType type, std::string data);

  // read_index.cc
  void start_reads(const std::vector<uint64_t>& contexts);
  void release_confirmed_reads();
  void on_commit_in_term();
  bool committed_in_term() const;

  Config config_;
  Storage& storage_;
  RaftLog log_;

  uint64_t term_ = 0;
  uint64_t vote_ = kNoNode;
  uint64_t leader_ = kNoNode;
  Role role_ = Role::kFollower;

  std::map<uint64_t, Progress> progress_;  // leader
  std::map<uint64_t, bool> votes_;         // (pre-)candidate: voter -> granted

  int election_elapsed_ = 0;   // ticks since the last reset (leader: since the last quorum check)
  int heartbeat_elapsed_ = 0;  // leader
  int randomized_election_timeout_ = 0;

  // Read index (leader). A read joins round `read_round_` + 1 and broadcasts
  // heartbeats for it; an acknowledgement of round r confirms every read of
  // round <= r, since those heartbeats were sent after the reads began.
  struct PendingRead {
    uint64_t context;
    uint64_t index;  // commit index when the read began
    uint64_t round;
  };
  std::deque<PendingRead> pending_reads_;
  std::vector<uint64_t> reads_before_commit_;  // contexts waiting for a commit in this term
  uint64_t read_round_ = 0;

  // Ready bookkeeping.
  std::vector<Message> outbox_;
  std::vector<ReadState> read_states_;
  HardState last_hard_state_;  // as of the last Ready handed out
  SoftState last_soft_state_;
  bool ready_outstanding_ = false;
};

}  // namespace faultline::raft
