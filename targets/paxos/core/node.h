// Node: one CASPaxos node as a deterministic state machine, in the shape of
// the Raft core (targets/raftkv/raft/raft.h) and the DHT core: no sockets,
// clocks, threads or hidden randomness. Every node is an acceptor for every
// key and a proposer for any client request: there is no leader. README.md
// (targets/paxos) has the message flow and the invariants.
//
// Inputs:
//   propose(request, key, change)   a client request: a Change of one key's register
//   step(message)                   a message from a peer (or a reply to ourselves)
//   tick()                          one unit of logical time (retries, backoff, timeouts)
//   advance()                       the last Ready's sync is done (below)
// Output:
//   ready()   messages to send and responses to deliver, with the ordering
//             contract of common::CoreReady (core_outbox.h):
//             - `early`: this proposer's requests (prepare, accept, read) to
//               other acceptors, whose ballots were reserved durably by an
//               earlier Ready's sync. They may leave BEFORE this Ready's sync.
//             - `messages` (acceptor replies, and requests under a ballot
//               reserved in this Ready) and `responses` tell what the store
//               now holds: the driver must make the store durable
//               (DurableAcceptorStore::sync) BEFORE sending any of them;
//               then it calls advance().
//             Inputs may arrive between ready() and advance() (a server
//             syncs on another thread meanwhile): what they produce waits
//             for the next Ready, which the driver takes after advance().
//             Until advance(), this node's own acceptor's replies to its
//             proposer are held back: an acceptor state that a crash could
//             still lose never counts towards a quorum (README.md, "Sending
//             before the sync"). The network may lose, duplicate and reorder
//             the messages.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/string_map.h"
#include "targets/common/core_outbox.h"
#include "targets/paxos/core/acceptor_store.h"
#include "targets/paxos/core/messages.h"
#include "targets/paxos/failpoints.h"

namespace faultline::paxos {

// What a proposal does to a key's register: from its current value ("" when
// never written), the new value and the client's reply. Deterministic and
// free of side effects: a proposer that loses a ballot race applies it again
// to a newer value.
struct ChangeResult {
  std::string value;
  std::string reply;
};
using Change = std::function<ChangeResult(const std::string& current)>;

struct Config {
  uint64_t id = 0;              // this node; one of `nodes`
  std::vector<uint64_t> nodes;  // every node (acceptor), this one included
  // A proposal that has not completed within `timeout_ticks` fails with
  // UNAVAILABLE; acceptors that have not answered are asked again every
  // `retry_ticks`; a proposer whose prepare was refused by too many waits
  // 1..backoff_ticks * 2^(attempt-1) (random, at most 16 times) before it
  // tries a higher ballot.
  int timeout_ticks = 100;
  int retry_ticks = 5;
  int backoff_ticks = 4;
  // The only randomness: where this incarnation's operation ids start, and
  // the backoffs. Required; SplitMix64(seed) is a good choice.
  std::function<uint64_t()> random;
  Failpoints failpoints;  // all off: the correct algorithm

  Status validate() const;
};

using Ready = common::CoreReady<Message, Response>;

class Node {
 public:
  // `store` holds what survived any previous incarnation and must outlive
  // the node. Fails on an invalid config.
  static Status create(Config config, AcceptorStore& store, std::unique_ptr<Node>* out);

  // Queues a client request; its Response (with `request`) comes out of a
  // later ready(). A node runs one proposal per key at a time: requests that
  // arrive meanwhile wait, and go together as the next proposal, their
  // changes applied in arrival order to one value (batching: one round for
  // many requests, and no node duels with itself). `read_only`: `change`
  // keeps the value as it is (GET); a proposal of reads only, whose quorum of
  // promises agree on the accepted ballot, answers without an accept phase.
  void propose(uint64_t request, std::string key, Change change, bool read_only);
  // Errors (and ignores the message) when it is not addressed to this node
  // or comes from a node outside the cluster.
  Status step(const Message& message);
  void tick();
  // True when tick() would only count time: no proposal runs. A driver may
  // leave ticks out while this holds and hand them over at once with
  // skip_ticks(n), to the effect of n tick() calls (the simulator does, so
  // that an idle node costs no events).
  bool quiescent() const { return proposals_.empty(); }
  void skip_ticks(uint64_t n) { now_ += n; }

