#include "targets/dht/core/node.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/random.h"
#include "targets/common/sync_cluster_testing.h"

namespace faultline::dht {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Nodes 1..5, N = 3, on the synchronous network of SyncCluster.
class TestCluster : public common::SyncCluster<Node, MemoryReplicaStore, Config> {
 public:
  explicit TestCluster(Mode mode = Mode::kAbd, int r = 1, int w = 1) {
    auto ring = std::make_shared<Ring>();
    EXPECT_TRUE(Ring::create({1, 2, 3, 4, 5}, 16, 3, ring.get()).is_ok());
    ring_ = ring;
    for (uint64_t id = 1; id <= 5; ++id)
      add(id, Config{id, ring_, mode, r, w, 30, 5, SplitMix64(id)});
  }

  std::vector<uint64_t> replicas(const std::string& key) { return ring_->preference_list(key); }

 private:
  std::shared_ptr<const Ring> ring_;
};

uint64_t non_replica(TestCluster& c, const std::string& key) {
  auto list = c.replicas(key);
  for (uint64_t id = 1; id <= 5; ++id) {
    if (std::find(list.begin(), list.end(), id) == list.end()) return id;
  }
  return 0;
}

TEST(DhtNode, AbdWriteThenReadFromAnotherCoordinator) {
  TestCluster c;
  c.node(1).write(7, "k", "v1");
  auto r = c.run();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].request, 7u);
  EXPECT_EQ(r[0].status, ResponseStatus::kOk);
  c.node(non_replica(c, "k")).read(8, "k");
  r = c.run();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].value, "v1");
  c.node(2).read(9, "never-written");
  r = c.run();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ResponseStatus::kOk);
  EXPECT_EQ(r[0].value, std::nullopt);
}

TEST(DhtNode, DeleteStoresAVersionedTombstoneThatLaterWritesReplace) {
  for (Mode mode : {Mode::kAbd, Mode::kEventual}) {
    TestCluster c(mode, 3, 3);
    c.node(1).write(1, "k", "v1");
    ASSERT_EQ(c.run().size(), 1u);
    c.node(2).write(2, "k", std::nullopt);
    ASSERT_EQ(c.run().size(), 1u);
    auto list = c.replicas("k");
    Record tombstone = c.store(list[0]).get("k");
    EXPECT_EQ(tombstone.value, std::nullopt);
    EXPECT_GT(tombstone.version, (Version{1, 1}));  // newer than v1's, so it wins everywhere
    c.node(3).read(3, "k");
    auto r = c.run();
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].value, std::nullopt);
    c.node(4).write(4, "k", "v2");
    ASSERT_EQ(c.run().size(), 1u);
    c.node(5).read(5, "k");
    r = c.run();
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].value, "v2");
  }
}

TEST(DhtNode, AbdWriteVersionIsAboveTheQuorumsAndIdentifiesTheCoordinator) {
  TestCluster c;
  auto list = c.replicas("k");
  // A newer record on one replica only (a write that stalled after one store).
  c.store(list[0]).put("k", Record{Version{41, 5}, "old"});
  c.drop = [&](const Message& m) { return m.to == list[1] || m.from == list[1]; };
  uint64_t coordinator = non_replica(c, "k");
  c.node(coordinator).write(1, "k", "new");
  ASSERT_EQ(c.run().size(), 1u);
  // The quorum was list[0] and list[2]; the write went above counter 41.
  EXPECT_EQ(c.store(list[0]).get("k"), (Record{Version{42, coordinator}, "new"}));
  EXPECT_EQ(c.store(list[2]).get("k"), (Record{Version{42, coordinator}, "new"}));
  EXPECT_EQ(c.store(list[1]).get("k"), Record{});
  EXPECT_EQ(c.store(coordinator).issued_counter(), 42u);
}

TEST(DhtNode, AbdReadWritesTheNewestValueBackBeforeReturning) {
  TestCluster c;
  auto list = c.replicas("k");
  c.store(list[0]).put("k", Record{Version{3, 1}, "partial"});
  c.drop = [&](const Message& m) { return m.to == list[1] && m.type == MessageType::kQuery; };
  c.node(non_replica(c, "k")).read(1, "k");
  auto r = c.run();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].value, "partial");
  // list[1] answered no query but took the write-back, so a majority holds it.
  EXPECT_EQ(c.store(list[1]).get("k").value, "partial");
}

TEST(DhtNode, AbdReadSkipsWriteBackWhenTheQuorumAgrees) {
  TestCluster c;
  c.node(1).write(1, "k", "v");
  c.run();
  int stores = 0;
  c.drop = [&](const Message& m) {
    stores += m.type == MessageType::kStore;
    return false;
  };
  c.node(2).read(2, "k");
  ASSERT_EQ(c.run().size(), 1u);
  EXPECT_EQ(stores, 0);
}

TEST(DhtNode, UnavailableAfterTimeoutNamesWhatWasMissing) {
  TestCluster c;
  uint64_t coordinator = non_replica(c, "k");
  c.drop = [&](const Message& m) { return m.from == coordinator; };  // cut off
  c.node(coordinator).write(5, "k", "v");
  auto r = c.tick(29);
  EXPECT_TRUE(r.empty());
  r = c.tick(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].request, 5u);
  EXPECT_EQ(r[0].status, ResponseStatus::kUnavailable);
  auto list = c.replicas("k");
  EXPECT_EQ(r[0].error,
            fmt::format("UNAVAILABLE write of key 'k': the query phase heard from 0 of the 2 "
                        "replicas it needs (of 3: nodes {}, {}, {}); no answer from nodes {}, {}, "
                        "{} within 30 ticks",
                        list[0], list[1], list[2], list[0], list[1], list[2]));
  EXPECT_EQ(c.node(coordinator).pending_operations(), 0u);
}

