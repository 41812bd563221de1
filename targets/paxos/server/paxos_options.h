// faultline-paxos's configuration: what main.cc reads from its flags
// (targets/paxos/README.md lists them), checked apart from main() so that it
// is unit-tested.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "targets/common/core_server_options.h"
#include "targets/paxos/core/node.h"

namespace faultline::paxos {

// timeout_ms: a proposal not done by then answers -UNAVAILABLE (1000);
// retry_ms: silent acceptors are asked again this often.
struct PaxosServerOptions : common::CoreServerOptions {
  PaxosServerOptions() : CoreServerOptions(/*tick=*/2, /*retry=*/20) {}
  int backoff_ms = 4;     // a refused prepare waits 1..backoff (doubling) before a higher ballot
  Failpoints failpoints;  // --unsafe-failpoint
  bool allow_crashpoints = false;  // --allow-crashpoints: DEBUG CRASHPOINT may arm them

  // Cross-field checks: id among the nodes, 1 <= tick <= backoff, retry <= timeout.
  Status finish() const;
  Config core_config(uint64_t seed) const;
};

}  // namespace faultline::paxos
