// Leader election: votes, pre-vote, leader stickiness and check-quorum.
#include <gtest/gtest.h>

#include "targets/raftkv/raft/test_cluster.h"

namespace faultline::raft {
namespace {

void plain_raft(Config& c) {
  c.pre_vote = false;
  c.check_quorum = false;
}

// Ticks every live node `ticks` times, letting the network settle after each.
void tick_all(TestCluster& cluster, int ticks) {
  for (int t = 0; t < ticks; ++t) {
    for (uint64_t id : cluster.ids()) cluster.tick(id);
    cluster.stabilize();
  }
}

// The responses of type `type` in flight.
std::vector<Message> in_flight_of(TestCluster& cluster, MessageType type) {
  std::vector<Message> out;
  for (const Message& m : cluster.in_flight()) {
    if (m.type == type) out.push_back(m);
  }
  return out;
}

TEST(Election, FirstCampaignerWinsAndEveryoneFollows) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  ASSERT_TRUE(cluster.ok()) << cluster.failure();
  EXPECT_EQ(cluster.node(1).role(), Role::kLeader);
  for (uint64_t id : {2, 3}) {
    EXPECT_EQ(cluster.node(id).role(), Role::kFollower);
    EXPECT_EQ(cluster.node(id).leader(), 1u);
    EXPECT_EQ(cluster.node(id).term(), 1u);
    EXPECT_EQ(cluster.node(id).vote(), 1u);
    EXPECT_EQ(cluster.node(id).log().committed(), 1u);  // the new leader's no-op
  }
}

TEST(Election, SingleNodeElectsItselfAndCommitsAlone) {
  TestCluster cluster(1, 1);
  tick_all(cluster, 2 * 10);
  ASSERT_EQ(cluster.node(1).role(), Role::kLeader);
  ASSERT_EQ(cluster.propose(1, "x").status, ProposeStatus::kOk);
  cluster.stabilize();
  EXPECT_EQ(cluster.applied_commands(1), std::vector<std::string>{"x"});
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

TEST(Election, AVoteIsGrantedOncePerTerm) {
  TestCluster cluster(3, 1, plain_raft);
  cluster.deliver({.type = MessageType::kVote, .from = 1, .to = 3, .term = 1});
  cluster.deliver({.type = MessageType::kVote, .from = 2, .to = 3, .term = 1});
  cluster.process_ready(3);
  const std::vector<Message> answers = in_flight_of(cluster, MessageType::kVoteResponse);
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].to, 1u);
  EXPECT_FALSE(answers[0].reject);
  EXPECT_EQ(answers[1].to, 2u);
  EXPECT_TRUE(answers[1].reject);
  EXPECT_EQ(cluster.node(3).vote(), 1u);
  EXPECT_EQ(cluster.storage(3).hard_state().vote, 1u);  // persisted before the answers go out
}

