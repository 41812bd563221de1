#include "targets/raftkv/raft/cluster_simulation.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <optional>
#include <stdexcept>

#include "targets/raftkv/raft/check.h"
#include "targets/raftkv/raft/test_cluster.h"

namespace faultline::raft {

namespace {

class Simulation {
 public:
  Simulation(uint64_t seed, const SimulationOptions& options)
      : options_(options),
        rng_(seed),
        config_(pick_config()),
        cluster_(options.nodes, seed, [this](Config& c) { c = config_; }) {}

  SimulationResult run();
  SimulationResult result(bool ok, std::string failure);

 private:
  uint64_t below(uint64_t n) { return rng_() % n; }
  bool chance(double p) { return static_cast<double>(rng_() >> 11) * 0x1.0p-53 < p; }
  uint64_t random_node() { return 1 + below(options_.nodes); }
  void note(std::string event);
  Config pick_config();  // also picks the network's loss and duplication rates
  void chaos_event();
  void fault_event();
  uint64_t deliver_one();  // returns the receiver, or kNoNode if the message was lost
  void random_partition();
  bool heal();

  // Initialised in this order: pick_config() sets the three after rng_.
  SimulationOptions options_;
  SplitMix64 rng_;
  double loss_ = 0;
  double duplication_ = 0;
  double tick_rate_ = 0;    // share of events that are ticks
  double eager_ready_ = 0;  // chance a node handles its Ready right after an input
  std::string config_text_;
  Config config_;  // template for every node (TestCluster sets id, peers, random, applied)
  TestCluster cluster_;
  uint64_t next_command_ = 0;
  uint64_t next_read_ = 0;
  int heal_ticks_ = 0;
  std::deque<std::string> trace_;
};

void Simulation::note(std::string event) {
  trace_.push_back(std::move(event));
  if (trace_.size() > 60) trace_.pop_front();
}

Config Simulation::pick_config() {
  Config c;
  c.pre_vote = chance(0.75);
  c.check_quorum = chance(0.75);
  c.election_tick = chance(0.5) ? 4 : 10;
  c.heartbeat_tick = 1 + static_cast<int>(below(3));
  const double tick_rates[] = {0.03, 0.1, 0.25};
  tick_rate_ = tick_rates[below(3)];
  const double eager[] = {0.3, 0.7, 0.95};
  eager_ready_ = eager[below(3)];
  const uint64_t sizes[] = {1, 3, 64};
  c.max_entries_per_append = sizes[below(3)];
  c.max_inflight_appends = sizes[below(3)];
  c.unsafe_commit_any_term = options_.unsafe_commit_any_term;
  c.unsafe_stale_read = options_.unsafe_stale_read;
  const double losses[] = {0, 0.02, 0.1, 0.3};
  loss_ = losses[below(4)];
  const double duplications[] = {0, 0.05, 0.2};
  duplication_ = duplications[below(3)];
  config_text_ = fmt::format(
      "{} nodes, pre_vote={} check_quorum={} election_tick={} heartbeat_tick={} max_entries={} "
      "max_inflight={} loss={} duplication={} tick_rate={} eager_ready={}",
      options_.nodes, c.pre_vote, c.check_quorum, c.election_tick, c.heartbeat_tick,
      c.max_entries_per_append, c.max_inflight_appends, loss_, duplication_, tick_rate_,
      eager_ready_);
  return c;
}

uint64_t Simulation::deliver_one() {
  auto& net = cluster_.in_flight();
  const size_t k = below(net.size());
  const Message m = net[k];
  if (chance(duplication_)) {
    note(fmt::format("duplicate {} {}->{}", to_string(m.type), m.from, m.to));
  } else {
    net[k] = net.back();
    net.pop_back();
    if (chance(loss_)) {
      note(fmt::format("lose {} {}->{}", to_string(m.type), m.from, m.to));
      return kNoNode;
    }
  }
  note(fmt::format("deliver {} {}->{} term {} index {} entries {} commit {}{}", to_string(m.type),
                   m.from, m.to, m.term, m.index, m.entries.size(), m.commit,
                   m.reject ? " reject" : ""));
  cluster_.deliver(m);
  return m.to;
}

void Simulation::random_partition() {
  std::vector<std::vector<uint64_t>> groups(2);
  for (uint64_t id : cluster_.ids()) groups[below(2)].push_back(id);
  cluster_.partition(groups);
  note(fmt::format("partition [{}] [{}]", fmt::join(groups[0], " "), fmt::join(groups[1], " ")));
}

void Simulation::chaos_event() {
  const uint64_t id = random_node();
  uint64_t touched = kNoNode;  // node given an input: may handle its Ready at once
  if (chance(tick_rate_)) {
    note(fmt::format("tick {}", id));
    cluster_.tick(id);
    touched = id;
    fault_event();  // faults come at a rate per unit of time, not per message
  } else {
    // Weights per 1000.
    const uint64_t roll = below(1000);
    if (roll < 600) {
      if (!cluster_.in_flight().empty()) touched = deliver_one();
    } else if (roll < 850) {
      note(fmt::format("ready {}", id));
      cluster_.process_ready(id);
    } else if (roll < 930) {
      uint64_t target = cluster_.leader();
      if (target == kNoNode || chance(0.2)) target = id;
      const std::string command = fmt::format("c{}", ++next_command_);
      const ProposeResult r = cluster_.propose(target, command);
      note(fmt::format("propose {} at {}: {}", command, target,
                       r.status == ProposeStatus::kOk ? fmt::format("index {}", r.index) : "no"));
      touched = target;
    } else if (roll < 980) {
      uint64_t target = cluster_.leader();
      if (target == kNoNode || chance(0.2)) target = id;
      note(fmt::format("read {} at {}", ++next_read_, target));
      cluster_.read_index(target, next_read_);
      touched = target;
    } else if (cluster_.is_up(id) &&
               cluster_.state(id).applied >= cluster_.node(id).log().snapshot_index() + 8) {
      note(fmt::format("compact {} at {}", id, cluster_.state(id).applied));
      cluster_.compact(id);
    }
  }
  if (touched != kNoNode && chance(eager_ready_)) {
    note(fmt::format("ready {}", touched));
    cluster_.process_ready(touched);
  }
}

void Simulation::fault_event() {
  // Weights per 1000 ticks.
  const uint64_t roll = below(1000);
  const uint64_t id = random_node();
  if (roll < 30) {
    if (cluster_.is_up(id)) {
      // Half the crashes strike while a Ready is half done: its early
      // messages sent, nothing persisted.
      if (chance(0.5) && cluster_.crash_mid_ready(id)) {
        note(fmt::format("crash {} after sending its Ready's early messages", id));
      } else {
        note(fmt::format("crash {}", id));
        cluster_.crash(id);
      }
    }
  } else if (roll < 160) {
    if (!cluster_.is_up(id)) {
      note(fmt::format("restart {}", id));
      cluster_.restart(id);
    }
  } else if (roll < 190) {
    random_partition();
  } else if (roll < 250) {
    cluster_.partition({});
    note("heal partition");
  }
}

bool Simulation::heal() {
  cluster_.partition({});
  cluster_.drop_if = nullptr;
  for (uint64_t id : cluster_.ids()) {
    if (!cluster_.is_up(id)) cluster_.restart(id);
  }
  note("heal everything");
  ProposeResult probe;
  for (int t = 0; t < options_.heal_ticks && cluster_.ok(); ++t) {
    for (uint64_t id : cluster_.ids()) cluster_.tick(id);
    cluster_.stabilize();
    const uint64_t leader = cluster_.leader();
    if (leader != kNoNode && cluster_.node(leader).term() != probe.term) {
      probe = cluster_.propose(leader, fmt::format("probe{}", t));
      note(fmt::format("probe at {}: index {} term {}", leader, probe.index, probe.term));
      cluster_.stabilize();
    }
    if (probe.status != ProposeStatus::kOk ||
        cluster_.checker().committed_term(probe.index) != probe.term) {
      continue;
    }
    const auto ids = cluster_.ids();
    if (std::all_of(ids.begin(), ids.end(),
                    [&](uint64_t id) { return cluster_.state(id).applied >= probe.index; })) {
      heal_ticks_ = t + 1;
      return true;
    }
  }
  return false;
}

SimulationResult Simulation::result(bool ok, std::string failure) {
  SimulationResult r;
  r.ok = ok;
  r.failure = std::move(failure);
  r.config = config_text_;
  for (const std::string& line : trace_) r.trace += "  " + line + "\n";
  r.leaders = cluster_.checker().leader_count();
  r.committed = cluster_.checker().max_committed();
  r.snapshots_installed = cluster_.snapshots_installed();
  r.reads_answered = cluster_.reads_answered();
  r.heal_ticks = heal_ticks_;
  return r;
}

SimulationResult Simulation::run() {
  for (int e = 0; e < options_.events && cluster_.ok(); ++e) chaos_event();
  if (!cluster_.ok()) return result(false, cluster_.failure());
  const bool progressed = heal();
  if (!cluster_.ok()) return result(false, cluster_.failure());
  if (!progressed) {
    return result(false, fmt::format("no progress: a proposal did not reach every node within {} "
                                     "ticks of healing",
                                     options_.heal_ticks));
  }
  return result(true, {});
}

struct CheckFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void throw_check_failure(const std::string& report) { throw CheckFailure(report); }

}  // namespace

SimulationResult run_simulation(uint64_t seed, const SimulationOptions& options) {
  // A failed RAFT_CHECK inside the core becomes this seed's failure rather
  // than an abort that would hide the seed.
  set_check_failure_handler(&throw_check_failure);
  std::optional<Simulation> sim;
  SimulationResult result;
  try {
    sim.emplace(seed, options);
    result = sim->run();
  } catch (const CheckFailure& e) {
    if (sim) {
      result = sim->result(false, e.what());
    } else {
      result.ok = false;
      result.failure = e.what();
    }
  }
  set_check_failure_handler(nullptr);
  return result;
}

}  // namespace faultline::raft
