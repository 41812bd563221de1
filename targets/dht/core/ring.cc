#include "targets/dht/core/ring.h"

#include <fmt/format.h>

#include <algorithm>

namespace faultline::dht {

uint64_t fnv1a64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64-bit offset basis
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;  // FNV 64-bit prime
  }
  return h;
}

uint64_t Ring::token(uint64_t node, int index) { return hash64(fmt::format("{}#{}", node, index)); }

Status Ring::create(std::vector<uint64_t> nodes, int vnodes_per_node, int replication, Ring* out) {
  if (nodes.empty()) return Status::invalid_argument("ring: expected at least one node");
  std::sort(nodes.begin(), nodes.end());
  if (nodes.front() == 0) return Status::invalid_argument("ring: node id 0 is reserved");
  auto dup = std::adjacent_find(nodes.begin(), nodes.end());
  if (dup != nodes.end()) {
    return Status::invalid_argument(fmt::format("ring: node {} is listed twice", *dup));
  }
  if (vnodes_per_node < 1) {
    return Status::invalid_argument(
        fmt::format("ring: expected vnodes_per_node >= 1, got {}", vnodes_per_node));
  }
  if (replication < 1 || static_cast<size_t>(replication) > nodes.size()) {
    return Status::invalid_argument(
        fmt::format("ring: expected replication in [1, {}] (the node count), got {}", nodes.size(),
                    replication));
  }
  Ring ring;
  ring.nodes_ = std::move(nodes);
  ring.vnodes_per_node_ = vnodes_per_node;
  ring.replication_ = replication;
  for (uint64_t node : ring.nodes_) {
    for (int i = 0; i < vnodes_per_node; ++i) ring.tokens_.emplace_back(token(node, i), node);
  }
  std::sort(ring.tokens_.begin(), ring.tokens_.end());  // equal positions: lower node first
  *out = std::move(ring);
  return Status::ok();
}

std::vector<uint64_t> Ring::preference_list(std::string_view key) const {
  std::vector<uint64_t> list;
  uint64_t position = hash64(key);
  auto it = std::lower_bound(tokens_.begin(), tokens_.end(), std::make_pair(position, uint64_t{0}));
  for (size_t seen = 0; seen < tokens_.size() && list.size() < static_cast<size_t>(replication_);
       ++seen, ++it) {
    if (it == tokens_.end()) it = tokens_.begin();
    if (std::find(list.begin(), list.end(), it->second) == list.end()) list.push_back(it->second);
  }
  return list;
}

std::vector<Ring::Range> Ring::primary_ranges(uint64_t node) const {
  std::vector<Range> ranges;
  for (size_t i = 0; i < tokens_.size(); ++i) {
    if (tokens_[i].second != node) continue;
    const uint64_t start = tokens_[i == 0 ? tokens_.size() - 1 : i - 1].first;
    if (!ranges.empty() && ranges.back().end == start) {
      ranges.back().end = tokens_[i].first;  // the previous token is ours too
    } else {
      ranges.push_back({start, tokens_[i].first});
    }
  }
  // The first arc may continue the last one across the wrap.
  if (ranges.size() > 1 && ranges.back().end == ranges.front().start) {
    ranges.front().start = ranges.back().start;
    ranges.pop_back();
  }
  return ranges;
}

}  // namespace faultline::dht
