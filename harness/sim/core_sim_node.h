// CoreSimNode: a node of a sans-I/O core (paxos, dht) in faultline sim, run
// as its server's CoreServer (targets/common/core_server.h) runs it: the
// core over its durable store (the server's keyed record log, here on the
// simulated disk), its server's command logic (PaxosKv, DhtKv), and each
// Ready carried out in the server's order — send the early messages, sync the
// store (one group commit), then send the other messages, answer the clients
// and tell the core the sync is done — so that a crash loses only what nobody
// was told. Nobody leads: primary() is false.
//
// A target supplies Traits: Node, Store (its DurableKeyedStore), Kv,
// Options (the server's options, with tick_ms), and
//   static Config config(const Options&, uint64_t seed);  // the core's, as the server builds it
//   static std::unique_ptr<Kv> make_kv(const Options&);
//   static void handle(Kv&, Node&, std::vector<std::string>, kv::Session&, common::SendReply);
//   static bool aimed(const Message&);  // the aimed message (SimNode::aim: a kill)
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "harness/sim/sim_cluster.h"
#include "harness/sim/sim_node.h"
#include "targets/common/core_outbox.h"
#include "targets/common/keyed_log.h"

namespace faultline::sim {

template <typename Traits>
class CoreSimNode : public SimNode {
 public:
  using Node = typename Traits::Node;
  using Store = typename Traits::Store;
  using Kv = typename Traits::Kv;
  using Options = typename Traits::Options;

  CoreSimNode(SimCluster& cluster, size_t index, Options options)
      : SimNode(cluster, index), options_(std::move(options)) {
    options_.id = index + 1;
  }

 protected:
  Status recover(common::Env* env, const std::string& dir, uint64_t seed) override {
    if (Status s = Store::open(env, dir, log_options(), &store_); !s.is_ok()) return s;
    if (Status s = Node::create(Traits::config(options_, seed), *store_, &node_); !s.is_ok())
      return s;
    kv_ = Traits::make_kv(options_);
    return Status::ok();
  }
  // The servers compact their logs past 16 MiB; a simulated node, killed
  // and restarted far more often (aimed kills), past 8 KiB: each restart
  // replays the log (a fifth of a paxos seed's instructions at 16 MiB, a
  // tenth at 32 KiB; a register test's live records take about 3 KiB), and
  // compaction gets crashes, torn writes and lost syncs of its own.
  static common::KeyedLogOptions log_options() {
    common::KeyedLogOptions o;
    o.compact_bytes = 8 << 10;
    return o;
  }
  void forget() override {
    kv_.reset();
    node_.reset();
    store_.reset();
  }
  void tick() override {
    node_->tick();
    if (node_->has_ready()) schedule_ready();
  }
  bool quiescent() const override { return node_->quiescent(); }
  void skip_ticks(uint64_t n) override { node_->skip_ticks(n); }
  void handle(std::vector<std::string> command, kv::Session& session,
              common::SendReply reply) override {
    Traits::handle(*kv_, *node_, std::move(command), session, std::move(reply));
    schedule_ready();
  }
  Status process_ready() override {
    if (!node_->has_ready()) return Status::ok();
    auto ready = node_->ready();
    send_all(ready.early);
    // The Ready contract (common/core_outbox.h): durable before anything else leaves.
    if (Status s = store_->sync(); !s.is_ok()) return s;
    send_all(ready.messages);
    for (const auto& r : ready.responses) kv_->answer(r);
    common::advance_after_sync(*node_);
    if (node_->has_ready()) schedule_ready();
    return Status::ok();
  }
  bool primary() const override { return false; }

 private:
  // Moves the Ready's messages into their parcels.
  template <typename Message>
  void send_all(std::vector<Message>& messages) {
    for (auto& m : messages) {
      const auto to = static_cast<size_t>(m.to - 1);
      const bool aimed = Traits::aimed(m);
      send(
          to, [m = std::move(m)](SimNode& node) { static_cast<CoreSimNode&>(node).step(m); },
          aimed);
    }
  }
  template <typename Message>
  void step(const Message& m) {
    // A message the core refuses (not for it) is dropped, as the server's
    // transport drops the frame.
    (void)node_->step(m);
    schedule_ready();
  }

  Options options_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Node> node_;
  std::unique_ptr<Kv> kv_;
};

}  // namespace faultline::sim
