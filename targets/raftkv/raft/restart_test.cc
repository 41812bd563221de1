// Restarting from persisted state: what survives a crash and what must not.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "targets/raftkv/raft/invariants.h"
#include "targets/raftkv/raft/test_cluster.h"

namespace faultline::raft {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

TEST(Restart, ANodeRecoversItsPersistedStateAndReappliesCommittedEntries) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  cluster.propose(1, "a");
  cluster.propose(1, "b");
  cluster.stabilize();
  const HardState before = cluster.node(2).hard_state();
  cluster.crash(2);
  cluster.restart(2);
  // The term, the vote and the log survive; the commit index may not (only
  // a Ready that must sync stores it, ready_test.cc) and comes back from the
  // leader's next heartbeat.
  EXPECT_EQ(cluster.node(2).term(), before.term);
  EXPECT_EQ(cluster.node(2).vote(), before.vote);
  EXPECT_EQ(cluster.node(2).log().last_index(), 3u);
  EXPECT_EQ(cluster.node(2).role(), Role::kFollower);
  cluster.tick(1);
  cluster.stabilize();
  EXPECT_THAT(cluster.applied_commands(2), ElementsAre("a", "b"));
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

TEST(Restart, ANodeRestartsFromItsSnapshotThenTheLogAfterIt) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  cluster.propose(1, "a");
  cluster.stabilize();
  cluster.compact(2);
  cluster.propose(1, "b");
  cluster.stabilize();
  const uint64_t hash = cluster.state(2).hash;
  cluster.crash(2);
  cluster.restart(2);
  EXPECT_EQ(cluster.state(2).applied, 2u);  // restored from the snapshot
  // The commit index after the snapshot comes back with a heartbeat.
  cluster.tick(1);
  cluster.stabilize();
  EXPECT_THAT(cluster.applied_commands(2), ElementsAre("b"));
  EXPECT_EQ(cluster.state(2).hash, hash);
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

TEST(Restart, EntriesNotYetPersistedAreLost) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  cluster.propose(1, "x");  // its Ready is never handled
  cluster.crash(1);
  cluster.restart(1);
  EXPECT_EQ(cluster.node(1).log().last_index(), 1u);
  cluster.stabilize();
  for (uint64_t id : {1, 2, 3}) EXPECT_TRUE(cluster.applied_commands(id).empty());
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

TEST(Restart, AVoteIsPersistedBeforeItIsSentAndOutlivesACrash) {
  TestCluster cluster(3, 1);
  cluster.deliver({.type = MessageType::kVote, .from = 1, .to = 3, .term = 1});
  cluster.crash(3);  // before its Ready: the vote and its answer vanish together
  EXPECT_TRUE(cluster.in_flight().empty());
  cluster.restart(3);
  EXPECT_EQ(cluster.node(3).vote(), kNoNode);

  cluster.deliver({.type = MessageType::kVote, .from = 1, .to = 3, .term = 1});
  cluster.process_ready(3);
  cluster.crash(3);
  cluster.restart(3);
  EXPECT_EQ(cluster.node(3).hard_state(), (HardState{1, 1, 0}));
  cluster.in_flight().clear();
  cluster.deliver({.type = MessageType::kVote, .from = 2, .to = 3, .term = 1});
  cluster.process_ready(3);
  ASSERT_EQ(cluster.in_flight().size(), 1u);
  EXPECT_TRUE(cluster.in_flight()[0].reject);
}

Config valid_config() {
  Config c;
  c.id = 1;
  c.peers = {1, 2, 3};
  c.random = SplitMix64(1);
  return c;
}

TEST(Restart, CreateRefusesInconsistentStorage) {
  std::unique_ptr<Raft> node;
  MemoryStorage commit_past_log;
  ASSERT_TRUE(commit_past_log.append({Entry{1, 1, EntryType::kNoop, ""}}).is_ok());
  ASSERT_TRUE(commit_past_log.set_hard_state({1, 1, 5}).is_ok());
  EXPECT_THAT(Raft::create(valid_config(), commit_past_log, &node).message(),
              HasSubstr("commit 5 is past the last index 1"));
  MemoryStorage entry_from_the_future;
  ASSERT_TRUE(entry_from_the_future.append({Entry{1, 3, EntryType::kNoop, ""}}).is_ok());
  ASSERT_TRUE(entry_from_the_future.set_hard_state({2, 1, 0}).is_ok());
  EXPECT_THAT(Raft::create(valid_config(), entry_from_the_future, &node).message(),
              HasSubstr("past the current term 2"));
  MemoryStorage vote_for_stranger;
  ASSERT_TRUE(vote_for_stranger.set_hard_state({2, 7, 0}).is_ok());
  EXPECT_THAT(Raft::create(valid_config(), vote_for_stranger, &node).message(),
              HasSubstr("voted for 7, not a peer"));
  EXPECT_EQ(node, nullptr);
}

TEST(Restart, CreateRefusesInvalidConfigs) {
  MemoryStorage storage;
  std::unique_ptr<Raft> node;
  auto error = [&](void (*mutate)(Config&)) {
    Config c = valid_config();
    mutate(c);
    return Raft::create(c, storage, &node).message();
  };
  EXPECT_THAT(error([](Config& c) { c.id = 0; }), HasSubstr("id must be non-zero"));
  EXPECT_THAT(error([](Config& c) { c.id = 4; }), HasSubstr("not listed in peers"));
  EXPECT_THAT(error([](Config& c) { c.peers = {1, 2, 2}; }), HasSubstr("distinct"));
  EXPECT_THAT(error([](Config& c) { c.heartbeat_tick = 10; }),
              HasSubstr("heartbeat_tick < election_tick"));
  EXPECT_THAT(error([](Config& c) { c.random = nullptr; }), HasSubstr("random"));
  EXPECT_THAT(error([](Config& c) { c.max_inflight_appends = 0; }), HasSubstr("positive"));
  EXPECT_THAT(error([](Config& c) { c.applied = 3; }), HasSubstr("applied 3"));
  EXPECT_EQ(node, nullptr);
}

TEST(Invariants, TheMonitorCatchesStateGoingBackwards) {
  TestCluster elected(3, 1);
  elected.campaign(1);
  TestCluster fresh(3, 1);
  InvariantMonitor monitor;
  ASSERT_TRUE(monitor.check(elected.node(2)).is_ok());
  EXPECT_THAT(monitor.check(fresh.node(2)).message(), HasSubstr("went back: term 1 -> 0"));

  TestCluster voted_for_1(3, 1);
  voted_for_1.deliver({.type = MessageType::kVote, .from = 1, .to = 2, .term = 1});
  TestCluster voted_for_3(3, 1);
  voted_for_3.deliver({.type = MessageType::kVote, .from = 3, .to = 2, .term = 1});
  InvariantMonitor vote_monitor;
  ASSERT_TRUE(vote_monitor.check(voted_for_1.node(2)).is_ok());
  EXPECT_THAT(vote_monitor.check(voted_for_3.node(2)).message(),
              HasSubstr("changed its vote in term 1 from 1 to 3"));
}

}  // namespace
}  // namespace faultline::raft
