#include "targets/raftkv/raft/config.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace faultline::raft {

Status Config::validate() const {
  if (id == 0) return Status::invalid_argument("config: id must be non-zero");
  if (std::find(peers.begin(), peers.end(), id) == peers.end()) {
    return Status::invalid_argument(fmt::format("config: id {} is not listed in peers", id));
  }
  if (std::set<uint64_t>(peers.begin(), peers.end()).size() != peers.size() ||
      std::find(peers.begin(), peers.end(), 0) != peers.end()) {
    return Status::invalid_argument("config: peers must be distinct and non-zero");
  }
  if (heartbeat_tick <= 0 || election_tick <= heartbeat_tick) {
    return Status::invalid_argument(
        fmt::format("config: need 0 < heartbeat_tick < election_tick, got {} and {}",
                    heartbeat_tick, election_tick));
  }
  if (!random) return Status::invalid_argument("config: random (the timeout jitter) is unset");
  if (max_entries_per_append == 0 || max_inflight_appends == 0) {
    return Status::invalid_argument(
        "config: max_entries_per_append and max_inflight_appends must be positive");
  }
  return Status::ok();
}

}  // namespace faultline::raft
