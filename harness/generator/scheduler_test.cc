// The Scheduler's rules: processes, one op per thread, stop, stalls,
// determinism; through simulate() and directly.
#include "harness/generator/scheduler.h"

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

TEST(Scheduler, InfoRetiresAClientProcessButNotTheNemesis) {
  SimOptions options;
  options.concurrency = 3;
  options.nemesis = true;
  // Every op on thread 1 and on the nemesis ends in info.
  options.execute = [](int thread, const Op& invoke, std::mt19937_64&) {
    EventType type = thread == 1 || thread == kNemesisThread ? EventType::kInfo : EventType::kOk;
    return SimOutcome{kMs, invoke.complete(type, nullptr)};
  };
  auto g = gen::each_thread(gen::limit(3, gen::repeat(gen::op("a"))));
  SimRun run = simulate(std::move(g), options);
  std::map<int64_t, int> per_process;
  for (const Op& invoke : invokes_of(run.events)) ++per_process[invoke.process];
  // Thread 1: processes 1, 4, 7; the others keep theirs.
  EXPECT_EQ(per_process,
            (std::map<int64_t, int>{{kNemesisProcess, 3}, {0, 3}, {1, 1}, {2, 3}, {4, 1}, {7, 1}}));
}

TEST(Scheduler, RunsOneOpPerThreadAtATime) {
  uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_note(seed));
  SimOptions options;
  options.seed = seed;
  options.concurrency = 4;
  options.execute = [](int, const Op& invoke, std::mt19937_64& rng) {
    int64_t latency = std::uniform_int_distribution<int64_t>(0, 5 * kMs)(rng);
    return SimOutcome{latency, invoke.complete(EventType::kOk, nullptr)};
  };
  SimRun run = simulate(gen::limit(500, gen::stagger(100us, gen::repeat(gen::op("a")))), options);
  std::map<int64_t, bool> busy;
  int64_t last_time = 0;
  for (const Op& e : run.events) {
    bool invoke = e.type == EventType::kInvoke;
    ASSERT_NE(busy[e.process], invoke) << "process " << e.process << " at " << e.time;
    busy[e.process] = invoke;
    ASSERT_GE(e.time, last_time);  // real-time order
    last_time = e.time;
  }
  EXPECT_EQ(invokes_of(run.events).size(), 500u);
}

TEST(Scheduler, SameSeedSameHistoryOtherSeedOtherHistory) {
  uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_note(seed));
  auto run_with = [](uint64_t s) {
    SimOptions options;
    options.seed = s;
    options.concurrency = 4;
    options.execute = [](int, const Op& invoke, std::mt19937_64& rng) {
      int64_t latency = std::uniform_int_distribution<int64_t>(0, 5 * kMs)(rng);
      return SimOutcome{latency, invoke.complete(EventType::kOk, nullptr)};
    };
    auto g = gen::limit(300, gen::stagger(1ms, gen::mix(gen::list(gen::repeat(gen::op("r")),
                                                                  gen::repeat(gen::op("w"))))));
    std::string text;
    for (const Op& e : simulate(std::move(g), options).events) {
      text += e.f + std::to_string(e.process) + "@" + std::to_string(e.time) + ";";
    }
    return text;
  };
  EXPECT_EQ(run_with(seed), run_with(seed));
  EXPECT_NE(run_with(seed), run_with(seed + 1));
}

TEST(Scheduler, StopsDispatchingAndWaitsForOutstandingOps) {
  SimOptions options;
  options.concurrency = 3;
  options.execute = fixed_latency(4 * kMs);
  options.stop_at = 10 * kMs;
  SimRun run = simulate(gen::repeat(gen::op("a")), options);
  std::vector<Op> invokes = invokes_of(run.events);
  ASSERT_EQ(invokes.size(), 9u);  // rounds at 0, 4 and 8 ms
  EXPECT_EQ(run.events.size(), 18u);
  EXPECT_EQ(run.events.back().time, 12 * kMs);
}

// Proposes op "a" on thread 0, whatever the context says.
class AlwaysThreadZero : public Generator {
 public:
  Next next(const Context&) override { return Next::invoke(gen::op("a"), 0); }
  void commit(const Context&, const Op&, int) override {}
  GenPtr clone() const override { return std::make_unique<AlwaysThreadZero>(); }
};

// Never proposes anything and has no wake-up time.
class Stuck : public Generator {
 public:
  Next next(const Context&) override { return Next::pending(); }
  void commit(const Context&, const Op&, int) override {}
  GenPtr clone() const override { return std::make_unique<Stuck>(); }
};

TEST(Scheduler, RejectsAnOpOnABusyThread) {
  VectorSink sink;
  Scheduler scheduler(std::make_unique<AlwaysThreadZero>(), sink, SchedulerOptions{2, false, 1});
  EXPECT_EQ(scheduler.poll(0).kind, Poll::Kind::kDispatch);
  EXPECT_THROW(scheduler.poll(1), std::logic_error);
}

TEST(Scheduler, RejectsACompletionWithNothingOutstanding) {
  VectorSink sink;
  Scheduler scheduler(gen::once(gen::op("a")), sink, SchedulerOptions{2, false, 1});
  EXPECT_THROW(scheduler.complete(0, gen::op("a"), 0), std::logic_error);
  EXPECT_THROW(scheduler.complete(kNemesisThread, gen::op("a"), 0), std::logic_error);
}

TEST(Scheduler, EndsAStalledRun) {
  SimRun run = simulate(std::make_unique<Stuck>(), SimOptions{});
  EXPECT_TRUE(run.events.empty());
  EXPECT_TRUE(run.stalled);
}

TEST(Scheduler, RecordsAnInvokeReturnedAsCompletionAsInfo) {
  VectorSink sink;
  Scheduler scheduler(gen::once(gen::op("read")), sink, SchedulerOptions{1, false, 1});
  Poll p = scheduler.poll(5);
  ASSERT_EQ(p.kind, Poll::Kind::kDispatch);
  EXPECT_EQ(p.op.time, 5);
  Op wrong;  // type invoke, no f
  scheduler.complete(p.thread, wrong, 9);
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[1].type, EventType::kInfo);
  EXPECT_EQ(sink.events[1].f, "read");
  EXPECT_EQ(sink.events[1].time, 9);
  EXPECT_FALSE(sink.events[1].error.empty());
  EXPECT_EQ(scheduler.poll(10).kind, Poll::Kind::kDone);
}

TEST(Scheduler, RejectsNoThreads) {
  VectorSink sink;
  EXPECT_THROW(Scheduler(gen::once(gen::op("a")), sink, SchedulerOptions{0, false, 1}),
               std::invalid_argument);
}

}  // namespace
}  // namespace faultline
