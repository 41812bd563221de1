// Snapshots: compaction, InstallSnapshot to a lagging follower, resending a
// lost snapshot.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "targets/raftkv/raft/test_cluster.h"

namespace faultline::raft {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

// Node 3 misses ten commands, which nodes 1 and 2 then compact away.
void leave_node3_behind_a_snapshot(TestCluster& cluster) {
  cluster.campaign(1);
  cluster.partition({{1, 2}, {3}});
  for (int k = 0; k < 10; ++k) cluster.propose(1, "c" + std::to_string(k));
  cluster.stabilize();
  cluster.compact(1);
  cluster.compact(2);
  ASSERT_EQ(cluster.storage(1).snapshot_metadata(), (SnapshotMetadata{11, 1}));
  ASSERT_EQ(cluster.node(1).log().first_index(), 12u);
  cluster.partition({});
}

TEST(Snapshot, ALaggingFollowerCatchesUpFromASnapshot) {
  TestCluster cluster(3, 1);
  leave_node3_behind_a_snapshot(cluster);
  cluster.tick(1);  // a heartbeat reveals how far behind node 3 is
  cluster.stabilize();
  EXPECT_EQ(cluster.snapshots_installed(), 1u);
  EXPECT_EQ(cluster.storage(3).snapshot_metadata(), (SnapshotMetadata{11, 1}));
  EXPECT_EQ(cluster.state(3).hash, cluster.state(1).hash);
  EXPECT_TRUE(cluster.applied_commands(3).empty());  // it got the state, not the commands
  cluster.propose(1, "after");
  cluster.stabilize();
  EXPECT_THAT(cluster.applied_commands(3), ElementsAre("after"));
  EXPECT_EQ(cluster.node(1).progress().at(3).state, ProgressState::kReplicate);
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

TEST(Snapshot, ALostSnapshotIsSentAgainAfterAnElectionTimeout) {
  TestCluster cluster(3, 1);
  leave_node3_behind_a_snapshot(cluster);
  int snapshots_sent = 0;
  cluster.drop_if = [&snapshots_sent](const Message& m) {
    return m.type == MessageType::kSnapshot && ++snapshots_sent == 1;
  };
  cluster.tick(1);
  cluster.stabilize();
  ASSERT_EQ(snapshots_sent, 1);
  EXPECT_EQ(cluster.node(1).progress().at(3).state, ProgressState::kSnapshot);
  for (int t = 0; t < 10; ++t) {
    cluster.tick(1);
    cluster.stabilize();
  }
  EXPECT_EQ(snapshots_sent, 2);
  EXPECT_EQ(cluster.snapshots_installed(), 1u);
  EXPECT_EQ(cluster.state(3).hash, cluster.state(1).hash);
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

TEST(Snapshot, CompactRefusesIndexesOutsideTheAppliedLog) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  cluster.propose(1, "a");
  cluster.stabilize();
  Raft& leader = cluster.node(1);
  EXPECT_THAT(leader.compact(3, "x").message(), HasSubstr("past the applied index 2"));
  ASSERT_TRUE(leader.compact(2, cluster.state(1).encode()).is_ok());
  EXPECT_THAT(leader.compact(2, "x").message(), HasSubstr("already covered by snapshot 2"));
}

TEST(Snapshot, ASnapshotOfEntriesTheFollowerHoldsOnlyAdvancesItsCommit) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  Raft& follower = cluster.node(2);
  ASSERT_TRUE(follower
                  .step({.type = MessageType::kAppend,
                         .from = 1,
                         .to = 2,
                         .term = 1,
                         .index = 1,
                         .log_term = 1,
                         .entries = {Entry{2, 1, EntryType::kCommand, "a"},
                                     Entry{3, 1, EntryType::kCommand, "b"}},
                         .commit = 1})
                  .is_ok());
  ASSERT_TRUE(follower
                  .step({.type = MessageType::kSnapshot,
                         .from = 1,
                         .to = 2,
                         .term = 1,
                         .snapshot = Snapshot{{2, 1}, "state@2"}})
                  .is_ok());
  EXPECT_EQ(follower.log().committed(), 2u);
  EXPECT_EQ(follower.log().last_index(), 3u);  // entry 3 kept
  EXPECT_FALSE(follower.log().unstable_snapshot());
}

}  // namespace
}  // namespace faultline::raft
