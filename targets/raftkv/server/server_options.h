// faultline-raftkv's configuration: the flags main.cc reads (README.md lists
// them), checked apart from main() so that it is unit-tested. Addresses are
// parsed by targets/common/address.h, failpoint names by ../failpoints.h.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "base/status.h"
#include "targets/common/address.h"
#include "targets/raftkv/failpoints.h"

namespace faultline::raftkv {

struct ServerOptions {
  uint64_t id = 0;
  std::map<uint64_t, common::Address> peers;         // peer transport addresses, this node included
  common::Address client_addr;                       // where this node serves RESP clients
  std::map<uint64_t, common::Address> client_peers;  // every node's client address (for redirects)
  std::string data_dir;
  int election_ms = 1000;
  int heartbeat_ms = 100;
  uint64_t snapshot_threshold = 10000;
  uint64_t max_append_entries = 64;  // entries per AppendEntries message
  Failpoints failpoints;
  bool allow_crashpoints = false;  // --allow-crashpoints: DEBUG CRASHPOINT may arm them

  // Cross-field checks: id among the peers, timing, at least one entry
  // between snapshots. Also adds this node's client address to client_peers.
  Status finish();
};

}  // namespace faultline::raftkv
