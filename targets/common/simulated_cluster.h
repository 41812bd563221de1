// SimulatedCluster: the deterministic simulated cluster that the randomized
// tests of the sans-I/O cores (faultline-dht, faultline-paxos) run: nodes
// 1..N running the core, a network that loses, duplicates, delays and
// reorders messages, partitions into two sides, crash-restarts that keep
// each node's store (and lose the node: every pending operation), and
// concurrent clients each sending its operations to a random node. It
// records what the clients saw as a faultline history (JSON lines,
// docs/history.md) for a checker to judge. Everything derives from `seed`.
//
// A core supplies, by subclassing: how to create a node on its store, how a
// client's operation starts on a node and how a response completes it, and
// optionally checks after every input. Node is the core's class: tick(),
// step(message) -> Status, ready() -> {messages, responses}; a Message has
// `from` and `to`, a Response `request`.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/random.h"
#include "base/status.h"
#include "targets/common/core_outbox.h"

namespace faultline::common {

struct SimulationOptions {
  // The cores' simulations differ in size.
  explicit SimulationOptions(int node_count = 3, int client_count = 5, int ops = 30)
      : nodes(node_count), clients(client_count), ops_per_client(ops) {}

  uint64_t seed = 1;
  int nodes;
  int clients;
  int ops_per_client;
  int keys = 3;             // k0..k(keys-1)
  double loss = 0.05;       // per message
  double duplicate = 0.02;  // per message
  int max_delay = 6;        // ticks; a message takes 1..max_delay
  bool partitions = true;
  bool crashes = true;
  double crash_rate = 0.004;  // per tick: a crash of a random node, down 10..59 ticks
};

struct SimulationResult {
  // The clients' history, one JSON event per line, nemesis events included.
  // Completions: ok; fail for an operation that did not apply (a CAS whose
  // expected value did not match); info for UNAVAILABLE and for operations
  // whose node crashed (their effect is unknown).
  std::string history;
  int ok = 0;
  int fail = 0;
  int info = 0;
  int partitions = 0;
  int crashes = 0;
  // Set when a node rejected a message or a check failed: a core bug.
  std::string error;
};

template <typename Node, typename Store>
class SimulatedCluster {
 public:
  using Ready = decltype(std::declval<Node&>().ready());
  using Message = typename decltype(Ready::messages)::value_type;
  using Response = typename decltype(Ready::responses)::value_type;

  explicit SimulatedCluster(const SimulationOptions& o) : o_(o), rng_(o.seed) {}
  virtual ~SimulatedCluster() = default;

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

 protected:
  struct Client {
    int done = 0;
    bool busy = false;
    uint64_t node = 0;
    uint64_t request = 0;
    std::string f, key, value;  // value: the invoke's JSON
  };

  // Creates node `id` on `store` (what its earlier incarnations left);
  // `random` seeds the node's randomness.
  virtual Status create_node(uint64_t id, uint64_t random, Store& store,
                             std::unique_ptr<Node>* out) = 0;
  // Starts clients()[c]'s next operation (its node, request and key are
  // chosen): calls invoke(), then hands the request to `node`.
  virtual void start_operation(size_t c, Node& node) = 0;
  // Completes clients()[c] (see complete()) with its response.
  virtual void on_response(size_t c, const Response& response) = 0;
  // Called before each of a node's Readys: a check of the node and its store.
  virtual void after_input(uint64_t /*id*/) {}

  uint64_t uniform(uint64_t n) { return rng_() % n; }
  bool chance(double p) { return static_cast<double>(rng_() >> 11) * 0x1.0p-53 < p; }
  const Client& client(size_t c) const { return clients_[c]; }
  const Node& node(uint64_t id) const { return *slots_[id].node; }
  const Store& store(uint64_t id) const { return slots_[id].store; }
  uint64_t next_value() const { return next_value_; }
  uint64_t take_value() { return next_value_++; }
  void set_error(std::string error) { result_.error = std::move(error); }

  // Records the invoke of clients()[c]'s operation.
  void invoke(size_t c, std::string f, std::string value) {
    Client& client = clients_[c];
    client.f = std::move(f);
    client.value = std::move(value);
    record(std::to_string(c), "invoke", client.f, client.key, client.value);
  }

  // Records the completion of clients()[c]'s operation: `type` ok, fail or
  // info, with `read_value` ("": the invoke's value).
  void complete(size_t c, std::string_view type, std::string_view read_value) {
    Client& client = clients_[c];
    record(std::to_string(c), type, client.f, client.key,
           read_value.empty() ? std::string_view(client.value) : read_value);
    (type == "ok" ? result_.ok : type == "fail" ? result_.fail : result_.info)++;
    client.busy = false;
    ++client.done;
  }

 private:
  static constexpr int64_t kMaxTicks = 1'000'000;  // a run that gets here has an op that never ends

  struct Slot {
    std::unique_ptr<Node> node;  // null while crashed
    Store store;                 // survives crashes
    int64_t down_until = 0;
    int side = 0;  // partition side
  };
  struct InFlight {
    int64_t at;
    Message message;
  };

  void start_node(uint64_t id) {
    Status s = create_node(id, rng_(), slots_[id].store, &slots_[id].node);
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
      slot.node.reset();  // loses every pending operation; the store survives
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

  // Carries out a node's Ready: messages into the network, responses to
  // clients. (The memory stores are durable at once: no sync.)
  void drain(uint64_t id) {
    after_input(id);
    // Advancing may bring more to send: each round handles what the last one
    // released, and a node's rounds end as its operations do.
    while (slots_[id].node && slots_[id].node->has_ready()) {
      Ready r = slots_[id].node->ready();
      send_all(r.early);
      send_all(r.messages);
      for (const Response& response : r.responses) {
        for (size_t c = 0; c < clients_.size(); ++c) {
          if (clients_[c].busy && clients_[c].request == response.request) {
            on_response(c, response);
          }
        }
      }
      advance_after_sync(*slots_[id].node);
      after_input(id);
    }
  }

  void send_all(const std::vector<Message>& messages) {
    for (const Message& m : messages) {
      if (chance(o_.loss)) continue;
      int copies = chance(o_.duplicate) ? 2 : 1;
      for (int i = 0; i < copies; ++i) {
        network_.push_back({now_ + 1 + static_cast<int64_t>(uniform(o_.max_delay)), m});
      }
    }
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
      start_operation(c, *slots_[id].node);
      drain(id);
    }
  }

  const SimulationOptions& o_;
  SplitMix64 rng_;
  std::vector<uint64_t> ids_;
  std::vector<Slot> slots_;
  std::vector<Client> clients_;
  std::vector<InFlight> network_;
  SimulationResult result_;
  int64_t now_ = 0;
  int64_t events_ = 0;
  uint64_t next_request_ = 1;
  uint64_t next_value_ = 1;
  bool partitioned_ = false;
};

}  // namespace faultline::common