TEST(Election, CandidateWithAnOutOfDateLogLoses) {
  TestCluster cluster(3, 1, plain_raft);
  cluster.campaign(1);
  cluster.drop_if = [](const Message& m) { return m.to == 3 || m.from == 3; };
  cluster.propose(1, "x");
  cluster.stabilize();
  ASSERT_EQ(cluster.node(2).log().last_index(), 2u);
  cluster.drop_if = nullptr;
  cluster.partition({{2, 3}, {1}});
  cluster.campaign(3);  // log [1] against node 2's [1, 2]
  EXPECT_EQ(cluster.node(3).role(), Role::kCandidate);
  EXPECT_EQ(cluster.node(2).term(), 2u);
  EXPECT_EQ(cluster.node(2).vote(), kNoNode);
  cluster.campaign(2);
  EXPECT_EQ(cluster.node(2).role(), Role::kLeader);
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

TEST(Election, PreVoteKeepsAnIsolatedNodeFromRaisingTerms) {
  for (bool pre_vote : {true, false}) {
    TestCluster cluster(3, 1, [pre_vote](Config& c) { c.pre_vote = pre_vote; });
    cluster.campaign(1);
    cluster.partition({{1, 2}, {3}});
    tick_all(cluster, 10 * 10);
    EXPECT_EQ(cluster.node(3).term() == 1, pre_vote) << "pre_vote " << pre_vote;
    cluster.partition({});
    tick_all(cluster, 3 * 10);
    // With pre-vote the leader is undisturbed; without it, the returning
    // node's term forces a new election.
    EXPECT_EQ(cluster.node(1).role() == Role::kLeader && cluster.node(1).term() == 1, pre_vote)
        << "pre_vote " << pre_vote;
    EXPECT_NE(cluster.leader(), kNoNode);
    EXPECT_TRUE(cluster.ok()) << cluster.failure();
  }
}

TEST(Election, PreVoteIsRefusedWhileALeaderIsHeardFrom) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  // Node 3 cannot hear the leader, node 2 can.
  cluster.drop_if = [](const Message& m) {
    return (m.from == 1 && m.to == 3) || (m.from == 3 && m.to == 1);
  };
  for (int t = 0; t < 20 && cluster.node(3).role() == Role::kFollower; ++t) {
    cluster.tick(1);
    cluster.tick(3);
    cluster.stabilize();
  }
  ASSERT_EQ(cluster.node(3).role(), Role::kPreCandidate);
  cluster.stabilize();
  // Node 2 heard from leader 1 within an election timeout: it ignores the
  // pre-vote, so node 3 stays a pre-candidate and nobody's term moves.
  EXPECT_EQ(cluster.node(3).role(), Role::kPreCandidate);
  EXPECT_EQ(cluster.node(1).role(), Role::kLeader);
  for (uint64_t id : {1, 2, 3}) EXPECT_EQ(cluster.node(id).term(), 1u);

  // Once node 2 stops hearing from the leader too, it grants the pre-vote.
  cluster.drop_if = [](const Message& m) { return m.from == 1 || m.to == 1; };
  for (int t = 0; t < 40 && cluster.leader() != 2 && cluster.leader() != 3; ++t) {
    cluster.tick(2);
    cluster.tick(3);
    cluster.stabilize();
  }
  EXPECT_TRUE(cluster.leader() == 2 || cluster.leader() == 3);
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

TEST(Election, CheckQuorumMakesACutOffLeaderStepDown) {
  for (bool check_quorum : {true, false}) {
    TestCluster cluster(3, 1, [check_quorum](Config& c) { c.check_quorum = check_quorum; });
    cluster.campaign(1);
    cluster.partition({{1}, {2, 3}});
    // The first check still counts the followers heard from before the
    // partition; the second, an election timeout later, does not.
    for (int t = 0; t < 2 * 10; ++t) {
      cluster.tick(1);
      cluster.stabilize();
    }
    EXPECT_EQ(cluster.node(1).role(), check_quorum ? Role::kFollower : Role::kLeader);
    EXPECT_EQ(cluster.node(1).term(), 1u);
    EXPECT_TRUE(cluster.ok()) << cluster.failure();
  }
}

TEST(Election, ALeaderWithAMajorityKeepsLeading) {
  TestCluster cluster(5, 1);
  cluster.campaign(1);
  cluster.partition({{1, 2, 3}, {4, 5}});
  tick_all(cluster, 10 * 10);
  EXPECT_EQ(cluster.node(1).role(), Role::kLeader);
  EXPECT_EQ(cluster.node(1).term(), 1u);
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

TEST(Election, AStaleLeaderStepsDownOnHearingALaterTerm) {
  TestCluster cluster(3, 1, plain_raft);
  cluster.campaign(1);
  cluster.partition({{1}, {2, 3}});
  cluster.campaign(2);
  ASSERT_EQ(cluster.node(2).role(), Role::kLeader);
  EXPECT_EQ(cluster.node(1).role(), Role::kLeader);  // still believes it leads term 1
  cluster.partition({});
  cluster.tick(2);  // heartbeat at term 2
  cluster.stabilize();
  EXPECT_EQ(cluster.node(1).role(), Role::kFollower);
  EXPECT_EQ(cluster.node(1).term(), 2u);
  EXPECT_EQ(cluster.node(1).leader(), 2u);
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

TEST(Election, ANodeAheadInTermIsNotLockedOutByLeaderStickiness) {
  TestCluster cluster(3, 1);
  cluster.campaign(1);
  cluster.drop_if = [](const Message& m) { return m.from == 3 || m.to == 3; };
  for (int t = 0; t < 20 && cluster.node(3).role() == Role::kFollower; ++t) cluster.tick(3);
  // Node 3 lost its leader; a vote request at term 5 (from a candidate that
  // then failed; nobody hears node 3's answer) moves it ahead of the others.
  cluster.deliver(
      {.type = MessageType::kVote, .from = 2, .to = 3, .term = 5, .index = 1, .log_term = 1});
  cluster.process_ready(3);
  ASSERT_EQ(cluster.node(3).term(), 5u);
  cluster.drop_if = nullptr;
  // Its answer to the term-1 leader's heartbeats makes the leader step down,
  // and the cluster elects a leader at a term node 3 accepts.
  tick_all(cluster, 10 * 10);
  const uint64_t leader = cluster.leader();
  ASSERT_NE(leader, kNoNode);
  EXPECT_GT(cluster.node(leader).term(), 5u);
  for (uint64_t id : {1, 2, 3}) EXPECT_EQ(cluster.node(id).leader(), leader);
  EXPECT_TRUE(cluster.ok()) << cluster.failure();
}

}  // namespace
}  // namespace faultline::raft
