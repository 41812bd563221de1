// SimCluster: a whole cluster of a target in one process, on one EventLoop.
// Each node is a SimNode (sim_node.h) running the target's own node logic —
// raftkv's KvNode, the paxos or dht core with its server's commands — on a
// simulated disk (common::FaultInjectionEnv: writes are lost on a crash
// unless synced, and a crash may keep a torn prefix of the unsynced tail)
// and a simulated network:
//
//   - every message between nodes takes a latency drawn uniformly from
//     [min_latency, max_latency], so messages overtake each other (reordering);
//   - it is duplicated with probability `duplicate`, and lost with the
//     probability the loss fault sets when it leaves or reaches a lossy node;
//   - a partition (a nemesis Grudge) drops it at the sender and at the
//     receiver, as the real nemesis's DROP rules do at both ends;
//   - a crashed node receives nothing; a paused one receives everything when
//     it resumes, and does not tick meanwhile.
//
// Clients reach nodes over links with the same latency that faults do not
// cut (the real nemesis leaves client traffic alone too). Every random
// choice comes from the seed, drawn by purpose, entity and instant
// (draws()): a message's latency, loss and duplicate by its link between
// two nodes, a request's and a reply's latency by its client connection,
// a node's core seed and timer phase by the node at its boot, its torn
// write at its crash, its aimed faults at their moments. So an event that
// happens at the same instant in two runs draws the same in both, whatever
// else either did: a shrinker's candidate with an op or a fault fewer keeps
// the fates of every message (heartbeats, replies) that its removal does
// not move in time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/random.h"
#include "base/status.h"
#include "harness/sim/event_loop.h"
#include "harness/sim/sim_node.h"
#include "nemesis/grudge.h"
#include "nemesis/link_fault.h"

namespace faultline::sim {

// Makes node `index` (0-based) of `cluster`: the target's SimNode.
using SimNodeFactory = std::function<std::unique_ptr<SimNode>(SimCluster& cluster, size_t index)>;

struct SimClusterOptions {
  int nodes = 3;
  int64_t tick = 100'000'000;       // the nodes' timer (raftkv's heartbeat-ms), ns
  int64_t min_latency = 100'000;    // ns
  int64_t max_latency = 2'000'000;  // ns
  double duplicate = 0.005;
  SimNodeFactory make_node;
};

// How a client's request ended, as its connection sees it.
struct SimReply {
  enum class Kind {
    kReply,    // `text` is the node's RESP reply
    kRefused,  // the node was down: nothing was sent
    kLost,     // the node crashed with the request unanswered
  };
  Kind kind = Kind::kReply;
  std::string text;
};

class SimCluster {
 public:
  SimCluster(EventLoop& loop, uint64_t seed, SimClusterOptions options);
  ~SimCluster();
  SimCluster(const SimCluster&) = delete;
  SimCluster& operator=(const SimCluster&) = delete;

  // Brings every node up on an empty disk.
  Status start();

  // n1, n2, ...: node i has id i + 1. Its client address is "name:6379".
  const std::vector<std::string>& names() const { return names_; }
  // The index of a node's name or client address; -1 for none.
  int index_of(const std::string& name_or_address) const;

  // Sends `command` on `connection` (a client process; each has its own
  // MULTI/EXEC session on each node) to node `node`; `done` is called once,
  // with the outcome, unless cancel(id) was called first. Returns the id.
  uint64_t request(size_t node, int64_t connection, std::vector<std::string> command,
                   std::function<void(SimReply)> done);
  // The caller gave up on request `id` (a timeout): `done` will not be called.
  void cancel(uint64_t id);

  // Faults. crash() loses the node's unsynced writes (keeping a random
  // prefix of them: a torn write) and its memory; restart() recovers it from
  // its disk like a restarted server, and returns the recovery error, if any
  // (the node then stays down: that is a bug the simulation found).
  void crash(size_t node);
  Status restart(size_t node);
  // The node itself (its disk, for the storage faults: sim_storage_faults.h).
  SimNode& node(size_t node) { return *nodes_[node]; }
  void pause(size_t node);
  void resume(size_t node);
  bool up(size_t node) const;
  bool paused(size_t node) const;
  void set_grudge(const Grudge& grudge);
  // The latency faults from now on, by link (node names), as
  // LatencyProxy::set_faults takes them: what a cut held is delivered now,
  // and an empty map (a heal) also delivers now what is delayed.
  void set_link_faults(const std::map<Link, LinkFault>& faults);
  // Sets node `node`'s wall-clock offset (ns), ending any strobe.
  void set_wall_offset(size_t node, int64_t offset);
  // Alternates node `node`'s offset between `offset` and 0 (starting with
  // `offset`) every `period` for `duration`, ending at 0, as the clock
  // nemesis's strobe does; returns how many changes that makes before the
  // last.
  int strobe_wall_clock(size_t node, int64_t offset, int64_t period, int64_t duration);
  // Messages to or from `nodes` are lost with `probability` (none: no loss).
  void set_loss(std::set<std::string> nodes, double probability) {
    lossy_ = std::move(nodes);
    loss_ = probability;
  }
  // The running nodes that consider themselves leader (none for leaderless
  // targets).
  std::vector<std::string> primaries() const;
  // n1:6379 for node 1 (an id from 1), "" for none: where -NOTLEADER points.
  std::string client_address(uint64_t id) const;