TEST(DhtNode, RetriesRecoverFromLostMessages) {
  TestCluster c;
  int dropped = 0;
  c.drop = [&](const Message&) { return dropped++ < 4; };  // the first query round is lost
  c.node(1).write(1, "k", "v");
  EXPECT_TRUE(c.run().empty());
  auto r = c.tick(5);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ResponseStatus::kOk);
}

TEST(DhtNode, CasIsRejectedBecauseItNeedsConsensus) {
  for (Mode mode : {Mode::kAbd, Mode::kEventual}) {
    TestCluster c(mode);
    c.node(1).cas(3, "k");
    auto r = c.run();
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status, ResponseStatus::kUnsupported);
    EXPECT_THAT(r[0].error, StartsWith("ERR CAS on key 'k' is not supported: CAS needs consensus"));
  }
}

TEST(DhtNode, RestartedCoordinatorNeverReissuesAVersion) {
  TestCluster c;
  uint64_t coordinator = non_replica(c, "k");
  c.node(coordinator).write(1, "k", "a");
  c.run();
  EXPECT_EQ(c.store(coordinator).issued_counter(), 1u);
  // Its next write reaches no replica; after a restart, a write that cannot
  // see that one still gets a higher version.
  c.drop = [&](const Message& m) { return m.type == MessageType::kStore; };
  c.node(coordinator).write(2, "k", "b");
  c.run();
  c.drop = nullptr;
  c.restart(coordinator);
  c.node(coordinator).write(3, "k", "c");
  c.run();
  auto list = c.replicas("k");
  EXPECT_EQ(c.store(list[0]).get("k").version, (Version{3, coordinator}));
}

TEST(DhtNode, RejectsMisaddressedMessages) {
  TestCluster c;
  Message m{{2, 3, 1, "k"}, MessageType::kQuery, {}};
  EXPECT_THAT(c.node(1).step(m).message(), HasSubstr("addressed to node 3"));
  m.to = 1;
  m.from = 9;
  EXPECT_THAT(c.node(1).step(m).message(), HasSubstr("node 9, which is not in the ring"));
  m.from = 2;
  m.to = non_replica(c, "k");
  EXPECT_THAT(c.node(m.to).step(m).message(), HasSubstr("which it does not replicate"));
}

TEST(DhtNode, ConfigValidation) {
  auto ring = std::make_shared<Ring>();
  ASSERT_TRUE(Ring::create({1, 2, 3}, 4, 3, ring.get()).is_ok());
  MemoryReplicaStore store;
  std::unique_ptr<Node> node;
  Config c{4, ring, Mode::kAbd, 1, 1, 30, 5, SplitMix64(1)};
  EXPECT_EQ(Node::create(c, store, &node).message(), "dht config: node 4 is not in the ring");
  c.id = 1;
  c.mode = Mode::kEventual;
  c.write_quorum = 4;
  EXPECT_EQ(Node::create(c, store, &node).message(),
            "dht config: expected read_quorum and write_quorum in [1, 3] (N), got 1 and 4");
  c.write_quorum = 1;
  c.random = nullptr;
  EXPECT_EQ(Node::create(c, store, &node).message(), "dht config: expected a random source");
}

TEST(DhtNode, EventualWriteWaitsForWAcksAndReadRepairFixesStaleReplicas) {
  TestCluster c(Mode::kEventual, 1, 1);
  auto list = c.replicas("k");
  // The write reaches only list[0] and still succeeds with W = 1.
  c.drop = [&](const Message& m) { return m.type == MessageType::kStore && m.to != list[0]; };
  c.node(list[0]).write(1, "k", "v");
  auto r = c.run();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ResponseStatus::kOk);
  EXPECT_EQ(c.store(list[1]).get("k"), Record{});
  // R = 1: a read answered by list[1] alone is stale (not linearizable).
  c.drop = nullptr;
  c.node(list[1]).read(2, "k");
  r = c.run();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].value, std::nullopt);
  // R = 3 sees the newest write, and repairs the replicas that lacked it.
  TestCluster all(Mode::kEventual, 3, 1);
  all.store(list[0]).put("k", Record{Version{5, 2}, "new"});
  all.store(list[1]).put("k", Record{Version{4, 3}, "old"});
  all.node(list[2]).read(3, "k");
  r = all.run();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].value, "new");
  for (uint64_t id : list) EXPECT_EQ(all.store(id).get("k").value, "new") << id;
}

TEST(DhtNode, EventualLastWriteWinsByVersion) {
  TestCluster c(Mode::kEventual, 1, 1);
  auto list = c.replicas("k");
  c.store(list[0]).put("k", Record{Version{9, 5}, "newer"});
  Message stale{{list[1], list[0], 1, "k"}, MessageType::kStore, Record{Version{9, 4}, "older"}};
  ASSERT_TRUE(c.node(list[0]).step(stale).is_ok());
  EXPECT_EQ(c.store(list[0]).get("k").value, "newer");
  auto r = c.node(list[0]).ready();
  ASSERT_EQ(r.messages.size(), 1u);  // the ack reports what it holds
  EXPECT_EQ(r.messages[0].record.version, (Version{9, 5}));
}

}  // namespace
}  // namespace faultline::dht
