// The real-time Interpreter with trivial executors: threads, exceptions,
// timing and stop. Each test takes well under a second.
#include "harness/generator/interpreter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "harness/generator/test_support.h"

namespace faultline {
namespace {

using namespace std::chrono_literals;
using testing::invokes_of;

class Echo : public Executor {
 public:
  Op execute(int thread, const Op& invoke) override {
    if (thread == kNemesisThread) nemesis_ops.fetch_add(1);
    return invoke.complete(EventType::kOk, invoke.value);
  }
  std::atomic<int> nemesis_ops{0};
};

// Checks the history is well formed: times never decrease, and each process
// alternates invoke, completion.
void expect_well_formed(const std::vector<Op>& events) {
  std::map<int64_t, bool> busy;
  int64_t last = 0;
  for (const Op& e : events) {
    bool invoke = e.type == EventType::kInvoke;
    ASSERT_NE(busy[e.process], invoke) << "process " << e.process;
    busy[e.process] = invoke;
    ASSERT_GE(e.time, last);
    last = e.time;
  }
}

TEST(Interpreter, RunsEveryOpOnWorkerThreadsAndRecordsIt) {
  Echo echo;
  VectorSink sink;
  InterpreterOptions options;
  options.concurrency = 8;
  options.nemesis = true;
  Interpreter interpreter(echo, sink, options);
  auto g = gen::any(gen::list(gen::on_clients(gen::limit(2000, gen::repeat(gen::op("read", 1)))),
                              gen::on_nemesis(gen::limit(3, gen::repeat(gen::op("kill"))))));
  RunResult result = interpreter.run(std::move(g));
  EXPECT_EQ(result.invokes, 2003);
  EXPECT_EQ(result.completions, 2003);
  EXPECT_EQ(result.left_pending, 0);
  EXPECT_FALSE(result.stopped);
  ASSERT_EQ(sink.events.size(), 4006u);
  expect_well_formed(sink.events);
  EXPECT_EQ(echo.nemesis_ops.load(), 3);
  for (const Op& e : sink.events) {
    if (e.type != EventType::kInvoke) {
      EXPECT_EQ(e.type, EventType::kOk);
      EXPECT_EQ(e.value, e.f == "read" ? nlohmann::json(1) : nlohmann::json());
    }
  }
}

class Thrower : public Executor {
 public:
  Op execute(int, const Op& invoke) override {
    if (invoke.value == 1) throw std::runtime_error("connection reset");
    return invoke.complete(EventType::kOk, nullptr);
  }
};

TEST(Interpreter, RecordsAnExceptionAsInfoAndRetiresTheProcess) {
  Thrower thrower;
  VectorSink sink;
  InterpreterOptions options;
  options.concurrency = 1;
  Interpreter interpreter(thrower, sink, options);
  interpreter.run(gen::phases(gen::list(gen::once(gen::op("w", 1)), gen::once(gen::op("w", 2)))));
  ASSERT_EQ(sink.events.size(), 4u);
  EXPECT_EQ(sink.events[1].type, EventType::kInfo);
  EXPECT_EQ(sink.events[1].error, "connection reset");
  EXPECT_EQ(sink.events[1].process, 0);
  EXPECT_EQ(sink.events[2].process, 1);  // process 0 retired
  EXPECT_EQ(sink.events[3].type, EventType::kOk);
}

TEST(Interpreter, WaitsForAnOpsTime) {
  Echo echo;
  VectorSink sink;
  Interpreter interpreter(echo, sink, InterpreterOptions{});
  auto started = std::chrono::steady_clock::now();
  interpreter.run(gen::then(gen::sleep(30ms), gen::once(gen::op("a"))));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 30ms);
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_GE(sink.events[0].time, 30'000'000);
  EXPECT_LT(sink.events[0].time, 300'000'000);
}

TEST(Interpreter, StopEndsAnEndlessRunAfterOutstandingOpsComplete) {
  Echo echo;
  VectorSink sink;
  InterpreterOptions options;
  options.concurrency = 4;
  Interpreter interpreter(echo, sink, options);
  std::thread stopper([&] {
    std::this_thread::sleep_for(50ms);
    interpreter.stop();
  });
  RunResult result = interpreter.run(gen::repeat(gen::op("read")));
  stopper.join();
  EXPECT_TRUE(result.stopped);
  EXPECT_GT(result.invokes, 0);
  EXPECT_EQ(result.completions, result.invokes);
  EXPECT_EQ(result.left_pending, 0);
  expect_well_formed(sink.events);
}

// Blocks the op with value "hang" until released.
class Hanger : public Executor {
 public:
  Op execute(int, const Op& invoke) override {
    if (invoke.value == "hang") {
      while (!released.load()) std::this_thread::sleep_for(1ms);
    }
    return invoke.complete(EventType::kOk, nullptr);
  }
  std::atomic<bool> released{false};
};

TEST(Interpreter, LeavesOpsStillRunningAfterTheGracePending) {
  Hanger hanger;
  VectorSink sink;
  InterpreterOptions options;
  options.concurrency = 2;
  options.stop_grace = 20ms;
  {
    Interpreter interpreter(hanger, sink, options);
    interpreter.stop();  // before run(): it dispatches nothing
    RunResult result = interpreter.run(gen::repeat(gen::op("read")));
    EXPECT_EQ(result.invokes, 0);
  }
  {
    Interpreter interpreter(hanger, sink, options);
    std::thread stopper([&] {
      std::this_thread::sleep_for(20ms);
      interpreter.stop();
    });
    auto g = gen::any(
        gen::list(gen::on_threads([](int t) { return t == 0; }, gen::once(gen::op("w", "hang"))),
                  gen::on_threads([](int t) { return t == 1; }, gen::repeat(gen::op("read")))));
    RunResult result = interpreter.run(std::move(g));
    stopper.join();
    EXPECT_TRUE(result.stopped);
    EXPECT_EQ(result.left_pending, 1);
    EXPECT_EQ(result.completions, result.invokes - 1);
    hanger.released = true;  // lets the destructor join the worker
  }
  ASSERT_FALSE(sink.events.empty());
  EXPECT_EQ(sink.events[0].value, "hang");
  for (size_t i = 1; i < sink.events.size(); ++i) EXPECT_EQ(sink.events[i].process, 1);
}

TEST(Interpreter, RunsOnlyOnce) {
  Echo echo;
  VectorSink sink;
  Interpreter interpreter(echo, sink, InterpreterOptions{});
  interpreter.run(gen::once(gen::op("a")));
  EXPECT_THROW(interpreter.run(gen::once(gen::op("a"))), std::logic_error);
}

}  // namespace
}  // namespace faultline
