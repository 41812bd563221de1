// Ring: consistent hashing with virtual nodes. Every physical node owns
// `vnodes_per_node` points (tokens) on a 64-bit circle; a key belongs at
// hash64(key), and its preference list is the owners of the tokens met
// walking clockwise from there, skipping nodes already listed, until
// `replication` distinct physical nodes are found. The ring is pure data:
// every node builds the same ring from the same membership.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "base/random.h"  // mix64
#include "base/status.h"

namespace faultline::dht {

// The fixed hash of the ring, the same on every platform: 64-bit FNV-1a over
// the bytes, then the SplitMix64 finalizer (mix64, base/random.h). FNV-1a alone spreads short,
// similar strings ("3#17", "3#18") poorly across the high bits; the
// finalizer's avalanche fixes that.
uint64_t fnv1a64(std::string_view bytes);
inline uint64_t hash64(std::string_view bytes) { return mix64(fnv1a64(bytes)); }

class Ring {
 public:
  // `nodes`: distinct, non-zero physical node ids. Fails (with the reason) on
  // an empty or duplicated membership, vnodes_per_node < 1, or a replication
  // factor outside [1, nodes.size()].
  static Status create(std::vector<uint64_t> nodes, int vnodes_per_node, int replication,
                       Ring* out);

  // The `replication` distinct nodes that store `key`, primary first.
  std::vector<uint64_t> preference_list(std::string_view key) const;
  // The arcs of the circle for which `node` is the primary: (start, end]
  // pairs (start exclusive, end inclusive, the arc wrapping past 2^64 - 1
  // when end <= start: start == end is the whole circle), in token order,
  // adjacent arcs merged. A key at hash64(key) in one of them has `node`
  // first in its preference list.
  struct Range {
    uint64_t start = 0;
    uint64_t end = 0;
    bool operator==(const Range&) const = default;
  };
  std::vector<Range> primary_ranges(uint64_t node) const;
  // A vnode's position: hash64("<node>#<index>").
  static uint64_t token(uint64_t node, int index);

  const std::vector<uint64_t>& nodes() const { return nodes_; }
  int vnodes_per_node() const { return vnodes_per_node_; }
  int replication() const { return replication_; }
  // ABD's quorum: a majority of the replication factor.
  int majority() const { return replication_ / 2 + 1; }

 private:
  std::vector<uint64_t> nodes_;  // sorted
  int vnodes_per_node_ = 0;
  int replication_ = 0;
  std::vector<std::pair<uint64_t, uint64_t>> tokens_;  // (position, node), sorted
};

}  // namespace faultline::dht
