#include "targets/paxos/core/simulation.h"

#include <fmt/format.h>

#include <map>
#include <memory>
#include <vector>

namespace faultline::paxos {
namespace {

// The register's operations as Changes. Values are JSON numbers as text; ""
// (never written) reads as null.
Change read_change() {
  return [](const std::string& current) {
    return ChangeResult{current, current.empty() ? "null" : current};
  };
}
Change write_change(std::string value) {
  return [value](const std::string&) { return ChangeResult{value, "ok"}; };
}
Change cas_change(std::string expected, std::string value) {
  return [expected, value](const std::string& current) {
    return current == expected ? ChangeResult{value, "ok"} : ChangeResult{current, "fail"};
  };
}

class Simulation : public common::SimulatedCluster<Node, MemoryAcceptorStore> {
 public:
  explicit Simulation(const SimulationOptions& o) : SimulatedCluster(o), o_(o) {
    for (int i = 1; i <= o.nodes; ++i) ids_.push_back(static_cast<uint64_t>(i));
  }

 private:
  Status create_node(uint64_t id, uint64_t random, MemoryAcceptorStore& store,
                     std::unique_ptr<Node>* out) override {
    // Timeouts after 100 ticks, retries every 5, backoffs of about a round
    // trip (2..12 ticks).
    return Node::create(Config{id, ids_, 100, 5, 8, SplitMix64(random), o_.failpoints}, store, out);
  }

  void start_operation(size_t c, Node& node) override {
    Change change;
    const uint64_t dice = uniform(3);
    if (dice == 0) {
      invoke(c, "read", "null");
      change = read_change();
    } else if (dice == 1) {
      invoke(c, "write", std::to_string(next_value()));
      change = write_change(std::to_string(take_value()));
    } else {
      const std::string expected = std::to_string(1 + uniform(next_value()));
      invoke(c, "cas", fmt::format("[{},{}]", expected, next_value()));
      change = cas_change(expected, std::to_string(take_value()));
    }
    node.propose(client(c).request, client(c).key, std::move(change), dice == 0);
  }

  void on_response(size_t c, const Response& response) override {
    if (response.status != ResponseStatus::kOk) {
      complete(c, "info", "");
    } else if (client(c).f == "read") {
      complete(c, "ok", response.reply);
    } else {
      complete(c, response.reply, "");  // "ok", or "fail" for a CAS that did not match
    }
  }

  // After every input: the node's own invariants, then the acceptors' (every
  // store: promised >= accepted; one value per (key, ballot), ever).
  void after_input(uint64_t id) override {
    if (Status s = node(id).check_invariants(); !s.is_ok()) set_error(s.message());
    for (const auto& [key, state] : store(id).values()) {
      if (state.accepted > state.promised) {
        set_error(fmt::format("node {} key {}: accepted ballot above its promise", id, key));
      }
      if (state.accepted.empty()) continue;
      auto [it, inserted] = accepted_.try_emplace({key, state.accepted}, state.value);
      if (!inserted && it->second != state.value) {
        set_error(fmt::format("key {} ballot {}.{}: two values accepted, '{}' and '{}' (node {})",
                              key, state.accepted.counter, state.accepted.node, it->second,
                              state.value, id));
      }
    }
  }

  const SimulationOptions& o_;
  std::vector<uint64_t> ids_;
  // Every (key, ballot) ever accepted, and its value.
  std::map<std::pair<std::string, Ballot>, std::string> accepted_;
};

}  // namespace

SimulationResult run_simulation(const SimulationOptions& options) {
  return Simulation(options).run();
}

}  // namespace faultline::paxos
