// script: each op on its thread at its time, later when its thread is busy,
// earliest first; exhaustion; a thread the run does not have.
#include "harness/generator/script.h"

#include <gtest/gtest.h>

#include "harness/generator/simulate.h"
#include "harness/generator/test_support.h"

namespace faultline {
namespace {

using testing::invokes_of;

constexpr int64_t kMs = 1'000'000;

gen::ScriptedOp at(int thread, int64_t ms, const std::string& f) {
  Op op = gen::op(f);
  op.time = ms * kMs;
  return gen::ScriptedOp{thread, op};
}

TEST(Script, RunsEachOpOnItsThreadAtItsTime) {
  SimOptions options;
  options.concurrency = 3;
  const SimRun run =
      simulate(gen::script({at(2, 5, "a"), at(0, 0, "b"), at(1, 5, "c"), at(0, 20, "d")}), options);
  const std::vector<Op> invokes = invokes_of(run.events);
  ASSERT_EQ(invokes.size(), 4u);
  // Earliest first; a tie (a and c at 5 ms) in the order given.
  EXPECT_EQ(invokes[0].f, "b");
  EXPECT_EQ(invokes[0].process, 0);
  EXPECT_EQ(invokes[0].time, 0);
  EXPECT_EQ(invokes[1].f, "a");
  EXPECT_EQ(invokes[1].process, 2);
  EXPECT_EQ(invokes[1].time, 5 * kMs);
  EXPECT_EQ(invokes[2].f, "c");
  EXPECT_EQ(invokes[2].process, 1);
  EXPECT_EQ(invokes[3].f, "d");
  EXPECT_EQ(invokes[3].time, 20 * kMs);
  EXPECT_FALSE(run.stalled);
}

TEST(Script, AnOpWaitsForItsBusyThreadWithoutHoldingUpTheOthers) {
  SimOptions options;
  options.concurrency = 2;
  options.execute = fixed_latency(10 * kMs);
  // Thread 0 is busy until 10 ms: its second op (due at 2 ms) starts then;
  // thread 1's op at 4 ms starts on time.
  const SimRun run = simulate(gen::script({at(0, 0, "a"), at(0, 2, "b"), at(1, 4, "c")}), options);
  const std::vector<Op> invokes = invokes_of(run.events);
  ASSERT_EQ(invokes.size(), 3u);
  EXPECT_EQ(invokes[1].f, "c");
  EXPECT_EQ(invokes[1].time, 4 * kMs);
  EXPECT_EQ(invokes[2].f, "b");
  EXPECT_EQ(invokes[2].time, 10 * kMs);
}

TEST(Script, KeysAndValuesAreKeptAndNemesisOpsGoToTheNemesisThread) {
  SimOptions options;
  options.concurrency = 1;
  options.nemesis = true;
  Op write = gen::op("write", 7);
  write.key = 3;
  const SimRun run = simulate(
      gen::any(gen::list(gen::on_clients(gen::script({{0, write}})),
                         gen::on_nemesis(gen::script({at(kNemesisThread, 1, "start-kill")})))),
      options);
  const std::vector<Op> invokes = invokes_of(run.events);
  ASSERT_EQ(invokes.size(), 2u);
  EXPECT_EQ(invokes[0].key, 3);
  EXPECT_EQ(invokes[0].value, 7);
  EXPECT_EQ(invokes[1].process, kNemesisProcess);
}

TEST(Script, EmptyIsExhaustedAndAnUnknownThreadIsAnError) {
  EXPECT_TRUE(invokes_of(simulate(gen::script({}), SimOptions{}).events).empty());
  SimOptions options;
  options.concurrency = 2;
  EXPECT_THROW(simulate(gen::script({at(5, 0, "a")}), options), std::invalid_argument);
}

}  // namespace
}  // namespace faultline
