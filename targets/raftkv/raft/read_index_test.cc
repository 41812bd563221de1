// ReadIndex: reads confirmed by a heartbeat round, deferred until the leader
// commits in its term, impossible for a deposed leader — unless the
// unsafe_stale_read failpoint is on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "targets/raftkv/raft/test_cluster.h"

namespace faultline::raft {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

TEST(ReadIndex, WaitsForAMajorityToAnswerAHeartbeat) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  cluster.propose(1, "a");
  cluster.stabilize();
  ASSERT_EQ(cluster.read_index(1, 42), ReadIndexStatus::kOk);
  cluster.process_ready(1);
  EXPECT_TRUE(cluster.reads(1).empty());  // heartbeats are out, nothing is confirmed yet
  ASSERT_EQ(cluster.in_flight().size(), 2u);
  cluster.deliver(cluster.in_flight()[0]);  // one follower answers: a majority with the leader
  cluster.in_flight().erase(cluster.in_flight().begin());
  cluster.process_ready(2);
  cluster.deliver(cluster.in_flight().back());
  cluster.process_ready(1);
  EXPECT_THAT(cluster.reads(1), ElementsAre(ReadState{42, 2}));
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

TEST(ReadIndex, HeartbeatsAnsweredBeforeTheReadDoNotConfirmIt) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  cluster.tick(1);  // a periodic heartbeat round
  cluster.process_ready(1);
  for (const Message& m : std::vector<Message>(cluster.in_flight())) cluster.deliver(m);
  cluster.in_flight().clear();
  cluster.process_ready(2);
  cluster.process_ready(3);
  const std::vector<Message> earlier_answers = cluster.in_flight();
  cluster.in_flight().clear();
  ASSERT_EQ(earlier_answers.size(), 2u);
  cluster.read_index(1, 8);
  // Those followers may have moved on to a new leader since they answered.
  for (const Message& m : earlier_answers) cluster.deliver(m);
  cluster.process_ready(1);
  EXPECT_TRUE(cluster.reads(1).empty());
  cluster.stabilize();  // the round the read started
  EXPECT_THAT(cluster.reads(1), ElementsAre(ReadState{8, 1}));
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

TEST(ReadIndex, ReadsOfOneRoundAreConfirmedTogetherInOrder) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  cluster.read_index(1, 1);
  cluster.read_index(1, 2);
  cluster.propose(1, "a");
  cluster.read_index(1, 3);
  cluster.stabilize();
  EXPECT_THAT(cluster.reads(1), ElementsAre(ReadState{1, 1}, ReadState{2, 1}, ReadState{3, 1}));
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

TEST(ReadIndex, OnlyTheLeaderServesReads) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  EXPECT_EQ(cluster.read_index(2, 7), ReadIndexStatus::kNotLeader);
}

TEST(ReadIndex, ANewLeaderFirstCommitsAnEntryOfItsTerm) {
  TestCluster cluster(3, 1, [](Config& c) {
    c.pre_vote = false;  // so that node 3 votes for node 2 at once
    c.check_quorum = false;
  });
  cluster.campaign(1);
  cluster.propose(1, "a");
  cluster.stabilize();
  // Node 2 takes over; its no-op does not reach anyone yet.
  cluster.drop_if = [](const Message& m) { return m.from == 2 && m.type == MessageType::kAppend; };
  cluster.partition({{2, 3}, {1}});
  cluster.campaign(2);
  ASSERT_EQ(cluster.node(2).role(), Role::kLeader);
  ASSERT_EQ(cluster.read_index(2, 9), ReadIndexStatus::kOk);
  for (int t = 0; t < 3; ++t) {
    cluster.tick(2);
    cluster.stabilize();
  }
  EXPECT_TRUE(cluster.reads(2).empty());
  cluster.drop_if = nullptr;
  cluster.tick(2);
  cluster.stabilize();
  EXPECT_THAT(cluster.reads(2), ElementsAre(ReadState{9, 3}));  // index 3: its no-op
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

// A leader cut off from the majority, which meanwhile elects a new leader
// and commits a write, is asked for a read.
struct DeposedLeaderRead {
  std::vector<ReadState> answered;
  std::string failure;
};

DeposedLeaderRead read_from_deposed_leader(bool unsafe_stale_read) {
  TestCluster cluster(3, 1, [unsafe_stale_read](Config& c) {
    c.pre_vote = false;
    c.check_quorum = false;  // the old leader keeps believing it leads
    c.unsafe_stale_read = unsafe_stale_read;
  });
  cluster.campaign(1);
  cluster.partition({{1}, {2, 3}});
  cluster.campaign(2);
  cluster.propose(2, "w");
  cluster.stabilize();
  EXPECT_EQ(cluster.node(1).role(), Role::kLeader);
  EXPECT_EQ(cluster.read_index(1, 5), ReadIndexStatus::kOk);
  for (int t = 0; t < 30; ++t) {
    cluster.tick(1);
    cluster.stabilize();
  }
  return {cluster.reads(1), cluster.failure()};
}

TEST(ReadIndex, ADeposedLeaderCannotConfirmARead) {
  const DeposedLeaderRead r = read_from_deposed_leader(false);
  EXPECT_TRUE(r.answered.empty());
  EXPECT_EQ(r.failure, "");
}

TEST(ReadIndex, UnsafeStaleReadAnswersFromADeposedLeader) {
  const DeposedLeaderRead r = read_from_deposed_leader(true);
  EXPECT_THAT(r.answered, ElementsAre(ReadState{5, 1}));  // misses the write at index 3
  EXPECT_THAT(r.failure, HasSubstr("stale read: node 1 answers read 5 at index 1"));
}

TEST(ReadIndex, ASingleNodeAnswersAtOnce) {
  TestCluster cluster(1, 1);
  cluster.campaign(1);
  cluster.read_index(1, 3);
  cluster.process_ready(1);
  EXPECT_THAT(cluster.reads(1), ElementsAre(ReadState{3, 1}));
}

}  // namespace
}  // namespace faultline::raft
