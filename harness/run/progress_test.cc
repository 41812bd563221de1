#include "harness/run/progress.h"

#include <gtest/gtest.h>

namespace faultline {
namespace {

TEST(ProgressTest, LineShowsTimeRateCountsAndFaults) {
  RecorderCounts c;
  c.ok = 2100;
  c.fail = 12;
  c.info = 3;
  EXPECT_EQ(Progress::line(c, 12.04, 60, 1803.4),
            "12.0/60 s  1803 ops/s  ok 2100 fail 12 info 3  faults: none");
  c.active_faults = {"kill", "partition"};
  EXPECT_EQ(Progress::line(c, 1, 60, 0),
            "1.0/60 s  0 ops/s  ok 2100 fail 12 info 3  faults: kill,partition");
}

}  // namespace
}  // namespace faultline
