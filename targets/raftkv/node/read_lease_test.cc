#include "targets/raftkv/node/read_lease.h"

#include <gtest/gtest.h>

namespace faultline::raftkv {
namespace {

using Start = ReadLease::Start;

TEST(ReadLeaseTest, HoldsForItsLengthFromTheConfirmedRoundsStart) {
  ReadLease lease(3, Start::kFromRoundStart, /*keep_on_step_down=*/false);
  EXPECT_FALSE(lease.holds(0));  // nothing confirmed yet
  lease.round_started(1, 0);
  EXPECT_FALSE(lease.holds(1));  // started, not confirmed
  lease.round_confirmed(1, 1);
  EXPECT_TRUE(lease.holds(1));
  EXPECT_TRUE(lease.holds(2));
  EXPECT_FALSE(lease.holds(3));  // 3 since the start
}

TEST(ReadLeaseTest, ALaterRoundRenewsAndConfirmsEarlierOnes) {
  ReadLease lease(2, Start::kFromRoundStart, false);
  lease.round_started(1, 0);
  lease.round_started(2, 1);
  lease.round_confirmed(2, 2);
  EXPECT_TRUE(lease.holds(2));  // from 1
  lease.round_confirmed(1, 2);  // forgotten: confirmed by round 2 already
  EXPECT_FALSE(lease.holds(3));
  lease.round_started(3, 3);
  lease.round_confirmed(3, 4);  // from 3
  EXPECT_TRUE(lease.holds(4));
  EXPECT_FALSE(lease.holds(5));
}

TEST(ReadLeaseTest, SteppingDownDropsRoundsAndTheLeaseUnlessToldToKeepIt) {
  for (const bool keep : {false, true}) {
    SCOPED_TRACE(keep ? "keep (lease-read)" : "sound");
    ReadLease lease(8, Start::kFromRoundStart, keep);
    lease.round_started(1, 0);
    lease.round_confirmed(1, 0);
    lease.round_started(2, 1);
    lease.stepped_down();
    lease.round_confirmed(2, 2);  // dropped: no effect
    EXPECT_EQ(lease.holds(7), keep);
    EXPECT_FALSE(lease.holds(8));  // from 0, not renewed by round 2
  }
}

TEST(ReadLeaseTest, FromAckRunsFromTheConfirmationsArrival) {
  ReadLease lease(300, Start::kFromAck, false);
  lease.round_started(1, 1000);
  lease.round_confirmed(1, 1900);  // sent at 1000, acknowledged at 1900
  EXPECT_TRUE(lease.holds(2100));  // a sound lease ended at 1300
  EXPECT_FALSE(lease.holds(2200));
  lease.round_started(2, 2200);
  lease.round_confirmed(2, 2250);
  EXPECT_TRUE(lease.holds(2250));
  lease.stepped_down();
  EXPECT_FALSE(lease.holds(2250));
}

TEST(ReadLeaseTest, NoLeaseOfLengthZero) {
  ReadLease lease(0, Start::kFromRoundStart, true);
  lease.round_started(1, 0);
  lease.round_confirmed(1, 0);
  EXPECT_FALSE(lease.holds(0));
}

}  // namespace
}  // namespace faultline::raftkv
