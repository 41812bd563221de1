#include "targets/raftkv/raft/test_cluster.h"

#include <fmt/format.h>

#include "targets/raftkv/raft/check.h"

namespace faultline::raft {

TestCluster::TestCluster(size_t size, uint64_t seed, std::function<void(Config&)> configure)
    : seed_(seed), configure_(std::move(configure)) {
  for (uint64_t id = 1; id <= size; ++id) nodes_[id];
  for (uint64_t id = 1; id <= size; ++id) restart(id);
}

std::vector<uint64_t> TestCluster::ids() const {
  std::vector<uint64_t> out;
  for (const auto& [id, node] : nodes_) out.push_back(id);
  return out;
}

std::vector<std::string> TestCluster::applied_commands(uint64_t id) const {
  std::vector<std::string> out;
  for (const Entry& e : nodes_.at(id).applied) {
    if (e.type == EntryType::kCommand) out.push_back(e.data);
  }
  return out;
}

void TestCluster::check(uint64_t id) {
  checker_.set_now(steps_++);
  Node& n = nodes_.at(id);
  if (!n.raft) return;
  if (Status s = n.monitor.check(*n.raft); !s.is_ok()) checker_.fail(s.message());
  checker_.observe(*n.raft);
}

void TestCluster::tick(uint64_t id) {
  if (!is_up(id)) return;
  node(id).tick();
  check(id);
}

void TestCluster::deliver(const Message& m) {
  if (!is_up(m.to) || !connected(m.from, m.to)) return;
  if (Status s = node(m.to).step(m); !s.is_ok()) {
    checker_.fail(fmt::format("node {} rejects {} from {}: {}", m.to, to_string(m.type), m.from,
                              s.message()));
  }
  check(m.to);
}

ProposeResult TestCluster::propose(uint64_t id, std::string command) {
  if (!is_up(id)) return {};
  ProposeResult result = node(id).propose(std::move(command));
  check(id);
  return result;
}

ReadIndexStatus TestCluster::read_index(uint64_t id, uint64_t context) {
  if (!is_up(id)) return ReadIndexStatus::kNotLeader;
  checker_.observe_read_start(context);
  const ReadIndexStatus status = node(id).read_index(context);
  check(id);
  return status;
}

void TestCluster::compact(uint64_t id) {
  if (!is_up(id)) return;
  Node& n = nodes_.at(id);
  if (n.state.applied <= n.raft->log().snapshot_index()) return;
  store_unsynced_hard_state(n);  // the server syncs right after compacting
  if (Status s = n.raft->compact(n.state.applied, n.state.encode()); !s.is_ok()) {
    checker_.fail(fmt::format("node {}: compact at {}: {}", id, n.state.applied, s.message()));
  }
  check(id);
}

bool TestCluster::process_ready(uint64_t id) {
  if (!is_up(id) || !node(id).has_ready()) return false;
  Node& n = nodes_.at(id);
  Ready rd = n.raft->ready();
  for (const Message& m : rd.early_messages) send(m);
  checker_.observe_persist(*n.raft, rd);
  if (rd.must_sync) {
    if (Status s = persist_ready(rd, n.storage); !s.is_ok()) {
      checker_.fail(fmt::format("node {}: persist: {}", id, s.message()));
    }
    if (rd.hard_state) n.unsynced_hard_state.reset();
    store_unsynced_hard_state(n);
  } else {
    RAFT_CHECK(!rd.snapshot && rd.entries.empty(), "node {}: unsynced Ready with log changes", id);
    if (rd.hard_state) n.unsynced_hard_state = rd.hard_state;
  }
  for (const Message& m : rd.messages) send(m);
  if (rd.snapshot) {
    if (!HashStateMachine::decode(rd.snapshot->data, &n.state) ||
        n.state.applied != rd.snapshot->metadata.index) {
      checker_.fail(fmt::format("node {}: bad snapshot '{}' at {}", id, rd.snapshot->data,
                                rd.snapshot->metadata.index));
    }
    checker_.observe_restore(id, n.state);
    ++snapshots_installed_;
  }
  for (const Entry& e : rd.committed_entries) {
    if (e.index != n.state.applied + 1) {
      checker_.fail(fmt::format("node {} applies entry {} after {}", id, e.index, n.state.applied));
    }
    n.state.apply(e);
    n.applied.push_back(e);
    checker_.observe_apply(id, e, n.state);
  }
  for (const ReadState& r : rd.read_states) {
    checker_.observe_read_state(id, r);
    n.reads.push_back(r);
  }
  reads_answered_ += rd.read_states.size();
  n.raft->advance(rd);
  check(id);
  return true;
}

void TestCluster::store_unsynced_hard_state(Node& n) {
  if (!n.unsynced_hard_state) return;
  if (Status s = n.storage.set_hard_state(*n.unsynced_hard_state); !s.is_ok()) {
    checker_.fail(fmt::format("storing an unsynced hard state: {}", s.message()));
  }
  n.unsynced_hard_state.reset();
}

bool TestCluster::crash_mid_ready(uint64_t id) {
  if (!is_up(id) || !node(id).has_ready()) return false;
  const Ready rd = node(id).ready();
  for (const Message& m : rd.early_messages) send(m);
  crash(id);
  return true;
}

void TestCluster::crash(uint64_t id) {
  Node& n = nodes_.at(id);
  n.raft.reset();
  n.unsynced_hard_state.reset();
  n.state = {};
  n.applied.clear();
  n.reads.clear();
}

void TestCluster::restart(uint64_t id) {
  Node& n = nodes_.at(id);
  n.raft.reset();
  n.state = {};
  n.applied.clear();
  n.reads.clear();
  n.unsynced_hard_state.reset();
  n.monitor = {};
  const Snapshot snapshot = n.storage.snapshot();
  if (snapshot.metadata.index > 0) {
    if (!HashStateMachine::decode(snapshot.data, &n.state)) {
      checker_.fail(
          fmt::format("node {}: stored snapshot '{}' does not decode", id, snapshot.data));
    }
    checker_.observe_restore(id, n.state);
  }
  Config config;
  if (configure_) configure_(config);
  config.id = id;
  config.peers = ids();
  config.applied = n.state.applied;
  config.random = SplitMix64(seed_ * 7919 + id * 104729 + ++n.incarnation);
  const Status s = Raft::create(std::move(config), n.storage, &n.raft);
  RAFT_CHECK(s.is_ok(), "node {}: restart: {}", id, s.message());
  check(id);
}

void TestCluster::send(const Message& m) {
  if (drop_if && drop_if(m)) return;
  in_flight_.push_back(m);
}

void TestCluster::partition(const std::vector<std::vector<uint64_t>>& groups) {
  group_.clear();
  for (size_t g = 0; g < groups.size(); ++g) {
    for (uint64_t id : groups[g]) group_[id] = static_cast<int>(g);
  }
}

bool TestCluster::connected(uint64_t a, uint64_t b) const {
  if (group_.empty()) return true;
  auto ga = group_.find(a);
  auto gb = group_.find(b);
  const int na = ga == group_.end() ? -1 : ga->second;
  const int nb = gb == group_.end() ? -1 : gb->second;
  return na == nb;
}

void TestCluster::stabilize() {
  for (int round = 0; round < 10000; ++round) {
    bool busy = false;
    for (uint64_t id : ids()) busy |= process_ready(id);
    std::vector<Message> batch;
    batch.swap(in_flight_);
    for (const Message& m : batch) deliver(m);
    busy |= !batch.empty();
    if (!busy) return;
  }
  checker_.fail("stabilize: the cluster never went quiet");
}

void TestCluster::campaign(uint64_t id) {
  // Every campaign (pre-vote or vote, first or repeated) restarts the
  // election timer, which a tick alone otherwise only advances.
  for (int i = 0; i < 2 * node(id).config().election_tick; ++i) {
    tick(id);
    if (node(id).election_elapsed() == 0) break;
  }
  stabilize();
}

uint64_t TestCluster::leader() const {
  uint64_t best = kNoNode;
  uint64_t best_term = 0;
  for (const auto& [id, n] : nodes_) {
    if (n.raft && n.raft->role() == Role::kLeader && n.raft->term() >= best_term) {
      best = id;
      best_term = n.raft->term();
    }
  }
  return best;
}

}  // namespace faultline::raft
