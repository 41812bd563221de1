// SimTarget: a target as faultline sim runs it — how to make its simulated
// nodes (sim_node.h) with the options of the test's --opt pairs, parsed by
// the same functions as `faultline run`'s deployment (parse_raftkv_options,
// parse_paxos_options, parse_dht_options), so a test file runs alike on both.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "harness/run/test_config.h"
#include "harness/sim/sim_cluster.h"

namespace faultline::sim {

struct SimTarget {
  int64_t tick = 0;  // the nodes' timer, ns (the server's tick or heartbeat)
  // primaries() means something: the final heal waits for a leader, as
  // faultline run's wait_for_cluster does (paxos and dht have none).
  bool has_leader = true;
  SimNodeFactory make_node;
};

// config.target's SimTarget, from config.opts. invalid_argument for a target
// faultline sim does not simulate or an option it cannot honour.
Status make_sim_target(const TestConfig& config, SimTarget* out);

// Each target's, in its adapter's file: raftkv_sim_node.cc (KvNode; aimed
// message: a granted vote), paxos_sim_node.cc (paxos::Node with PaxosKv;
// aimed message: a promise), dht_sim_node.cc (dht::Node with DhtKv).
Status raftkv_sim_target(const TestConfig& config, SimTarget* out);
Status paxos_sim_target(const TestConfig& config, SimTarget* out);
Status dht_sim_target(const TestConfig& config, SimTarget* out);

}  // namespace faultline::sim
