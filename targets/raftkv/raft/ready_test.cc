// The Ready contract's two relaxations: a leader's replication messages may go
// out before its own write is durable, and a Ready that only moves the commit
// index need not be synced.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "targets/raftkv/raft/test_cluster.h"

namespace faultline::raft {
namespace {

using testing::ElementsAre;

// Delivers every in-flight message to `to` and drops the rest.
void deliver_only_to(TestCluster& cluster, uint64_t to) {
  std::vector<Message> batch;
  batch.swap(cluster.in_flight());
  for (const Message& m : batch) {
    if (m.to == to) cluster.deliver(m);
  }
}

TEST(Ready, ALeadersAppendsAreEarlyAndItsResponsesAndVotesAreNot) {
  TestCluster cluster(3, 1, [](Config& c) { c.pre_vote = false; });
  for (int i = 0; i < 40 && cluster.node(1).role() == Role::kFollower; ++i) cluster.tick(1);
  ASSERT_EQ(cluster.node(1).role(), Role::kCandidate);
  const Ready campaign = cluster.node(1).ready();
  EXPECT_TRUE(campaign.must_sync);               // the new term and the vote for itself
  EXPECT_TRUE(campaign.early_messages.empty());  // so vote requests wait for the disk
  EXPECT_EQ(campaign.messages.size(), 2u);
  ASSERT_TRUE(persist_ready(campaign, cluster.storage(1)).is_ok());
  for (const Message& m : campaign.messages) cluster.in_flight().push_back(m);
  cluster.node(1).advance(campaign);
  cluster.stabilize();
  ASSERT_EQ(cluster.leader(), 1u);

  cluster.propose(1, "x");
  const Ready leader = cluster.node(1).ready();
  EXPECT_TRUE(leader.must_sync);
  ASSERT_EQ(leader.early_messages.size(), 2u);
  for (const Message& m : leader.early_messages) EXPECT_EQ(m.type, MessageType::kAppend);
  EXPECT_TRUE(leader.messages.empty());
  ASSERT_TRUE(persist_ready(leader, cluster.storage(1)).is_ok());
  for (const Message& m : leader.early_messages) cluster.deliver(m);
  cluster.node(1).advance(leader);

  const Ready follower = cluster.node(2).ready();
  EXPECT_TRUE(follower.must_sync);
  EXPECT_TRUE(follower.early_messages.empty());
  ASSERT_EQ(follower.messages.size(), 1u);  // the acknowledgement waits for the disk
  EXPECT_EQ(follower.messages[0].type, MessageType::kAppendResponse);
}

TEST(Ready, ALeaderCountsItsOwnEntryOnlyAfterAdvance) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  const ProposeResult x = cluster.propose(1, "x");
  const Ready rd = cluster.node(1).ready();
  for (const Message& m : rd.early_messages) cluster.in_flight().push_back(m);
  deliver_only_to(cluster, 2);  // node 3 never hears of x
  cluster.process_ready(2);     // node 2 persists x and acknowledges it
  deliver_only_to(cluster, 1);
  // One durable copy of three: x must not commit although the leader holds it.
  EXPECT_LT(cluster.node(1).log().committed(), x.index);

  ASSERT_TRUE(persist_ready(rd, cluster.storage(1)).is_ok());
  cluster.node(1).advance(rd);
  EXPECT_EQ(cluster.node(1).log().committed(), x.index);
  const Ready commit = cluster.node(1).ready();
  ASSERT_TRUE(commit.hard_state);
  EXPECT_EQ(commit.hard_state->commit, x.index);
  EXPECT_FALSE(commit.must_sync);  // only the commit index moved
  ASSERT_EQ(commit.committed_entries.size(), 1u);
  EXPECT_EQ(commit.committed_entries[0].data, "x");
  for (const Message& m : commit.early_messages) cluster.in_flight().push_back(m);
  cluster.node(1).advance(commit);
  for (int t = 0; t < 3; ++t) {  // heartbeats bring node 3 up to date
    cluster.tick(1);
    cluster.stabilize();
  }
  for (uint64_t id : {2, 3}) EXPECT_THAT(cluster.applied_commands(id), ElementsAre("x"));
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

TEST(Ready, AnEntryTheLeaderSentButNeverPersistedSurvivesItsCrashOnTheFollowers) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  cluster.propose(1, "x");
  ASSERT_TRUE(cluster.crash_mid_ready(1));
  cluster.stabilize();  // the followers persist x; their acks find nobody
  cluster.restart(1);
  EXPECT_EQ(cluster.node(1).log().last_index(), 1u);  // x never reached node 1's disk
  for (int t = 0; t < 100 && cluster.leader() == kNoNode; ++t) {
    cluster.tick(2);
    cluster.tick(3);
    cluster.stabilize();
  }
  ASSERT_NE(cluster.leader(), kNoNode);
  for (int t = 0; t < 3; ++t) {
    cluster.tick(cluster.leader());
    cluster.stabilize();
  }
  for (uint64_t id : {1, 2, 3}) EXPECT_THAT(cluster.applied_commands(id), ElementsAre("x"));
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

TEST(Ready, AnUnsyncedCommitIndexIsLostInACrashAndLearnedAgain) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  cluster.propose(1, "x");
  cluster.stabilize();
  ASSERT_EQ(cluster.node(2).log().committed(), 2u);
  EXPECT_LT(cluster.storage(2).hard_state().commit, 2u);  // commit-only: still buffered
  cluster.crash(2);
  cluster.restart(2);
  EXPECT_LT(cluster.node(2).log().committed(), 2u);
  cluster.tick(1);  // a heartbeat carries the commit index
  cluster.stabilize();
  EXPECT_EQ(cluster.node(2).log().committed(), 2u);
  EXPECT_THAT(cluster.applied_commands(2), ElementsAre("x"));
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

TEST(Ready, ACompactionStoresTheBufferedCommitIndex) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  cluster.propose(1, "x");
  cluster.stabilize();
  cluster.compact(2);
  EXPECT_EQ(cluster.storage(2).hard_state().commit, 2u);
  cluster.crash(2);
  cluster.restart(2);
  EXPECT_EQ(cluster.state(2).applied, 2u);
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

}  // namespace
}  // namespace faultline::raft
