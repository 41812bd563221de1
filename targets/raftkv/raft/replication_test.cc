// Log replication: the consistency check, conflict backtracking, flow
// control, and the messages a follower must refuse.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "targets/raftkv/raft/test_cluster.h"

namespace faultline::raft {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

void plain_raft(Config& c) {
  c.pre_vote = false;
  c.check_quorum = false;
}

std::vector<uint64_t> log_terms(Raft& node) {
  std::vector<uint64_t> out;
  for (uint64_t i = node.log().first_index(); i <= node.log().last_index(); ++i) {
    out.push_back(*node.log().term(i));
  }
  return out;
}

TEST(Replication, ProposalsCommitAndApplyInOrderEverywhere) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  for (const char* command : {"a", "b", "c"}) {
    EXPECT_EQ(cluster.propose(1, command).status, ProposeStatus::kOk);
  }
  cluster.stabilize();
  for (uint64_t id : {1, 2, 3}) {
    EXPECT_THAT(cluster.applied_commands(id), ElementsAre("a", "b", "c")) << "node " << id;
    EXPECT_EQ(cluster.node(id).log().committed(), 4u);
  }
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

TEST(Replication, OnlyTheLeaderAcceptsProposals) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  const ProposeResult result = cluster.propose(2, "x");
  EXPECT_EQ(result.status, ProposeStatus::kNotLeader);
  EXPECT_EQ(cluster.node(2).log().last_index(), 1u);
}

TEST(Replication, FollowerLogIsRepairedWithOneProbePerDivergentTerm) {
  TestCluster cluster(3, 1, plain_raft);
  cluster.campaign(1);
  // Node 1 appends entries of term 1 that nobody else gets.
  cluster.partition({{1}, {2, 3}});
  for (const char* command : {"x1", "x2", "x3"}) cluster.propose(1, command);
  cluster.stabilize();
  // Nodes 2 and 3 move on: ten entries in term 2, then node 3 leads term 3,
  // believing (as every new leader does) that node 1's log matches its own.
  cluster.campaign(2);
  for (int k = 0; k < 10; ++k) cluster.propose(2, "y" + std::to_string(k));
  cluster.stabilize();
  cluster.campaign(3);
  ASSERT_EQ(cluster.node(3).role(), Role::kLeader);
  ASSERT_THAT(log_terms(cluster.node(1)), ElementsAre(1, 1, 1, 1));

  int rejections = 0;
  cluster.drop_if = [&rejections](const Message& m) {
    if (m.type == MessageType::kAppendResponse && m.reject) ++rejections;
    return false;
  };
  cluster.partition({});
  cluster.tick(3);
  cluster.stabilize();
  // Rejected at index 12 (log too short: hint 5), then at 4 (term 1 from
  // index 2: hint 2, where the leader's term-1 entries end), then matched.
  EXPECT_EQ(rejections, 2);
  EXPECT_EQ(log_terms(cluster.node(1)), log_terms(cluster.node(3)));
  EXPECT_EQ(cluster.applied_commands(1).size(), 10u);  // y0..y9, never x1..x3
  EXPECT_EQ(cluster.applied_commands(1).front(), "y0");
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

TEST(Replication, LostAppendsAreRecoveredByHeartbeats) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  cluster.drop_if = [](const Message& m) { return m.type == MessageType::kAppend && m.to == 3; };
  for (const char* command : {"a", "b", "c"}) cluster.propose(1, command);
  cluster.stabilize();
  ASSERT_EQ(cluster.node(3).log().last_index(), 1u);
  cluster.drop_if = nullptr;
  for (int t = 0; t < 3; ++t) {
    cluster.tick(1);
    cluster.stabilize();
  }
  EXPECT_THAT(cluster.applied_commands(3), ElementsAre("a", "b", "c"));
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

TEST(Replication, InflightAppendsAreCapped) {
  TestCluster cluster(3, 1, [](Config& c) {
    c.max_entries_per_append = 1;
    c.max_inflight_appends = 2;
  });
  cluster.campaign(1);
  for (int k = 0; k < 10; ++k) cluster.propose(1, "c" + std::to_string(k));
  cluster.process_ready(1);
  size_t appends_to_2 = 0;
  for (const Message& m : cluster.in_flight()) {
    appends_to_2 += m.type == MessageType::kAppend && m.to == 2 ? 1 : 0;
  }
  EXPECT_EQ(appends_to_2, 2u);
  cluster.stabilize();  // each acknowledgement opens the window again
  EXPECT_EQ(cluster.applied_commands(2).size(), 10u);
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

TEST(Replication, DuplicatedOrReorderedAppendsNeverTruncate) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  const Entry a{2, 1, EntryType::kCommand, "a"};
  const Entry b{3, 1, EntryType::kCommand, "b"};
  const Message both{.type = MessageType::kAppend,
                     .from = 1,
                     .to = 2,
                     .term = 1,
                     .index = 1,
                     .log_term = 1,
                     .entries = {a, b},
                     .commit = 1};
  Message only_a = both;
  only_a.entries = {a};
  ASSERT_TRUE(cluster.node(2).step(both).is_ok());
  ASSERT_TRUE(cluster.node(2).step(only_a).is_ok());  // arrives late
  EXPECT_EQ(cluster.node(2).log().last_index(), 3u);
}

TEST(Replication, MalformedMessagesAreRefusedWithAReason) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  Raft& follower = cluster.node(2);
  const Message good{.type = MessageType::kAppend,
                     .from = 1,
                     .to = 2,
                     .term = 1,
                     .index = 1,
                     .log_term = 1,
                     .entries = {Entry{2, 1, EntryType::kCommand, "a"}}};
  Message wrong_node = good;
  wrong_node.to = 3;
  EXPECT_THAT(follower.step(wrong_node).message(), HasSubstr("delivered to node 2"));
  Message stranger = good;
  stranger.from = 9;
  EXPECT_THAT(follower.step(stranger).message(), HasSubstr("not a peer"));
  Message gap = good;
  gap.entries[0].index = 3;
  EXPECT_THAT(follower.step(gap).message(), HasSubstr("cannot follow"));
  Message future_term = good;
  future_term.entries[0].term = 2;
  EXPECT_THAT(follower.step(future_term).message(), HasSubstr("cannot follow"));
  EXPECT_EQ(follower.log().last_index(), 1u);
}

