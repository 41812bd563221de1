// The commit rule of §5.4.2: a leader commits by counting replicas only
// entries of its own term. Raft Figure 8 shows why, and the
// unsafe_commit_any_term failpoint reproduces the bug.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "targets/raftkv/raft/test_cluster.h"

namespace faultline::raft {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

bool carries_term(const Message& m, uint64_t term) {
  for (const Entry& e : m.entries) {
    if (e.term == term) return true;
  }
  return false;
}

struct Figure8 {
  uint64_t commit_after_counting = 0;          // node 1's commit once X sits on a majority
  std::vector<std::string> node1_applied;      // what node 1 applied before crashing
  std::string failure;                         // the cluster's first safety violation
  std::vector<std::string> survivors_applied;  // commands node 2 applied at the end
};

// Figure 8 of the Raft paper with five nodes, one entry per append:
//  (a) leader 1 (term 1) replicates X at index 2 to node 2 only;
//  (b) node 5 leads term 2 with votes from 3 and 4, appends its no-op at
//      index 2, and replicates nothing;
//  (c) node 1 leads term 3 (votes from 2, 3, 4) and copies X to nodes 3 and
//      4, but not its term-3 no-op: X is on a majority. Then node 1 crashes;
//  (d) node 5 leads term 4 (its last term, 2, beats everyone's 1) and
//      overwrites index 2 everywhere.
Figure8 run_figure8(bool unsafe_commit_any_term) {
  TestCluster cluster(5, 1, [unsafe_commit_any_term](Config& c) {
    c.pre_vote = false;
    c.check_quorum = false;
    c.max_entries_per_append = 1;
    c.unsafe_commit_any_term = unsafe_commit_any_term;
  });
  cluster.campaign(1);
  // (a)
  cluster.drop_if = [](const Message& m) { return m.from == 1 && m.to != 2; };
  cluster.propose(1, "X");
  cluster.stabilize();
  // (b)
  cluster.partition({{1}, {2}, {3, 4, 5}});
  cluster.drop_if = [](const Message& m) { return m.from == 5 && m.type == MessageType::kAppend; };
  cluster.campaign(5);
  // (c) Node 1 first loses at term 2 (3 and 4 voted for 5), then wins term 3.
  cluster.crash(1);
  cluster.restart(1);
  cluster.partition({{1, 2, 3, 4}, {5}});
  // Node 1's messages to node 2 are lost, and so are those that would put its
  // term-3 no-op on a node able to store it (probes bound to fail pass).
  cluster.drop_if = [&cluster](const Message& m) {
    return m.from == 1 &&
           (m.to == 2 || (carries_term(m, 3) && cluster.node(m.to).log().last_index() >= 2));
  };
  cluster.campaign(1);
  cluster.campaign(1);
  cluster.stabilize();
  Figure8 result;
  result.commit_after_counting = cluster.node(1).log().committed();
  result.node1_applied = cluster.applied_commands(1);
  cluster.crash(1);
  // (d) Node 5 restarts as a follower, loses term 3 (taken by node 1), wins 4.
  cluster.crash(5);
  cluster.restart(5);
  cluster.partition({{2, 3, 4, 5}});
  cluster.drop_if = nullptr;
  cluster.campaign(5);
  cluster.campaign(5);
  cluster.stabilize();
  result.failure = cluster.failure();
  result.survivors_applied = cluster.applied_commands(2);
  return result;
}

TEST(CommitRule, EarlierTermEntriesAreNotCommittedByCounting) {
  const Figure8 r = run_figure8(false);
  EXPECT_EQ(r.commit_after_counting, 1u);  // X is on 3 of 5 nodes, yet not committed
  EXPECT_TRUE(r.node1_applied.empty());
  EXPECT_EQ(r.failure, "");
  EXPECT_TRUE(r.survivors_applied.empty());  // index 2 became node 5's no-op
}

TEST(CommitRule, UnsafeCommitAnyTermLosesACommittedEntry) {
  const Figure8 r = run_figure8(true);
  EXPECT_EQ(r.commit_after_counting, 2u);
  EXPECT_THAT(r.node1_applied, ElementsAre("X"));  // applied (and acknowledged) by node 1
  EXPECT_TRUE(r.survivors_applied.empty());        // ... and overwritten on the others
  EXPECT_THAT(r.failure, HasSubstr("leader completeness: leader 5 of term 4 lacks entry 2"));
}

}  // namespace
}  // namespace faultline::raft
