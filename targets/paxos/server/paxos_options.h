// faultline-paxos's configuration: what main.cc reads from its flags
// (targets/paxos/README.md lists them), checked apart from main() so that it
// is unit-tested.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "base/status.h"
#include "targets/common/address.h"
#include "targets/paxos/core/node.h"

namespace faultline::paxos {

struct PaxosServerOptions {
  uint64_t id = 0;
  std::map<uint64_t, common::Address> nodes;  // every node's peer address, this one's included
  common::Address client_addr;                // where this node serves RESP clients
  std::string data_dir;
  int tick_ms = 2;        // the core's unit of time
  int timeout_ms = 1000;  // a proposal not done by then: -UNAVAILABLE
  int retry_ms = 20;      // silent acceptors are asked again this often
  int backoff_ms = 4;     // a refused prepare waits 1..backoff (doubling) before a higher ballot
  Failpoints failpoints;  // --unsafe-failpoint

  // Cross-field checks: id among the nodes, 1 <= tick <= backoff, retry <= timeout.
  Status finish() const;
  Config core_config(uint64_t seed) const;
};

}  // namespace faultline::paxos
