// Node: one DHT node as a deterministic state machine, in the shape of the
// Raft core (targets/raftkv/raft/raft.h): no sockets, clocks, threads or
// hidden randomness. A node is both a replica (it answers kQuery and kStore
// from its ReplicaStore) and a coordinator (any node takes any client request
// and runs it against the key's preference list). README.md in this
// directory describes the algorithms.
//
// Inputs:
//   read / write / cas   a client request, with the driver's request id
//   step(message)        a message from a peer (or a reply to ourselves)
//   tick()               one unit of logical time (retries, timeouts)
// Output:
//   ready()              messages to send and responses to deliver. Handle
//                        them in any order; the network may lose, duplicate
//                        and reorder the messages. Replica state is already
//                        in the store when ready() returns it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "targets/common/core_outbox.h"
#include "targets/dht/core/messages.h"
#include "targets/dht/core/replica_store.h"
#include "targets/dht/core/ring.h"

namespace faultline::dht {

enum class Mode : uint8_t {
  kAbd,       // linearizable registers (ABD), quorum = majority of N
  kEventual,  // R/W quorums, last write wins, read repair; NOT linearizable
};

struct Config {
  uint64_t id = 0;  // this node; a member of `ring`
  std::shared_ptr<const Ring> ring;
  Mode mode = Mode::kAbd;
  // kEventual only: replies a read waits for (R) and acks a write waits for
  // (W), each in [1, N]. kAbd always uses a majority of N for both.
  int read_quorum = 1;
  int write_quorum = 1;
  // An operation whose phase has not heard from its quorum within
  // `timeout_ticks` fails with UNAVAILABLE; replicas that have not answered
  // are asked again every `retry_ticks`.
  int timeout_ticks = 30;
  int retry_ticks = 5;
  // The only randomness: where this incarnation's operation ids start.
  // Required; SplitMix64(seed) is a good choice.
  std::function<uint64_t()> random;

  Status validate() const;
};

using Ready = common::CoreReady<Message, Response>;

class Node {
 public:
  // `store` holds what survived any previous incarnation and must outlive
  // the node. Fails on an invalid config.
  static Status create(Config config, ReplicaStore& store, std::unique_ptr<Node>* out);

  void read(uint64_t request, std::string key);
  // A nullopt value deletes: it is stored like any value (a versioned
  // tombstone), so a delete orders against writes exactly as a write does.
  void write(uint64_t request, std::string key, std::optional<std::string> value);
  // Always answered kUnsupported: compare-and-set needs consensus.
  void cas(uint64_t request, std::string key);
  // Errors (and ignores the message) when it is not addressed to this node,
  // comes from a node outside the ring, or is for a key it does not replicate.
  Status step(const Message& message);
  void tick();
  // True when tick() would do nothing: no operation runs. A driver may leave
  // ticks out while this holds and hand them over with skip_ticks(n) (the
  // simulator does, so that an idle node costs no events); this core keeps
  // no time of its own, so they change nothing.
  bool quiescent() const { return ops_.empty(); }
  void skip_ticks(uint64_t) {}

  bool has_ready() const { return outbox_.has_ready(); }
  Ready ready() { return outbox_.take(); }

  uint64_t id() const { return config_.id; }
  const Config& config() const { return config_; }
  size_t pending_operations() const { return ops_.size(); }

 private:
  enum class Kind : uint8_t { kRead, kWrite };
  enum class Phase : uint8_t { kQuery, kStore };
  // One phase of one client operation, keyed in ops_ by its message op id.
  struct Operation {
    uint64_t request = 0;
    Kind kind = Kind::kRead;
    Phase phase = Phase::kQuery;
    std::string key;
    std::vector<uint64_t> replicas;
    int needed = 0;                      // replies this phase waits for
    std::map<uint64_t, Record> replies;  // replica -> its record (store: what it holds)
    Record record;                       // query: the newest seen; store: the record being stored
    std::optional<std::string> value;    // writes: the value to write (nullopt: delete)
    int elapsed = 0;                     // ticks in this phase
  };

  Node(Config config, ReplicaStore& store);
  void start_phase(Operation op, Phase phase);
  void send_phase(uint64_t id, const Operation& op, bool only_missing);
  void on_reply(const Message& m);
  void respond(const Operation& op, ResponseStatus status, std::string error);
  Version next_version(const Version& seen);
  void send(Message m);
  void handle(const Message& m);
  void drain_self();
  std::string unavailable_error(const Operation& op) const;

  Config config_;
  ReplicaStore& store_;
  uint64_t next_op_;
  uint64_t clock_ = 0;  // the highest version counter seen (a Lamport clock)
  std::map<uint64_t, Operation> ops_;
  common::Outbox<Message, Response> outbox_;
};

}  // namespace faultline::dht
