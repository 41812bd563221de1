// Sources (once, repeat, from_fn), repeat and cycle of generators, sleep.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "harness/generator/generator.h"
#include "harness/generator/simulate.h"
#include "harness/generator/test_support.h"

namespace faultline {
namespace {

using namespace std::chrono_literals;
using testing::invokes_of;

constexpr int64_t kMs = 1'000'000;

TEST(Once, InvokesOnceOnTheFirstThreadAndCompletesAfterTheLatency) {
  SimRun run = simulate(gen::once(gen::op("write", 3)), SimOptions{});
  ASSERT_EQ(run.events.size(), 2u);
  const Op& invoke = run.events[0];
  EXPECT_EQ(invoke.type, EventType::kInvoke);
  EXPECT_EQ(invoke.f, "write");
  EXPECT_EQ(invoke.value, 3);
  EXPECT_EQ(invoke.process, 0);
  EXPECT_EQ(invoke.time, 0);
  const Op& done = run.events[1];
  EXPECT_EQ(done.type, EventType::kOk);
  EXPECT_EQ(done.f, "write");
  EXPECT_EQ(done.process, 0);
  EXPECT_EQ(done.time, 1 * kMs);
  EXPECT_FALSE(run.stalled);
}

TEST(Repeat, FillsEveryFreeThreadThenWaitsForCompletions) {
  SimOptions options;
  options.concurrency = 5;
  SimRun run = simulate(gen::limit(10, gen::repeat(gen::op("read"))), options);
  std::vector<Op> invokes = invokes_of(run.events);
  ASSERT_EQ(invokes.size(), 10u);
  std::set<int64_t> first, second;  // processes of each round
  for (size_t i = 0; i < invokes.size(); ++i) {
    EXPECT_EQ(invokes[i].time, i < 5 ? 0 : kMs) << i;
    (i < 5 ? first : second).insert(invokes[i].process);
  }
  EXPECT_EQ(first, (std::set<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(second, first);
}

// Free threads are drawn at random, not lowest first: under a rate limit
// (one op per ms, ops taking 0.1 ms, so a thread is nearly always free)
// every thread still gets a share.
TEST(Repeat, SpreadsRateLimitedOpsOverEveryThread) {
  SimOptions options;
  options.concurrency = 5;
  options.execute = fixed_latency(kMs / 10);
  SimRun run = simulate(gen::limit(500, gen::rate(1000, gen::repeat(gen::op("read")))), options);
  std::map<int64_t, int> per_process;
  for (const Op& op : invokes_of(run.events)) ++per_process[op.process];
  ASSERT_EQ(per_process.size(), 5u);
  for (const auto& [process, n] : per_process) EXPECT_GT(n, 60) << "process " << process;
}

TEST(FromFn, CallsTheFunctionOncePerDispatchedOpEvenWhenAskedAgain) {
  int calls = 0;
  auto counter = [&calls](const Context&) -> std::optional<Op> {
    if (calls == 6) return std::nullopt;
    return gen::op("add", calls++);
  };
  // stagger makes the scheduler ask again while it waits for each op's time.
  SimRun run = simulate(gen::stagger(3ms, gen::from_fn(counter)), SimOptions{});
  std::vector<Op> invokes = invokes_of(run.events);
  ASSERT_EQ(invokes.size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(invokes[static_cast<size_t>(i)].value, i);
  EXPECT_EQ(calls, 6);
}

TEST(FromFn, SeesTheContext) {
  SimOptions options;
  options.concurrency = 2;
  auto at = [](const Context& ctx) -> std::optional<Op> { return gen::op("t", ctx.time()); };
  SimRun run = simulate(gen::limit(4, gen::from_fn(at)), options);
  for (const Op& invoke : invokes_of(run.events)) EXPECT_EQ(invoke.value, invoke.time);
}

TEST(RepeatGenerator, RunsAFreshCopyPerOpUpToTimes) {
  SimRun run = simulate(gen::repeat(gen::once(gen::op("a")), 3), SimOptions{});
  EXPECT_EQ(invokes_of(run.events).size(), 3u);
  int calls = 0;
  auto counter = [&calls](const Context&) -> std::optional<Op> { return gen::op("n", calls++); };
  // Copies share the function: every op is a new call.
  run = simulate(gen::repeat(gen::from_fn(counter), 4), SimOptions{});
  std::vector<Op> invokes = invokes_of(run.events);
  ASSERT_EQ(invokes.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(invokes[static_cast<size_t>(i)].value, i);
}

TEST(Cycle, RestartsTheGeneratorWhenExhausted) {
  auto body = gen::phases(gen::list(gen::once(gen::op("a")), gen::once(gen::op("b"))));
  SimRun run = simulate(gen::cycle(std::move(body), 3), SimOptions{});
  std::string fs;
  for (const Op& invoke : invokes_of(run.events)) fs += invoke.f;
  EXPECT_EQ(fs, "ababab");
}

TEST(Cycle, OfAnEmptyGeneratorIsExhaustedInsteadOfSpinning) {
  SimRun run = simulate(gen::cycle(gen::limit(0, gen::repeat(gen::op("a")))), SimOptions{});
  EXPECT_TRUE(run.events.empty());
  EXPECT_FALSE(run.stalled);
}

TEST(Sleep, DelaysThePhaseAfterIt) {
  SimRun run = simulate(gen::then(gen::sleep(5ms), gen::once(gen::op("a"))), SimOptions{});
  ASSERT_EQ(run.events.size(), 2u);
  EXPECT_EQ(run.events[0].time, 5 * kMs);
}

TEST(Sleep, StartsWhenFirstAsked) {
  auto g =
      gen::phases(gen::list(gen::once(gen::op("a")), gen::sleep(5ms), gen::once(gen::op("b"))));
  SimRun run = simulate(std::move(g), SimOptions{});
  std::vector<Op> invokes = invokes_of(run.events);
  ASSERT_EQ(invokes.size(), 2u);
  EXPECT_EQ(invokes[1].time, 1 * kMs + 5 * kMs);  // a completes at 1 ms
}

}  // namespace
}  // namespace faultline
