#include "targets/dht/core/simulation.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <memory>
#include <vector>

#include "base/random.h"

namespace faultline::dht {
namespace {

constexpr int64_t kMaxTicks = 1'000'000;  // a run that gets here has an op that never ends

class Simulation {
 public:
  explicit Simulation(const SimulationOptions& o) : o_(o), rng_(o.seed) {}

  SimulationResult run() {
    std::vector<uint64_t> ids;
    for (int i = 1; i <= o_.nodes; ++i) ids.push_back(static_cast<uint64_t>(i));
    auto ring = std::make_shared<Ring>();
    Status s = Ring::create(ids, o_.vnodes_per_node, o_.replication, ring.get());
    if (!s.is_ok()) return fail(s.message());
    ring_ = ring;
    slots_.resize(ids.size() + 1);  // indexed by node id; slot 0 unused
    for (uint64_t id : ids) {
      if (!start_node(id)) return std::move(result_);
    }
    clients_.resize(static_cast<size_t>(o_.clients));
    for (now_ = 0; now_ < kMaxTicks && !all_done(); ++now_) {
      nemesis();
      deliver();
      for (uint64_t id : ids) {
        if (slots_[id].node) {
          slots_[id].node->tick();
          drain(id);
        }
      }
      start_client_ops();
      if (!result_.error.empty()) return std::move(result_);
    }
    if (!all_done()) return fail(fmt::format("clients still waiting after {} ticks", kMaxTicks));
    return std::move(result_);
  }

 private:
  struct Slot {
    std::unique_ptr<Node> node;  // null while crashed
    MemoryReplicaStore store;    // survives crashes
    int64_t down_until = 0;
    int side = 0;  // partition side
  };
  struct Client {
    int done = 0;
    bool busy = false;
    uint64_t coordinator = 0;
    std::string f, key, value;  // value: the invoke's JSON
  };
  struct InFlight {
    int64_t at;
    Message message;
  };

  uint64_t uniform(uint64_t n) { return rng_() % n; }
  bool chance(double p) { return static_cast<double>(rng_() >> 11) * 0x1.0p-53 < p; }

  SimulationResult fail(std::string error) {
    result_.error = std::move(error);
    return std::move(result_);
  }

  bool start_node(uint64_t id) {
    Config c;
    c.id = id;
    c.ring = ring_;
    c.mode = o_.mode;
    c.read_quorum = o_.read_quorum;
    c.write_quorum = o_.write_quorum;
    c.random = SplitMix64(rng_());
    Status s = Node::create(std::move(c), slots_[id].store, &slots_[id].node);
    if (!s.is_ok()) result_.error = s.message();
    return s.is_ok();
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
        for (size_t id = 1; id < slots_.size(); ++id) {
          slots_[id].side = static_cast<int>(uniform(2));
          sides[slots_[id].side].push_back(id);
        }
        partitioned_ = true;
        ++result_.partitions;
        record("\"nemesis\"", "info", "start-partition", "",
               fmt::format("[[{}],[{}]]", fmt::join(sides[0], ","), fmt::join(sides[1], ",")));
      }
    }
    for (size_t id = 1; id < slots_.size(); ++id) {
      Slot& slot = slots_[id];
      if (!slot.node && now_ >= slot.down_until) {
        if (!start_node(id)) return;
        record("\"nemesis\"", "info", "restart", "", std::to_string(id));
      }
    }
    if (o_.crashes && chance(0.004)) {
      uint64_t id = 1 + uniform(slots_.size() - 1);
      Slot& slot = slots_[id];
      if (!slot.node) return;
      slot.node.reset();  // loses every pending operation; the store survives
      slot.down_until = now_ + 10 + static_cast<int64_t>(uniform(50));
      ++result_.crashes;
      record("\"nemesis\"", "info", "crash", "", std::to_string(id));
      for (size_t c = 0; c < clients_.size(); ++c) {
        if (clients_[c].busy && clients_[c].coordinator == id) complete(c, "info", "");
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
      Status s = to.node->step(m);
      if (!s.is_ok()) result_.error = s.message();
      drain(m.to);
    }
  }

  // Carries out a node's Ready: messages into the network, responses to clients.
  void drain(uint64_t id) {
    Ready r = slots_[id].node->ready();
    for (Message& m : r.messages) {
      if (chance(o_.loss)) continue;
      int copies = chance(o_.duplicate) ? 2 : 1;
      for (int i = 0; i < copies; ++i) {
        network_.push_back({now_ + 1 + static_cast<int64_t>(uniform(o_.max_delay)), m});
      }
    }
    for (const Response& response : r.responses) {
      auto it = requests_.find(response.request);
      if (it == requests_.end()) continue;
      size_t c = it->second;
      if (response.status != ResponseStatus::kOk) {
        complete(c, "info", "");
      } else if (clients_[c].f == "read") {
        complete(c, "ok", response.value.value_or("null"));
      } else {
        complete(c, "ok", clients_[c].value);
      }
    }
  }

  void complete(size_t c, std::string_view type, std::string_view read_value) {
    Client& client = clients_[c];
    record(std::to_string(c), type, client.f, client.key,
           read_value.empty() ? std::string_view(client.value) : read_value);
    (type == "ok" ? result_.ok : result_.info)++;
    client.busy = false;
    ++client.done;
    for (auto it = requests_.begin(); it != requests_.end(); ++it) {
      if (it->second == c) {
        requests_.erase(it);
        break;
      }
    }
  }

  void start_client_ops() {
    for (size_t c = 0; c < clients_.size(); ++c) {
      Client& client = clients_[c];
      if (client.busy || client.done >= o_.ops_per_client || !chance(0.3)) continue;
      uint64_t id = 1 + uniform(slots_.size() - 1);
      if (!slots_[id].node) continue;  // the client could not connect; it tries again later
      client.busy = true;
      client.coordinator = id;
      client.key = fmt::format("k{}", uniform(static_cast<uint64_t>(o_.keys)));
      uint64_t request = next_request_++;
      requests_[request] = c;
      if (chance(0.5)) {
        client.f = "read";
        client.value = "null";
        record(std::to_string(c), "invoke", client.f, client.key, client.value);
        slots_[id].node->read(request, client.key);
      } else {
        client.f = "write";
        client.value = std::to_string(next_value_++);
        record(std::to_string(c), "invoke", client.f, client.key, client.value);
        slots_[id].node->write(request, client.key, client.value);
      }
      drain(id);
    }
  }

  const SimulationOptions& o_;
  SplitMix64 rng_;
  std::shared_ptr<const Ring> ring_;
  std::vector<Slot> slots_;
  std::vector<Client> clients_;
  std::vector<InFlight> network_;
  std::map<uint64_t, size_t> requests_;  // request id -> client
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

}  // namespace faultline::dht
