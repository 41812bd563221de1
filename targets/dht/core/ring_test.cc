#include "targets/dht/core/ring.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace faultline::dht {
namespace {

Ring make_ring(int nodes, int vnodes, int replication) {
  std::vector<uint64_t> ids;
  for (int i = 1; i <= nodes; ++i) ids.push_back(static_cast<uint64_t>(i));
  Ring ring;
  Status s = Ring::create(ids, vnodes, replication, &ring);
  EXPECT_TRUE(s.is_ok()) << s.message();
  return ring;
}

std::string key(int i) { return fmt::format("key-{}", i); }

TEST(DhtHash, Fnv1aMatchesPublishedVectors) {
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

TEST(DhtHash, IsFixedAcrossPlatforms) {
  // Pinned values: a change here moves every key of every deployed ring.
  EXPECT_EQ(hash64(""), mix64(0xcbf29ce484222325ULL));
  EXPECT_EQ(mix64(0), 0u);
  EXPECT_NE(hash64("3#17") >> 60, hash64("3#18") >> 60);
}

TEST(DhtRing, RejectsBadConfigs) {
  Ring ring;
  EXPECT_EQ(Ring::create({}, 8, 1, &ring).message(), "ring: expected at least one node");
  EXPECT_EQ(Ring::create({1, 2, 1}, 8, 1, &ring).message(), "ring: node 1 is listed twice");
  EXPECT_EQ(Ring::create({0, 1}, 8, 1, &ring).message(), "ring: node id 0 is reserved");
  EXPECT_EQ(Ring::create({1, 2}, 0, 1, &ring).message(),
            "ring: expected vnodes_per_node >= 1, got 0");
  EXPECT_EQ(Ring::create({1, 2}, 8, 3, &ring).message(),
            "ring: expected replication in [1, 2] (the node count), got 3");
}

TEST(DhtRing, PreferenceListsAreDistinctNodesOfTheRing) {
  for (int n : {3, 5, 7}) {
    Ring ring = make_ring(n, 32, 3);
    EXPECT_EQ(ring.majority(), 2);
    for (int i = 0; i < 2000; ++i) {
      auto list = ring.preference_list(key(i));
      ASSERT_EQ(list.size(), 3u) << key(i);
      EXPECT_EQ(std::set<uint64_t>(list.begin(), list.end()).size(), 3u) << key(i);
      for (uint64_t node : list) EXPECT_TRUE(node >= 1 && node <= static_cast<uint64_t>(n));
      EXPECT_EQ(list, ring.preference_list(key(i)));  // deterministic
    }
  }
}

TEST(DhtRing, ReplicationEqualToNodeCountListsEveryNode) {
  Ring ring = make_ring(3, 1, 3);
  auto list = ring.preference_list("x");
  std::sort(list.begin(), list.end());
  EXPECT_EQ(list, (std::vector<uint64_t>{1, 2, 3}));
}

TEST(DhtRing, PrimaryIsTheOwnerOfTheNextToken) {
  Ring ring = make_ring(4, 8, 2);
  // Brute force: the token at or after the key's hash, wrapping around.
  for (int i = 0; i < 500; ++i) {
    uint64_t position = hash64(key(i));
    uint64_t best_node = 0, best_distance = UINT64_MAX;
    for (uint64_t node = 1; node <= 4; ++node) {
      for (int v = 0; v < 8; ++v) {
        uint64_t distance = Ring::token(node, v) - position;  // wraps mod 2^64
        if (distance < best_distance) best_distance = distance, best_node = node;
      }
    }
    EXPECT_EQ(ring.preference_list(key(i)).front(), best_node) << key(i);
  }
}

// With 128 vnodes per node, the node owning the most keys (as primary, and as
// any replica) owns at most 15% more than the mean.
TEST(DhtRing, PrimaryRangesPartitionTheCircleAndContainTheirKeys) {
  Ring ring;
  ASSERT_TRUE(Ring::create({1, 2, 3, 4, 5}, 8, 3, &ring).is_ok());
  uint64_t total = 0;  // arc lengths, mod 2^64: the whole circle sums to 0
  size_t arcs = 0;
  for (uint64_t node : ring.nodes()) {
    for (const Ring::Range& r : ring.primary_ranges(node)) {
      total += r.end - r.start;
      ++arcs;
    }
  }
  EXPECT_EQ(total, 0u);
  EXPECT_GT(arcs, 5u);
  EXPECT_LE(arcs, 40u);  // merged: at most one per token
  auto inside = [](const Ring::Range& r, uint64_t p) {
    return r.start < r.end ? (p > r.start && p <= r.end) : (p > r.start || p <= r.end);
  };
  for (int i = 0; i < 2000; ++i) {
    const std::string key = fmt::format("key{}", i);
    const uint64_t primary = ring.preference_list(key)[0];
    for (uint64_t node : ring.nodes()) {
      int hits = 0;
      for (const Ring::Range& r : ring.primary_ranges(node)) hits += inside(r, hash64(key));
      EXPECT_EQ(hits, node == primary ? 1 : 0) << key << " node " << node;
    }
  }
  Ring single;
  ASSERT_TRUE(Ring::create({7}, 4, 1, &single).is_ok());
  ASSERT_EQ(single.primary_ranges(7).size(), 1u);  // the whole circle, as one arc
  EXPECT_EQ(single.primary_ranges(7)[0].start, single.primary_ranges(7)[0].end);
}

TEST(DhtRing, BalancedWith128VirtualNodes) {
  constexpr int kKeys = 100'000;
  for (int n : {3, 5, 8, 10}) {
    Ring ring = make_ring(n, 128, 3);
    std::map<uint64_t, int> primary, replica;
    for (int i = 0; i < kKeys; ++i) {
      auto list = ring.preference_list(key(i));
      ++primary[list.front()];
      for (uint64_t node : list) ++replica[node];
    }
    ASSERT_EQ(primary.size(), static_cast<size_t>(n));
    double mean = static_cast<double>(kKeys) / n;
    int largest = 0, largest_replica = 0;
    for (auto [node, count] : primary) largest = std::max(largest, count);
    for (auto [node, count] : replica) largest_replica = std::max(largest_replica, count);
    EXPECT_LE(largest, 1.15 * mean) << n << " nodes";
    EXPECT_LE(largest_replica, 1.15 * 3 * mean) << n << " nodes";
  }
}

// Adding a node moves only the keys it takes over: about 1/(n+1) of the
// primaries, all to the new node, and every changed replica set swaps exactly
// one old node for the new one.
TEST(DhtRing, AddingANodeMovesAboutOneNthOfTheKeys) {
  constexpr int kKeys = 50'000;
  for (int n : {4, 5, 9}) {
    Ring before = make_ring(n, 128, 3);
    Ring after = make_ring(n + 1, 128, 3);
    uint64_t added = static_cast<uint64_t>(n + 1);
    int moved = 0;
    for (int i = 0; i < kKeys; ++i) {
      auto old_list = before.preference_list(key(i));
      auto new_list = after.preference_list(key(i));
      if (old_list.front() != new_list.front()) {
        ++moved;
        EXPECT_EQ(new_list.front(), added) << key(i);
      }
      std::set<uint64_t> old_set(old_list.begin(), old_list.end());
      std::set<uint64_t> new_set(new_list.begin(), new_list.end());
      if (old_set != new_set) {
        ASSERT_TRUE(new_set.count(added)) << key(i);
        int kept = 0;
        for (uint64_t node : new_set) kept += static_cast<int>(old_set.count(node));
        EXPECT_EQ(kept, 2) << key(i);
      }
    }
    double fraction = static_cast<double>(moved) / kKeys;
    double expected = 1.0 / (n + 1);
    EXPECT_GT(fraction, 0.8 * expected) << n << " -> " << n + 1;
    EXPECT_LT(fraction, 1.2 * expected) << n << " -> " << n + 1;
  }
}

}  // namespace
}  // namespace faultline::dht
