// HomeNode: the way a client leaves a failing node and comes back to its own.
#include "workloads/home_node.h"

#include <gtest/gtest.h>

namespace faultline {
namespace {

constexpr int64_t kS = 1'000'000'000;

TEST(HomeNode, StartsOnItsOwnNodeAndStaysWhileItAnswers) {
  HomeNode h = HomeNode::for_thread(4, 3);
  EXPECT_EQ(h.at(0), 1u);
  h.answered(1);
  EXPECT_EQ(h.at(100 * kS), 1u);
}

TEST(HomeNode, MovesOnAfterAFailureAndComesBackAfterTheWait) {
  HomeNode h(0, 3);
  h.failed(0, 10 * kS);
  EXPECT_EQ(h.at(10 * kS), 1u);
  h.failed(1, 10 * kS + 1);  // the next one fails too: on to the third
  EXPECT_EQ(h.at(10 * kS + 2), 2u);
  EXPECT_EQ(h.at(11 * kS - 1), 2u);
  EXPECT_EQ(h.at(11 * kS), 0u);  // 1 s after the own node failed
}

TEST(HomeNode, TheWaitDoublesWhileTheOwnNodeFailsAndResetsWhenItAnswers) {
  HomeNode h(0, 2);
  int64_t now = 0;
  for (int64_t wait : {1, 2, 4, 8, 16, 16}) {
    ASSERT_EQ(h.at(now), 0u);
    h.failed(0, now);
    EXPECT_EQ(h.at(now + wait * kS - 1), 1u) << wait;
    now += wait * kS;
  }
  ASSERT_EQ(h.at(now), 0u);
  h.answered(0);
  h.failed(0, now);
  EXPECT_EQ(h.at(now + kS), 0u);
}

TEST(HomeNode, OnlyTheHomeCounts) {
  HomeNode h(0, 3);
  h.failed(2, 0);  // a node reached by a redirect
  EXPECT_EQ(h.at(0), 0u);
  h.failed(0, 0);
  h.answered(0);  // the own node answered a redirect while away: not home
  h.failed(1, 1);
  EXPECT_EQ(h.at(2), 2u);
  EXPECT_EQ(h.at(kS), 0u);
  h.failed(0, kS);  // the second failure of the own node: 2 s
  EXPECT_EQ(h.at(3 * kS - 1), 1u);
  EXPECT_EQ(h.at(3 * kS), 0u);
}

}  // namespace
}  // namespace faultline
