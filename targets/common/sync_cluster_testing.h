// Test support for the sans-I/O cores' unit tests (faultline-dht's and
// faultline-paxos's node_test.cc): nodes on memory stores, wired by a
// synchronous FIFO network that delivers everything except what `drop` says,
// until quiet. Node: create(config, store, &node), tick(), step(), ready().
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "base/status.h"
#include "targets/common/core_outbox.h"

namespace faultline::common {

template <typename Node, typename Store, typename Config>
class SyncCluster {
 public:
  using Ready = decltype(std::declval<Node&>().ready());
  using Message = typename decltype(Ready::messages)::value_type;
  using Response = typename decltype(Ready::responses)::value_type;

  // Adds node `id` (or replaces its config) and starts it.
  void add(uint64_t id, Config config) {
    config_[id] = std::move(config);
    restart(id);
  }
  // A new incarnation of node `id` on the store its earlier ones left.
  void restart(uint64_t id) {
    Status s = Node::create(config_[id], stores_[id], &nodes_[id]);
    ASSERT_TRUE(s.is_ok()) << s.message();
  }

  Node& node(uint64_t id) { return *nodes_[id]; }
  Store& store(uint64_t id) { return stores_[id]; }

  // Delivers until no node has anything to send; returns the responses.
  std::vector<Response> run() {
    std::vector<Response> responses;
    std::deque<Message> queue;
    for (;;) {
      for (auto& [id, n] : nodes_) {
        if (check) check(*n);
        while (n->has_ready()) {  // advancing may bring more
          Ready r = n->ready();
          for (auto* list : {&r.early, &r.messages}) {
            for (Message& m : *list) {
              if (!drop || !drop(m)) queue.push_back(std::move(m));
            }
          }
          responses.insert(responses.end(), r.responses.begin(), r.responses.end());
          advance_after_sync(*n);
        }
      }
      if (queue.empty()) return responses;
      Message m = std::move(queue.front());
      queue.pop_front();
      Status s = nodes_[m.to]->step(m);
      EXPECT_TRUE(s.is_ok()) << s.message();
    }
  }

  // Ticks every node `ticks` times, delivering after each.
  std::vector<Response> tick(int ticks) {
    std::vector<Response> responses;
    for (int i = 0; i < ticks; ++i) {
      for (auto& [id, n] : nodes_) n->tick();
      auto more = run();
      responses.insert(responses.end(), more.begin(), more.end());
    }
    return responses;
  }

  // Messages it says true of are lost.
  std::function<bool(const Message&)> drop;
  // Called on every node before each of its Readys (e.g. its invariants).
  std::function<void(const Node&)> check;

 private:
  std::map<uint64_t, Config> config_;
  std::map<uint64_t, Store> stores_;
  std::map<uint64_t, std::unique_ptr<Node>> nodes_;
};

}  // namespace faultline::common
