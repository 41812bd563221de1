// each_thread, on_threads, on_clients, on_nemesis.
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

TEST(EachThread, GivesEveryThreadItsOwnCopy) {
  SimOptions options;
  options.concurrency = 4;
  SimRun run = simulate(gen::each_thread(gen::limit(3, gen::repeat(gen::op("read")))), options);
  std::map<int64_t, int> per_process;
  for (const Op& invoke : invokes_of(run.events)) ++per_process[invoke.process];
  EXPECT_EQ(per_process, (std::map<int64_t, int>{{0, 3}, {1, 3}, {2, 3}, {3, 3}}));
}

TEST(EachThread, IncludesTheNemesisThreadUnlessRestricted) {
  SimOptions options;
  options.concurrency = 2;
  options.nemesis = true;
  SimRun run = simulate(gen::each_thread(gen::once(gen::op("a"))), options);
  std::set<int64_t> processes;
  for (const Op& invoke : invokes_of(run.events)) processes.insert(invoke.process);
  EXPECT_EQ(processes, (std::set<int64_t>{kNemesisProcess, 0, 1}));
  run = simulate(gen::on_clients(gen::each_thread(gen::once(gen::op("a")))), options);
  EXPECT_EQ(invokes_of(run.events).size(), 2u);
}

TEST(EachThread, SpacesEachThreadSeparately) {
  SimOptions options;
  options.concurrency = 3;
  auto g = gen::each_thread(gen::limit(2, gen::delay(10ms, gen::repeat(gen::op("read")))));
  SimRun run = simulate(std::move(g), options);
  std::vector<Op> invokes = invokes_of(run.events);
  ASSERT_EQ(invokes.size(), 6u);
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(invokes[i].time, i < 3 ? 0 : 10'000'000) << i;
}

TEST(OnThreads, KeepsNemesisAndClientOpsOnTheirThreads) {
  SimOptions options;
  options.concurrency = 3;
  options.nemesis = true;
  auto nemesis = gen::on_nemesis(gen::cycle(gen::phases(gen::list(
      gen::sleep(5ms), gen::once(gen::op("start")), gen::sleep(5ms), gen::once(gen::op("stop"))))));
  auto clients = gen::on_clients(gen::stagger(1ms, gen::repeat(gen::op("read"))));
  SimRun run = simulate(
      gen::time_limit(100ms, gen::any(gen::list(std::move(nemesis), std::move(clients)))), options);
  int faults = 0;
  int reads = 0;
  for (const Op& invoke : invokes_of(run.events)) {
    if (invoke.f == "read") {
      ++reads;
      EXPECT_NE(invoke.process, kNemesisProcess);
    } else {
      ++faults;
      EXPECT_EQ(invoke.process, kNemesisProcess) << invoke.f;
    }
  }
  // Start at 5 ms (done at 6), stop at 11 (done at 12), start at 17, ...:
  // starts at 5 + 12k, stops at 11 + 12k before 100 ms.
  EXPECT_EQ(faults, 16);
  EXPECT_GT(reads, 50);
}

TEST(OnThreads, WithNoMatchingThreadIsExhausted) {
  SimOptions options;  // no nemesis thread
  SimRun run = simulate(gen::on_nemesis(gen::repeat(gen::op("start"))), options);
  EXPECT_TRUE(run.events.empty());
  EXPECT_FALSE(run.stalled);
}

TEST(OnThreads, RestrictsToThePredicate) {
  SimOptions options;
  options.concurrency = 6;
  auto even = [](int thread) { return thread % 2 == 0; };
  SimRun run = simulate(gen::on_threads(even, gen::limit(30, gen::repeat(gen::op("a")))), options);
  for (const Op& e : run.events) EXPECT_EQ(e.process % 2, 0);
  EXPECT_EQ(invokes_of(run.events).size(), 30u);
}

}  // namespace
}  // namespace faultline
