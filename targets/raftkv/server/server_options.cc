#include "targets/raftkv/server/server_options.h"

#include <fmt/format.h>

namespace faultline::raftkv {

Status ServerOptions::finish() {
  if (peers.find(id) == peers.end()) {
    return Status::invalid_argument(fmt::format("--id {} is not in --peers", id));
  }
  for (const auto& [peer, address] : client_peers) {
    if (peers.find(peer) == peers.end()) {
      return Status::invalid_argument(fmt::format("--client-peers: {} is not in --peers", peer));
    }
  }
  if (heartbeat_ms <= 0 || election_ms < 2 * heartbeat_ms) {
    return Status::invalid_argument(fmt::format(
        "--election-ms ({}) must be at least twice --heartbeat-ms ({}), which must be positive",
        election_ms, heartbeat_ms));
  }
  if (snapshot_threshold == 0) return Status::invalid_argument("--snapshot-threshold must be > 0");
  if (max_append_entries == 0) return Status::invalid_argument("--max-append-entries must be > 0");
  if (data_dir.empty()) return Status::invalid_argument("--data-dir is required");
  client_peers[id] = client_addr;
  return Status::ok();
}

}  // namespace faultline::raftkv
