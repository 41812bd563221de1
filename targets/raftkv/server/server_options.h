// faultline-raftkv's configuration: the flags main.cc reads (README.md lists
// them) and the parsers for their address lists, kept apart from main() so
// that they are unit-tested.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "harness/history/status.h"

namespace faultline::raftkv {

struct Address {
  std::string host;
  uint16_t port = 0;

  std::string to_string() const { return host + ":" + std::to_string(port); }
  bool operator==(const Address&) const = default;
};

// The deliberately unsafe behaviours --unsafe-failpoint can switch on.
// How long the read-cache failpoint answers a read with an earlier reply.
inline constexpr int kReadCacheMs = 200;
struct Failpoints {
  bool stale_read = false;       // raft Config::unsafe_stale_read
  bool commit_any_term = false;  // raft Config::unsafe_commit_any_term
  bool no_persist_vote = false;  // the server forgets term and vote changes (see raft_node.cc)
  bool lease_read = false;       // the leader reads locally under a wall-clock lease
  bool follower_read = false;    // every node, followers too, reads locally at once
  bool read_cache = false;       // reads answered from earlier replies for kReadCacheMs

  bool any() const {
    return stale_read || commit_any_term || no_persist_vote || lease_read || follower_read ||
           read_cache;
  }
  std::string to_string() const;  // comma-separated names, or "none"
};

struct ServerOptions {
  uint64_t id = 0;
  std::map<uint64_t, Address> peers;         // peer transport addresses, this node included
  Address client_addr;                       // where this node serves RESP clients
  std::map<uint64_t, Address> client_peers;  // every node's client address (for redirects)
  std::string data_dir;
  int election_ms = 1000;
  int heartbeat_ms = 100;
  uint64_t snapshot_threshold = 10000;
  Failpoints failpoints;

  // Cross-field checks: id among the peers, timing, at least one entry
  // between snapshots. Also adds this node's client address to client_peers.
  Status finish();
};

// "host:port"; the port in [1, 65535].
Status parse_address(std::string_view text, Address* out);
// "id=host:port,id=host:port,..." with distinct positive ids.
Status parse_address_map(std::string_view text, std::map<uint64_t, Address>* out);
// One --unsafe-failpoint name: stale-read, commit-any-term, no-persist-vote,
// lease-read, follower-read.
Status enable_failpoint(std::string_view name, Failpoints* failpoints);

}  // namespace faultline::raftkv
