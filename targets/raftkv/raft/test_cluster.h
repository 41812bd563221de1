// TestCluster: Raft nodes wired through a simulated network, driven one
// input at a time, for the core's unit tests and the randomized simulation.
// Each node has a MemoryStorage (what survives a crash), a Raft core and a
// HashStateMachine (both lost in a crash). After every input the cluster runs
// InvariantMonitor on the node and feeds the SafetyChecker; failure() holds
// the first violation.
//
// The network is a bag of in-flight messages that the driver delivers, drops
// or duplicates in any order. drop_if, when set, discards matching messages
// as they are sent; partitions discard messages between groups on delivery.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "targets/raftkv/raft/invariants.h"
#include "targets/raftkv/raft/memory_storage.h"
#include "targets/raftkv/raft/raft.h"
#include "targets/raftkv/raft/safety_checker.h"

namespace faultline::raft {

class TestCluster {
 public:
  // Nodes 1..size. `configure` may adjust each node's Config (timeouts,
  // flags); ids, peers, random and applied are set by the cluster.
  TestCluster(size_t size, uint64_t seed, std::function<void(Config&)> configure = {});

  size_t size() const { return nodes_.size(); }
  std::vector<uint64_t> ids() const;
  bool is_up(uint64_t id) const { return nodes_.at(id).raft != nullptr; }
  Raft& node(uint64_t id) { return *nodes_.at(id).raft; }
  MemoryStorage& storage(uint64_t id) { return nodes_.at(id).storage; }
  const HashStateMachine& state(uint64_t id) const { return nodes_.at(id).state; }
  // The commands (kCommand entries) node `id` applied since it last
  // (re)started, in order; entries covered by an installed snapshot are not
  // applied one by one.
  std::vector<std::string> applied_commands(uint64_t id) const;
  // Read states node `id` has answered since it last (re)started.
  const std::vector<ReadState>& reads(uint64_t id) const { return nodes_.at(id).reads; }
  SafetyChecker& checker() { return checker_; }
  uint64_t snapshots_installed() const { return snapshots_installed_; }
  uint64_t reads_answered() const { return reads_answered_; }
  // The first violation: a failed step, invariant or safety property.
  const std::string& failure() const { return checker_.failure(); }
  bool ok() const { return checker_.ok(); }

  // --- Inputs (each followed by the checks).
  void tick(uint64_t id);
  void deliver(const Message& m);
  ProposeResult propose(uint64_t id, std::string command);
  ReadIndexStatus read_index(uint64_t id, uint64_t context);
  void compact(uint64_t id);  // snapshot the state machine at its applied index
  // Handles one Ready of node `id`, if it has one: send the early messages,
  // persist, send, apply, advance. Returns whether there was one. A Ready
  // without must_sync leaves its hard state buffered (like DurableStorage
  // before its next sync()): the next Ready that must sync, or a compaction,
  // stores it; a crash loses it.
  bool process_ready(uint64_t id);
  // Takes node `id`'s Ready, if it has one, sends its early messages and
  // crashes before persisting any of it. Returns whether there was one.
  bool crash_mid_ready(uint64_t id);
  // Loses the node's volatile state (core, state machine, unhandled Ready,
  // unsynced hard state).
  void crash(uint64_t id);
  // Rebuilds the node from its storage and its snapshot.
  void restart(uint64_t id);

  // --- Network.
  std::vector<Message>& in_flight() { return in_flight_; }
  std::function<bool(const Message&)> drop_if;
  // Nodes in different groups cannot talk; an empty list heals.
  void partition(const std::vector<std::vector<uint64_t>>& groups);
  bool connected(uint64_t a, uint64_t b) const;

  // --- Conveniences for scripted tests.
  // Processes every Ready and delivers every message (in send order) until
  // the cluster is quiet.
  void stabilize();
  // Ticks node `id` (not a leader) alone until it starts a campaign, then
  // stabilizes.
  void campaign(uint64_t id);
  // The leader of the highest term among live nodes, or kNoNode.
  uint64_t leader() const;

 private:
  struct Node {
    MemoryStorage storage;
    std::unique_ptr<Raft> raft;
    HashStateMachine state;
    InvariantMonitor monitor;
    std::vector<Entry> applied;
    std::vector<ReadState> reads;
    std::optional<HardState> unsynced_hard_state;  // buffered, not yet in `storage`
    uint64_t incarnation = 0;
  };
  void check(uint64_t id);
  void store_unsynced_hard_state(Node& n);
  void send(const Message& m);

  uint64_t seed_;
  std::function<void(Config&)> configure_;
  std::map<uint64_t, Node> nodes_;
  std::vector<Message> in_flight_;
  std::map<uint64_t, int> group_;  // node -> partition group
  SafetyChecker checker_;
  uint64_t steps_ = 0;
  uint64_t snapshots_installed_ = 0;
  uint64_t reads_answered_ = 0;
};

}  // namespace faultline::raft