  // Also true while own acceptor replies wait for a sync: the driver must
  // take (and sync) a Ready, even an empty one, and advance().
  bool has_ready() const { return outbox_.has_ready() || !held_.empty(); }
  Ready ready();
  // The driver synced the store after the last ready(): that Ready's own
  // acceptor replies count now, and its ballot reservation lets later
  // requests leave early.
  void advance();

  // The proposer's invariants (README.md, "Invariants"): every proposal's
  // ballot is this node's and issued (durably), an accept phase holds a
  // quorum of promises, an acceptor is never both granted and refused in one
  // phase. Tests call it after every input, as LogCabin does; the first
  // violation found. (The acceptors' invariants need every store: the
  // simulation checks them.)
  Status check_invariants() const;

  uint64_t id() const { return config_.id; }
  const Config& config() const { return config_; }
  size_t pending_proposals() const { return proposals_.size(); }
  size_t waiting_requests() const;
  // The highest ballot this node has seen or issued (INFO's `ballot`).
  Ballot max_ballot() const { return max_ballot_; }

 private:
  // kRead: a read-only proposal's first attempt, which asks a quorum what it
  // accepted without promising anything (README.md, "Reads").
  enum class Phase : uint8_t { kRead, kPrepare, kAccept, kBackoff };
  struct Request {
    uint64_t id = 0;
    Change change;
    bool read_only = false;
  };
  // One proposal (a batch of requests on one key), keyed in proposals_ by the
  // op id of its current attempt.
  struct Proposal {
    std::string key;
    std::vector<Request> requests;
    bool read_only = false;  // every request is
    Phase phase = Phase::kPrepare;
    Ballot ballot;
    std::map<uint64_t, Message> promises;  // granted, by acceptor
    std::vector<uint64_t> promise_order;   // acceptors, in the order they promised
    std::set<uint64_t> acks;               // accept phase: acceptors that accepted
    std::set<uint64_t> refused;            // this phase: acceptors that refused
    // Accept phase: an acceptor refused whose accepted ballot is not below
    // ours, so it may hold our value (it accepted, then promised higher).
    bool maybe_accepted = false;
    Ballot refused_by;  // the highest promise that refused this phase
    // Accept phase begun without a prepare: the quorum's promises are the
    // acks of this key's previous proposal here (prepared_).
    bool one_round_trip = false;
    // Accept phase after a prepare: our own acceptor is asked only once
    // another has accepted, so that an accept every other acceptor refuses
    // was accepted nowhere and can be retried (README.md, "Contention").
    bool self_deferred = false;
    std::string value;                 // accept phase: the value being accepted
    std::vector<std::string> replies;  // accept phase: one per request
    int elapsed = 0;                   // ticks since the proposal began
    int phase_elapsed = 0;             // ticks in this phase
    int backoff = 0;                   // kBackoff: ticks left
    int attempts = 0;
    int yields = 0;  // waits for another proposer's open round (below)
  };
  // README.md, "Contention": a proposal about to prepare waits (up to
  // kMaxYields times, 1..backoff_ticks each) while our acceptor has promised
  // another proposer a ballot on its key within the last 2 * backoff_ticks
  // and accepted nothing since: that round is likely in its accept phase,
  // which our prepare would preempt. A key whose acceptor promised another
  // proposer anything in the last kContendedTicks (about a second at the
  // server's 2-ms tick) is contended: no one-round-trip writes on it.
  static constexpr int kMaxYields = 4;
  static constexpr uint64_t kContendedTicks = 500;
  bool foreign_round_running(const std::string& key) const;
  bool contended(const std::string& key);  // forgets the key once it is not

