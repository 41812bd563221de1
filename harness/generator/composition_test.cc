// mix, any, phases/then.
#include <gtest/gtest.h>

#include <map>

#include "harness/generator/generator.h"
#include "harness/generator/simulate.h"
#include "harness/generator/test_support.h"

namespace faultline {
namespace {

using namespace std::chrono_literals;
using testing::invokes_of;

constexpr int64_t kMs = 1'000'000;

std::map<std::string, int> count_fs(const std::vector<Op>& events) {
  std::map<std::string, int> counts;
  for (const Op& invoke : invokes_of(events)) ++counts[invoke.f];
  return counts;
}

// Latency uniform in [0, 10 ms]: ops finish out of order.
SimExecutor random_latency() {
  return [](int, const Op& invoke, std::mt19937_64& rng) {
    int64_t latency = std::uniform_int_distribution<int64_t>(0, 10 * kMs)(rng);
    return SimOutcome{latency, invoke.complete(EventType::kOk, nullptr)};
  };
}

TEST(Mix, ChoosesUniformly) {
  uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_note(seed));
  SimOptions options;
  options.seed = seed;
  auto g = gen::mix(
      gen::list(gen::repeat(gen::op("a")), gen::repeat(gen::op("b")), gen::repeat(gen::op("c"))));
  SimRun run = simulate(gen::limit(30000, std::move(g)), options);
  std::map<std::string, int> counts = count_fs(run.events);
  ASSERT_EQ(counts.size(), 3u);
  for (const auto& [f, n] : counts) {
    EXPECT_GT(n, 9700) << f;  // 10000 expected, standard deviation ~82
    EXPECT_LT(n, 10300) << f;
  }
}

TEST(Mix, DropsExhaustedGenerators) {
  uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_note(seed));
  SimOptions options;
  options.seed = seed;
  auto g = gen::mix(gen::list(gen::limit(2, gen::repeat(gen::op("a"))), gen::repeat(gen::op("b"))));
  SimRun run = simulate(gen::limit(100, std::move(g)), options);
  std::map<std::string, int> counts = count_fs(run.events);
  EXPECT_EQ(counts["a"], 2);
  EXPECT_EQ(counts["b"], 98);
}

TEST(Any, TakesTheSoonestOpFirstOnTies) {
  auto g = gen::any(gen::list(gen::delay(10ms, gen::repeat(gen::op("a"))),
                              gen::delay(3ms, gen::repeat(gen::op("b")))));
  SimRun run = simulate(gen::time_limit(13ms, std::move(g)), SimOptions{});
  std::string order;
  for (const Op& invoke : invokes_of(run.events)) {
    order += invoke.f + "@" + std::to_string(invoke.time / kMs) + " ";
  }
  EXPECT_EQ(order, "a@0 b@0 b@3 b@6 b@9 a@10 b@12 ");
}

TEST(Any, AsksAPendingChildAgainBeforeTheSoonestOpIsDue) {
  auto g = gen::any(gen::list(gen::delay(10ms, gen::repeat(gen::op("b"))),
                              gen::then(gen::sleep(5ms), gen::once(gen::op("a")))));
  SimRun run = simulate(gen::time_limit(15ms, std::move(g)), SimOptions{});
  std::string order;
  for (const Op& invoke : invokes_of(run.events)) {
    order += invoke.f + "@" + std::to_string(invoke.time / kMs) + " ";
  }
  EXPECT_EQ(order, "b@0 a@5 b@10 ");
}

TEST(Any, IsExhaustedWhenAllAre) {
  auto g = gen::any(gen::list(gen::limit(2, gen::repeat(gen::op("a"))),
                              gen::limit(3, gen::repeat(gen::op("b")))));
  SimRun run = simulate(std::move(g), SimOptions{});
  std::map<std::string, int> counts = count_fs(run.events);
  EXPECT_EQ(counts["a"], 2);
  EXPECT_EQ(counts["b"], 3);
}

TEST(Phases, StartEachPhaseOnlyAfterThePreviousOpsCompleted) {
  uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_note(seed));
  SimOptions options;
  options.seed = seed;
  options.concurrency = 7;
  options.execute = random_latency();
  auto g = gen::phases(gen::list(gen::limit(20, gen::repeat(gen::op("w"))),
                                 gen::limit(20, gen::repeat(gen::op("r"))),
                                 gen::limit(20, gen::repeat(gen::op("x")))));
  SimRun run = simulate(std::move(g), options);
  ASSERT_EQ(run.events.size(), 120u);
  // Phase k's events form one contiguous block: nothing of phase k+1 is
  // invoked before every op of phase k has completed.
  std::string phase_of_event;
  for (const Op& e : run.events) phase_of_event += e.f;
  EXPECT_EQ(phase_of_event, std::string(40, 'w') + std::string(40, 'r') + std::string(40, 'x'));
}

TEST(Then, RunsTheSecondAfterTheFirst) {
  auto g = gen::then(gen::once(gen::op("setup")), gen::limit(3, gen::repeat(gen::op("read"))));
  SimRun run = simulate(std::move(g), SimOptions{});
  std::vector<Op> invokes = invokes_of(run.events);
  ASSERT_EQ(invokes.size(), 4u);
  EXPECT_EQ(invokes[0].f, "setup");
  EXPECT_EQ(invokes[1].time, kMs);
}

}  // namespace
}  // namespace faultline
