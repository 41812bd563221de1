#include "targets/raftkv/node/tick_lease.h"

#include <gtest/gtest.h>

namespace faultline::raftkv {
namespace {

TEST(TickLeaseTest, HoldsFromTheConfirmedRoundsStartForTwoTicksLessThanAnElection) {
  TickLease lease(5);           // lasts 3 ticks
  EXPECT_FALSE(lease.holds());  // nothing confirmed yet
  lease.round_started(1);
  lease.tick();
  EXPECT_FALSE(lease.holds());  // started, not confirmed
  lease.round_confirmed(1);     // started at tick 0
  EXPECT_TRUE(lease.holds());   // tick 1
  lease.tick();
  EXPECT_TRUE(lease.holds());  // tick 2
  lease.tick();
  EXPECT_FALSE(lease.holds());  // tick 3: 3 ticks since the start
}

TEST(TickLeaseTest, ALaterRoundRenewsAndConfirmsEarlierOnes) {
  TickLease lease(4);  // lasts 2 ticks
  lease.round_started(1);
  lease.tick();
  lease.round_started(2);  // at tick 1
  lease.tick();
  lease.round_confirmed(2);
  EXPECT_TRUE(lease.holds());  // tick 2, from 1
  lease.round_confirmed(1);    // forgotten: confirmed by round 2 already
  lease.tick();
  EXPECT_FALSE(lease.holds());  // tick 3
  lease.round_started(3);
  lease.tick();
  lease.round_confirmed(3);  // from tick 3
  EXPECT_TRUE(lease.holds());
}

TEST(TickLeaseTest, SteppingDownDropsRoundsButNotTheLease) {
  TickLease lease(10);
  lease.round_started(1);
  lease.round_confirmed(1);
  lease.round_started(2);
  lease.rounds_dropped();
  lease.round_confirmed(2);  // dropped: no effect
  for (int i = 0; i < 7; ++i) lease.tick();
  EXPECT_TRUE(lease.holds());  // the failpoint's mistake: still held after stepping down
  lease.tick();
  EXPECT_FALSE(lease.holds());
}

TEST(TickLeaseTest, FromAckRunsFromTheConfirmationAndEndsOnSteppingDown) {
  TickLease lease(5, /*from_ack=*/true);  // lasts 3 ticks
  lease.round_started(1);
  lease.tick();
  lease.tick();
  lease.round_confirmed(1);  // sent at tick 0, acknowledged at tick 2
  lease.tick();
  lease.tick();
  EXPECT_TRUE(lease.holds());  // tick 4: a sound lease (from tick 0) ended at 3
  lease.tick();
  EXPECT_FALSE(lease.holds());  // tick 5: 3 ticks since the acknowledgment
  lease.round_started(2);
  lease.round_confirmed(2);
  EXPECT_TRUE(lease.holds());
  lease.rounds_dropped();  // stepped down: this failpoint makes no second mistake
  EXPECT_FALSE(lease.holds());
}

TEST(TickLeaseTest, NoLeaseBelowThreeElectionTicks) {
  TickLease lease(2);
  lease.round_started(1);
  lease.round_confirmed(1);
  EXPECT_FALSE(lease.holds());
}

}  // namespace
}  // namespace faultline::raftkv