  Node(Config config, AcceptorStore& store);
  int majority() const { return static_cast<int>(config_.nodes.size()) / 2 + 1; }
  void start_proposal(const std::string& key);
  void start_attempt(Proposal p);
  void send_phase(uint64_t op, const Proposal& p, bool only_missing);
  void send_phase_to(uint64_t acceptor, uint64_t op, const Proposal& p);
  void on_promise(const Message& m);
  void on_accepted(const Message& m);
  void refuse(std::map<uint64_t, Proposal>::iterator it, const Message& m);
  void back_off(Proposal& p);
  // Adopts the quorum's value and applies the requests' changes to it: an
  // agreeing read answers, anything else goes on to an accept phase.
  void on_quorum(std::map<uint64_t, Proposal>::iterator it);
  void start_accept(uint64_t op, Proposal& p);
  // p.value: `base` with every request's change applied; p.replies: theirs.
  static void apply_changes(Proposal& p, std::string base);
  bool out_of_reach(const Proposal& p) const {
    return static_cast<int>(config_.nodes.size() - p.refused.size()) < majority();
  }
  // Accept phase, quorum out of reach: an attempt no acceptor accepted is
  // retried; one that some acceptor may hold is unknown.
  void settle_refused_accept(std::map<uint64_t, Proposal>::iterator it, bool waited);
  // Answers every request of the proposal (`replies`, one each, or `error`
  // for all when status is not kOk) and starts the key's next batch.
  void finish(std::map<uint64_t, Proposal>::iterator it, ResponseStatus status,
              const std::string& error);
  AcceptorState state(const std::string& key) const;
  // state(key).promised, without copying the value.
  Ballot promise(const std::string& key) const;
  // The higher of `promised` and the no-persist-promise failpoint's promise of `key`.
  Ballot with_volatile_promise(const std::string& key, Ballot promised) const;
  void handle(const Message& m);
  // Into the Ready's early list, its after-sync list, or held_ (above).
  void send(Message m);
  // Issues `ballot` and next_ballot(ballot), reserving a new block of
  // kBallotBlock counters in the store when they pass its reservation.
  void issue(const Ballot& ballot);
  void drain_self();
  void see(const Ballot& b);
  std::string unavailable_error(const Proposal& p) const;

  Config config_;
  AcceptorStore& store_;
  uint64_t next_op_;
  Ballot max_ballot_;
  // The no-persist-promise failpoint's promises: in memory, lost on restart.
  StringMap<Ballot> volatile_promises_;
  std::map<uint64_t, Proposal> proposals_;
  StringMap<std::vector<Request>> waiting_;  // by key, while a proposal runs
  StringSet active_;                         // keys with a proposal running
  // Keys whose last proposal here was chosen: a quorum then promised its
  // next_ballot() and holds `value` at its ballot, so the next proposal on
  // the key starts at the accept phase (README.md, "One round trip").
  struct Prepared {
    Ballot ballot;
    std::string value;
  };
  StringMap<Prepared> prepared_;
  // By key: when our acceptor last promised another proposer a ballot, and
  // whether it has accepted nothing since (that round is open).
  struct Foreign {
    uint64_t tick = 0;
    bool open = false;
  };
  StringMap<Foreign> foreign_;
  uint64_t now_ = 0;  // ticks since this incarnation started
  // Ballots (README.md, "Sending before the sync"): issued_ is the highest
  // counter issued; the store's issued_counter() the end of the reserved
  // block (as an ID allocator's); durable_issued_ the end that a sync has
  // made durable (a restart begins above it), synced_at_advance_ what the
  // next advance() makes durable. A request may leave early only when its
  // ballot and next_ballot() are at most durable_issued_.
  static constexpr uint64_t kBallotBlock = 1024;
  uint64_t issued_ = 0;
  uint64_t durable_issued_ = 0;
  uint64_t synced_at_advance_ = 0;
  // Our acceptor's replies to our proposer: held_ until a Ready is taken,
  // then releasing_ until its advance().
  std::vector<Message> held_;
  std::vector<Message> releasing_;
  common::Outbox<Message, Response> outbox_;
};

}  // namespace faultline::paxos