TEST(Replication, CommittedEntriesAreNeverReplaced) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  cluster.propose(1, "a");
  cluster.stabilize();
  ASSERT_EQ(cluster.node(2).log().committed(), 2u);
  // Only a safety violation elsewhere could send this (a leader of term 5
  // lacking a committed entry). The follower keeps its committed prefix and
  // answers that it matches up to its commit index.
  const Message rogue{.type = MessageType::kAppend,
                      .from = 3,
                      .to = 2,
                      .term = 5,
                      .index = 1,
                      .log_term = 1,
                      .entries = {Entry{2, 5, EntryType::kCommand, "evil"}}};
  ASSERT_TRUE(cluster.node(2).step(rogue).is_ok());
  EXPECT_EQ(cluster.node(2).log().term(2), 1u);
  const Ready rd = cluster.node(2).ready();
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_EQ(rd.messages[0].type, MessageType::kAppendResponse);
  EXPECT_FALSE(rd.messages[0].reject);
  EXPECT_EQ(rd.messages[0].index, 2u);
}

TEST(Replication, ASecondLeaderInOneTermIsReported) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  const Message rogue{.type = MessageType::kHeartbeat, .from = 3, .to = 2, .term = 1};
  EXPECT_THAT(cluster.node(2).step(rogue).message(), HasSubstr("which 1 leads"));
  EXPECT_THAT(cluster.node(1)
                  .step({.type = MessageType::kHeartbeat, .from = 3, .to = 1, .term = 1})
                  .message(),
              HasSubstr("which node 1 leads"));
}

}  // namespace
}  // namespace faultline::raft
