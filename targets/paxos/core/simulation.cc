#include "targets/paxos/core/simulation.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <memory>
#include <vector>

#include "base/random.h"

namespace faultline::paxos {
namespace {

constexpr int64_t kMaxTicks = 1'000'000;  // a run that gets here has a proposal that never ends

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

class Simulation {
 public:
  explicit Simulation(const SimulationOptions& o) : o_(o), rng_(o.seed) {}

  SimulationResult run() {
    for (int i = 1; i <= o_.nodes; ++i) ids_.push_back(static_cast<uint64_t>(i));
    slots_.resize(ids_.size() + 1);  // indexed by node id; slot 0 unused
    for (uint64_t id : ids_) start_node(id);
    clients_.resize(static_cast<size_t>(o_.clients));
    for (now_ = 0; now_ < kMaxTicks && !all_done() && result_.error.empty(); ++now_) {
      nemesis();
      deliver();
      for (uint64_t id : ids_) {
        if (slots_[id].node) {
          slots_[id].node->tick();
          drain(id);
        }
      }
      start_client_ops();
    }
    if (result_.error.empty() && !all_done()) {
      result_.error = fmt::format("clients still waiting after {} ticks", kMaxTicks);
    }
    return std::move(result_);
  }

 private:
  struct Slot {
    std::unique_ptr<Node> node;  // null while crashed
    MemoryAcceptorStore store;   // survives crashes
    int64_t down_until = 0;
    int side = 0;  // partition side
  };
  struct Client {
    int done = 0;
    bool busy = false;
    uint64_t node = 0;
    uint64_t request = 0;
    std::string f, key, value;  // value: the invoke's JSON
  };
  struct InFlight {
    int64_t at;
    Message message;
  };

  uint64_t uniform(uint64_t n) { return rng_() % n; }
  bool chance(double p) { return static_cast<double>(rng_() >> 11) * 0x1.0p-53 < p; }

  void start_node(uint64_t id) {
    Config c;
    c.id = id;
    c.nodes = ids_;
    c.timeout_ticks = 100;
    c.backoff_ticks = 8;  // about a round trip (2..12 ticks)
    c.random = SplitMix64(rng_());
    c.failpoints = o_.failpoints;
    Status s = Node::create(std::move(c), slots_[id].store, &slots_[id].node);
    if (!s.is_ok()) result_.error = s.message();
  }

  bool all_done() const {
    for (const Client& c : clients_) {
      if (c.busy || c.done < o_.ops_per_client) return false;
    }
    return true;
  }

  void record(std::string_view process, std::string_view type, std::string_view f,
              std::string_view key, std::string_view value) {
    std::string key_field = key.empty() ? "" : fmt::format(",\"key\":\"{}\"", key);
    result_.history += fmt::format(
        "{{\"index\":{},\"time\":{},\"process\":{},\"type\":\"{}\",\"f\":\"{}\"{},\"value\":{}}}\n",
        events_++, now_ * 1'000'000, process, type, f, key_field, value);
  }

  void nemesis() {
    if (o_.partitions && chance(0.02)) {
      if (partitioned_) {
        for (Slot& s : slots_) s.side = 0;
        partitioned_ = false;
        record("\"nemesis\"", "info", "stop-partition", "", "null");
      } else {
        std::vector<uint64_t> sides[2];
        for (uint64_t id : ids_) {
          slots_[id].side = static_cast<int>(uniform(2));
          sides[slots_[id].side].push_back(id);
        }
        partitioned_ = true;
        ++result_.partitions;
        record("\"nemesis\"", "info", "start-partition", "",
               fmt::format("[[{}],[{}]]", fmt::join(sides[0], ","), fmt::join(sides[1], ",")));
      }
    }
    for (uint64_t id : ids_) {
      if (!slots_[id].node && now_ >= slots_[id].down_until) {
        start_node(id);
        record("\"nemesis\"", "info", "restart", "", std::to_string(id));
      }
    }
    if (o_.crashes && chance(o_.crash_rate)) {
      uint64_t id = ids_[uniform(ids_.size())];
      Slot& slot = slots_[id];
      if (!slot.node) return;
      slot.node.reset();  // loses every pending proposal; the store survives
      slot.down_until = now_ + 10 + static_cast<int64_t>(uniform(50));
      ++result_.crashes;
      record("\"nemesis\"", "info", "crash", "", std::to_string(id));
      for (size_t c = 0; c < clients_.size(); ++c) {
        if (clients_[c].busy && clients_[c].node == id) complete(c, "info", "");
      }
    }
  }