  // Aimed faults (SimNode::aim): at each moment a target names, with
  // probability `kill` (kills) or `stall` (stalls of `stall_ns`), a fault
  // strikes its node. raftkv aims kills at granted votes and stalls at a
  // leader's Ready with new entries of its term and at its commit of an
  // entry of an earlier term; paxos aims kills at promises. A kill within a
  // round trip of a vote or promise is what a node that does not persist
  // it must meet to break its word, and the stalls make the schedule of the
  // Raft paper's Figure 8; random faults at nemesis intervals almost never
  // hit either. A correct node loses nothing it promised.
  // An aimed kill's node restarts `restart_ns` after its crash (0: at once).
  void set_aimed_faults(double kill, double stall, int64_t stall_ns, int64_t restart_ns) {
    aimed_kill_ = kill;
    aimed_stall_ = stall;
    aimed_stall_ns_ = stall_ns;
    aimed_restart_ns_ = restart_ns;
  }
  int64_t aimed_kills() const { return aimed_kills_; }
  int64_t aimed_stalls() const { return aimed_stalls_; }
  // The first failure of a node to recover from its disk after an aimed
  // kill ("" if none): a bug, as restart()'s.
  const std::string& recovery_error() const { return recovery_error_; }

 private:
  friend class SimNode;

  // The random draws of the event now (loop_.now()) for `purpose` of
  // `entity`: a generator keyed by the seed, the purpose, the entity, the
  // instant and how many draws() it already had at that instant.
  enum class Stream : uint64_t { kLink = 1, kConnection, kBoot, kDisk, kAim, kLatency };
  SplitMix64 draws(Stream purpose, uint64_t entity);
  int64_t latency(SplitMix64& rng) const;
  // A message from node `from` (index) enters the network.
  void transmit(size_t from, size_t to, std::shared_ptr<const Parcel> parcel);
  // The client side of request `id` learns `reply` (after a latency).
  void answer(uint64_t id, SimReply reply);

  EventLoop& loop_;
  uint64_t seed_;
  // By purpose and entity: the instant of its last draws() and how many it
  // had at that instant. Entities below kDenseEntities (nodes, links, most
  // connections) are looked up by index, one per message; the rest
  // (connections dropped, numbered below 0) in a hash map. Neither is
  // iterated: no container's order can reach the simulation.
  struct Rank {
    int64_t time = 0;
    uint64_t count = 0;
  };
  static constexpr uint64_t kDenseEntities = 4096;
  Rank& rank(Stream purpose, uint64_t entity);
  struct RankHash {
    size_t operator()(const std::pair<Stream, uint64_t>& k) const {
      return mix64(static_cast<uint64_t>(k.first) ^ mix64(k.second));
    }
  };
  std::vector<std::vector<Rank>> dense_ranks_;  // by purpose, then entity
  std::unordered_map<std::pair<Stream, uint64_t>, Rank, RankHash> sparse_ranks_;
  SimClusterOptions options_;
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<SimNode>> nodes_;
  std::vector<char> cut_;  // by from * nodes + to: the grudge drops that link's messages
  std::set<std::string> lossy_;
  double loss_ = 0;
  double aimed_kill_ = 0;
  double aimed_stall_ = 0;
  int64_t aimed_stall_ns_ = 0;
  int64_t aimed_restart_ns_ = 0;
  int64_t aimed_kills_ = 0;
  int64_t aimed_stalls_ = 0;
  std::string recovery_error_;
  // Latency faults by link (sender, receiver index): the fault, its
  // connection's delay, its bandwidth state, and the last delivery time it
  // gave (order along the link).
  struct SlowLink {
    LinkFault fault;
    std::chrono::microseconds pipe_delay{0};
    int64_t free = 0;
    int64_t last = 0;
  };
  std::map<std::pair<size_t, size_t>, SlowLink> slow_links_;
  int64_t link_faults_set_ = 0;
  std::vector<Task> held_;            // by a cut, in order
  std::map<uint64_t, Task> delayed_;  // in flight on slow links
  uint64_t next_delayed_ = 1;
  std::vector<uint64_t> clock_changes_;  // by node: bumped by each change (ends a strobe)
  uint64_t next_request_ = 1;
  // Requests not answered yet: id -> the client's connection and callback.
  struct Waiting {
    int64_t connection;
    std::function<void(SimReply)> done;
  };
  std::map<uint64_t, Waiting> waiting_;
};

}  // namespace faultline::sim
