// limit, time_limit, stagger, delay, rate on virtual time.
#include <gtest/gtest.h>

#include <algorithm>

#include "harness/generator/generator.h"
#include "harness/generator/simulate.h"
#include "harness/generator/test_support.h"

namespace faultline {
namespace {

using namespace std::chrono_literals;
using testing::invokes_of;

constexpr int64_t kMs = 1'000'000;

TEST(Limit, DispatchesExactlyNOpsAndWaitsForThem) {
  SimOptions options;
  options.concurrency = 3;
  SimRun run = simulate(gen::limit(7, gen::repeat(gen::op("read"))), options);
  EXPECT_EQ(invokes_of(run.events).size(), 7u);
  EXPECT_EQ(run.events.size(), 14u);
  SimRun none = simulate(gen::limit(0, gen::repeat(gen::op("read"))), options);
  EXPECT_TRUE(none.events.empty());
}

TEST(TimeLimit, InvokesNothingAtOrAfterTheCutoff) {
  SimOptions options;
  options.concurrency = 5;
  options.execute = fixed_latency(3 * kMs);
  SimRun run = simulate(gen::time_limit(100ms, gen::repeat(gen::op("read"))), options);
  std::vector<Op> invokes = invokes_of(run.events);
  // 5 threads, a round every 3 ms at 0, 3, ..., 99 ms: 34 rounds.
  ASSERT_EQ(invokes.size(), 34u * 5);
  EXPECT_EQ(invokes.back().time, 99 * kMs);
  // Every invoke completes: the run ends after the last one.
  EXPECT_EQ(run.events.size(), 2 * invokes.size());
}

TEST(TimeLimit, CountsFromWhenFirstAsked) {
  auto g = gen::then(gen::sleep(50ms), gen::time_limit(100ms, gen::repeat(gen::op("read"))));
  SimRun run = simulate(std::move(g), SimOptions{});
  std::vector<Op> invokes = invokes_of(run.events);
  ASSERT_FALSE(invokes.empty());
  EXPECT_EQ(invokes.front().time, 50 * kMs);
  EXPECT_EQ(invokes.back().time, 149 * kMs);
}

TEST(TimeLimit, EndsAWaitForAnOpDueAfterTheCutoff) {
  auto g = gen::time_limit(10ms, gen::delay(8ms, gen::repeat(gen::op("read"))));
  SimRun run = simulate(std::move(g), SimOptions{});
  std::vector<Op> invokes = invokes_of(run.events);
  ASSERT_EQ(invokes.size(), 2u);  // at 0 and 8 ms; the one due at 16 ms is not taken
  EXPECT_EQ(invokes[1].time, 8 * kMs);
}

TEST(Delay, SpacesOpsExactly) {
  SimRun run =
      simulate(gen::limit(20, gen::delay(2ms, gen::repeat(gen::op("read")))), SimOptions{});
  std::vector<Op> invokes = invokes_of(run.events);
  ASSERT_EQ(invokes.size(), 20u);
  for (size_t i = 0; i < invokes.size(); ++i) {
    EXPECT_EQ(invokes[i].time, static_cast<int64_t>(i) * 2 * kMs) << i;
  }
}

TEST(Rate, IsExactWhenThreadsKeepUp) {
  SimOptions options;
  options.concurrency = 5;
  options.execute = fixed_latency(3 * kMs);
  SimRun run =
      simulate(gen::time_limit(1s, gen::rate(1000, gen::repeat(gen::op("read")))), options);
  std::vector<Op> invokes = invokes_of(run.events);
  ASSERT_EQ(invokes.size(), 1000u);
  for (size_t i = 0; i < invokes.size(); ++i) {
    ASSERT_EQ(invokes[i].time, static_cast<int64_t>(i) * kMs) << i;
  }
}

TEST(Rate, DoesNotBurstAfterAStall) {
  // One thread, 5 ms per op: the requested 1000/s cannot be met. When the
  // thread frees up, the next op goes at once, but the one after still
  // waits its 1 ms after it rather than catching up.
  SimOptions options;
  options.concurrency = 1;
  options.execute = fixed_latency(5 * kMs);
  SimRun run =
      simulate(gen::time_limit(1s, gen::rate(1000, gen::repeat(gen::op("read")))), options);
  std::vector<Op> invokes = invokes_of(run.events);
  ASSERT_EQ(invokes.size(), 200u);
  for (size_t i = 1; i < invokes.size(); ++i) {
    EXPECT_EQ(invokes[i].time - invokes[i - 1].time, 5 * kMs) << i;
  }
}

TEST(Stagger, MeanGapIsAsRequestedAndGapsStayBelowTwiceIt) {
  uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_note(seed));
  SimOptions options;
  options.seed = seed;
  options.concurrency = 10;
  SimRun run =
      simulate(gen::time_limit(10s, gen::stagger(1ms, gen::repeat(gen::op("read")))), options);
  std::vector<Op> invokes = invokes_of(run.events);
  // Uniform gaps in [0, 2 ms): about 10000 ops, standard deviation ~58.
  EXPECT_GT(invokes.size(), 9700u);
  EXPECT_LT(invokes.size(), 10300u);
  int64_t max_gap = 0;
  for (size_t i = 1; i < invokes.size(); ++i) {
    max_gap = std::max(max_gap, invokes[i].time - invokes[i - 1].time);
  }
  EXPECT_LT(max_gap, 2 * kMs);
}

TEST(Timing, RejectsBadArguments) {
  EXPECT_THROW(gen::rate(0, gen::repeat(gen::op("read"))), std::invalid_argument);
  EXPECT_THROW(gen::stagger(-1ms, gen::repeat(gen::op("read"))), std::invalid_argument);
}

}  // namespace
}  // namespace faultline
