#include "targets/raftkv/server/server_options.h"

#include <fmt/format.h>

#include <charconv>
#include <vector>

namespace faultline::raftkv {
namespace {

bool parse_u64(std::string_view text, uint64_t* out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::string Failpoints::to_string() const {
  std::vector<std::string_view> names;
  if (stale_read) names.push_back("stale-read");
  if (commit_any_term) names.push_back("commit-any-term");
  if (no_persist_vote) names.push_back("no-persist-vote");
  if (lease_read) names.push_back("lease-read");
  if (follower_read) names.push_back("follower-read");
  if (read_cache) names.push_back("read-cache");
  return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ","));
}

Status parse_address(std::string_view text, Address* out) {
  const size_t colon = text.rfind(':');
  uint64_t port = 0;
  if (colon == std::string_view::npos || colon == 0 || !parse_u64(text.substr(colon + 1), &port) ||
      port == 0 || port > 65535) {
    return Status::invalid_argument(
        fmt::format("bad address '{}': expected host:port with a port in [1, 65535]", text));
  }
  out->host = std::string(text.substr(0, colon));
  out->port = static_cast<uint16_t>(port);
  return Status::ok();
}

Status parse_address_map(std::string_view text, std::map<uint64_t, Address>* out) {
  out->clear();
  while (true) {  // every item, the one after a trailing comma too, must be id=host:port
    const size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    const size_t eq = item.find('=');
    uint64_t id = 0;
    if (eq == std::string_view::npos || !parse_u64(item.substr(0, eq), &id) || id == 0) {
      return Status::invalid_argument(
          fmt::format("bad peer '{}': expected id=host:port with a positive id", item));
    }
    Address address;
    if (Status s = parse_address(item.substr(eq + 1), &address); !s.is_ok()) return s;
    if (!out->emplace(id, address).second) {
      return Status::invalid_argument(fmt::format("peer id {} listed twice", id));
    }
    if (comma == std::string_view::npos) break;
    text = text.substr(comma + 1);
  }
  return Status::ok();
}

Status enable_failpoint(std::string_view name, Failpoints* f) {
  if (name == "stale-read") {
    f->stale_read = true;
  } else if (name == "commit-any-term") {
    f->commit_any_term = true;
  } else if (name == "no-persist-vote") {
    f->no_persist_vote = true;
  } else if (name == "lease-read") {
    f->lease_read = true;
  } else if (name == "follower-read") {
    f->follower_read = true;
  } else if (name == "read-cache") {
    f->read_cache = true;
  } else {
    return Status::invalid_argument(fmt::format(
        "unknown failpoint '{}': expected stale-read, commit-any-term, no-persist-vote, "
        "lease-read, follower-read or read-cache",
        name));
  }
  return Status::ok();
}

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
  if (data_dir.empty()) return Status::invalid_argument("--data-dir is required");
  client_peers[id] = client_addr;
  return Status::ok();
}

}  // namespace faultline::raftkv
