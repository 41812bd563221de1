// The shrinker on a known-failing test (raftkv's follower-read failpoint
// under partitions): the smallest test has strictly fewer ops and faults,
// fails the same checker when its test file is read back and simulated, and
// replays byte for byte; a budget stops it with the best so far; a valid
// seed is refused.
#include "harness/sim/shrink.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness/run/scenario.h"
#include "harness/sim/simulation_testing.h"

namespace faultline::sim {
namespace {

class ShrinkTest : public QuietSimTest {};

TestConfig follower_read_test() { return small_test("partition", "follower-read"); }

// The first invalid seed from 1 (follower-read: within 20, docs/sim.md).
uint64_t failing_seed(const TestConfig& c) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SimResult r;
    if (simulate_test(c, seed, &r).is_ok() && r.verdict == Verdict::kInvalid) return seed;
  }
  return 0;
}

TEST_F(ShrinkTest, FollowerReadShrinksToAFileThatFailsAlikeAndReplaysExactly) {
  const TestConfig config = follower_read_test();
  const uint64_t seed = failing_seed(config);
  ASSERT_NE(seed, 0u) << "follower-read not caught in seeds 1-20";
  ShrinkOptions options;
  options.max_runs = 400;
  options.jobs = 2;
  ShrinkResult r;
  const Status st = shrink(config, seed, options, &r);
  ASSERT_TRUE(st.is_ok()) << "seed " << seed << ": " << st.message();
  SCOPED_TRACE(::testing::Message() << "seed " << seed << ", " << r.runs << " runs");
  EXPECT_EQ(r.checker, "linearizable");
  EXPECT_LT(r.after.ops, r.before.ops);
  EXPECT_LT(r.after.faults, r.before.faults);
  EXPECT_LT(r.after.ops, 40u);
  EXPECT_LE(r.after.virtual_seconds, r.before.virtual_seconds);
  EXPECT_EQ(r.smallest.verdict, Verdict::kInvalid);
  ASSERT_NE(r.config.scenario, nullptr);
  EXPECT_EQ(r.config.scenario->ops.size(), r.after.ops);

  // Its test file, read back, is the same test: invalid, and the same
  // history byte for byte, twice.
  const std::string path = ::testing::TempDir() + "/shrunk.toml";
  std::ofstream(path) << test_file_text(r.config);
  TestConfig again;
  const Status read = read_test_file(path, &again);
  ASSERT_TRUE(read.is_ok()) << read.message();
  ASSERT_TRUE(again.seed_given);
  SimResult replay, replay2;
  ASSERT_TRUE(simulate_test(again, again.seed, &replay).is_ok());
  ASSERT_TRUE(simulate_test(again, again.seed, &replay2).is_ok());
  EXPECT_EQ(replay.verdict, Verdict::kInvalid);
  EXPECT_EQ(replay.jsonl(), r.smallest.jsonl());
  EXPECT_EQ(replay2.jsonl(), replay.jsonl());
  std::filesystem::remove(path);
}

TEST_F(ShrinkTest, ABudgetStopsItWithTheBestSoFar) {
  const TestConfig config = follower_read_test();
  const uint64_t seed = failing_seed(config);
  ASSERT_NE(seed, 0u);
  ShrinkOptions options;
  options.max_runs = 6;
  ShrinkResult r;
  ASSERT_TRUE(shrink(config, seed, options, &r).is_ok());
  EXPECT_TRUE(r.budget_spent);
  EXPECT_EQ(r.smallest.verdict, Verdict::kInvalid);
  EXPECT_LE(r.after.faults, r.before.faults);
  EXPECT_LE(r.runs, 6 + 1);  // and the last run, of the best
}

TEST_F(ShrinkTest, AValidSeedIsRefused) {
  TestConfig config = follower_read_test();
  config.opts.clear();  // correct raftkv
  ShrinkResult r;
  const Status st = shrink(config, 3000, ShrinkOptions{}, &r);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("nothing to shrink"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace faultline::sim