  void deliver() {
    std::vector<Message> due;
    for (size_t i = 0; i < network_.size();) {
      if (network_[i].at <= now_) {
        due.push_back(std::move(network_[i].message));
        network_[i] = std::move(network_.back());
        network_.pop_back();
      } else {
        ++i;
      }
    }
    for (size_t i = due.size(); i > 1; --i) std::swap(due[i - 1], due[uniform(i)]);
    for (const Message& m : due) {
      Slot& to = slots_[m.to];
      if (!to.node || to.side != slots_[m.from].side) continue;
      if (Status s = to.node->step(m); !s.is_ok()) result_.error = s.message();
      drain(m.to);
    }
  }

  // After every input: the node's own invariants, then the acceptors' (every
  // store: promised >= accepted; one value per (key, ballot), ever).
  void check(uint64_t id) {
    if (Status s = slots_[id].node->check_invariants(); !s.is_ok()) {
      result_.error = s.message();
    }
    for (const auto& [key, state] : slots_[id].store.states()) {
      if (state.accepted > state.promised) {
        result_.error = fmt::format("node {} key {}: accepted ballot above its promise", id, key);
      }
      if (state.accepted.empty()) continue;
      auto [it, inserted] = accepted_.try_emplace({key, state.accepted}, state.value);
      if (!inserted && it->second != state.value) {
        result_.error =
            fmt::format("key {} ballot {}.{}: two values accepted, '{}' and '{}' (node {})", key,
                        state.accepted.counter, state.accepted.node, it->second, state.value, id);
      }
    }
  }

  // Carries out a node's Ready: messages into the network, responses to clients.
  // (The memory store is durable at once, so the Ready's sync is a no-op.)
  void drain(uint64_t id) {
    check(id);
    Ready r = slots_[id].node->ready();
    for (Message& m : r.messages) {
      if (chance(o_.loss)) continue;
      int copies = chance(o_.duplicate) ? 2 : 1;
      for (int i = 0; i < copies; ++i) {
        network_.push_back({now_ + 1 + static_cast<int64_t>(uniform(o_.max_delay)), m});
      }
    }
    for (const Response& response : r.responses) {
      for (size_t c = 0; c < clients_.size(); ++c) {
        Client& client = clients_[c];
        if (!client.busy || client.request != response.request) continue;
        if (response.status != ResponseStatus::kOk) {
          complete(c, "info", "");
        } else if (client.f == "read") {
          complete(c, "ok", response.reply);
        } else {
          complete(c, response.reply, "");  // "ok", or "fail" for a CAS that did not match
        }
      }
    }
  }

  void complete(size_t c, std::string_view type, std::string_view read_value) {
    Client& client = clients_[c];
    record(std::to_string(c), type, client.f, client.key,
           read_value.empty() ? std::string_view(client.value) : read_value);
    (type == "ok" ? result_.ok : type == "fail" ? result_.fail : result_.info)++;
    client.busy = false;
    ++client.done;
  }

  void start_client_ops() {
    for (size_t c = 0; c < clients_.size(); ++c) {
      Client& client = clients_[c];
      if (client.busy || client.done >= o_.ops_per_client || !chance(0.3)) continue;
      uint64_t id = ids_[uniform(ids_.size())];
      if (!slots_[id].node) continue;  // the client could not connect; it tries again later
      client.busy = true;
      client.node = id;
      client.request = next_request_++;
      client.key = fmt::format("k{}", uniform(static_cast<uint64_t>(o_.keys)));
      Change change;
      const uint64_t dice = uniform(3);
      if (dice == 0) {
        client.f = "read";
        client.value = "null";
        change = read_change();
      } else if (dice == 1) {
        client.f = "write";
        client.value = std::to_string(next_value_);
        change = write_change(std::to_string(next_value_++));
      } else {
        const std::string expected = std::to_string(1 + uniform(next_value_));
        client.f = "cas";
        client.value = fmt::format("[{},{}]", expected, next_value_);
        change = cas_change(expected, std::to_string(next_value_++));
      }
      record(std::to_string(c), "invoke", client.f, client.key, client.value);
      slots_[id].node->propose(client.request, client.key, std::move(change), dice == 0);
      drain(id);
    }
  }

  const SimulationOptions& o_;
  SplitMix64 rng_;
  std::vector<uint64_t> ids_;
  std::vector<Slot> slots_;
  std::vector<Client> clients_;
  std::vector<InFlight> network_;
  std::map<std::pair<std::string, Ballot>, std::string>
      accepted_;  // every (key, ballot) ever accepted, and its value
  SimulationResult result_;
  int64_t now_ = 0;
  int64_t events_ = 0;
  uint64_t next_request_ = 1;
  uint64_t next_value_ = 1;
  bool partitioned_ = false;
};

}  // namespace

SimulationResult run_simulation(const SimulationOptions& options) {
  return Simulation(options).run();
}

}  // namespace faultline::paxos
