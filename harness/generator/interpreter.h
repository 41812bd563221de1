// Interpreter: runs a generator in real time. One worker std::thread per
// client thread (plus one for the nemesis) executes ops through an Executor;
// one loop thread (the caller of run()) drives the Scheduler on a monotonic
// clock and records every event to the HistorySink, in real-time order.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "harness/generator/generator.h"
#include "harness/generator/op.h"
#include "harness/generator/scheduler.h"

namespace faultline {

// Executes ops against the system under test (a workload's client, or the
// nemesis for kNemesisThread). Called from the worker thread of `thread`
// only, so one Executor may keep per-thread clients without locking.
class Executor {
 public:
  virtual ~Executor() = default;
  // Blocks until the op is done; returns its completion (invoke.complete(...)).
  // Should not throw: an exception is recorded as an info completion with
  // the exception's text as `error`.
  virtual Op execute(int thread, const Op& invoke) = 0;
};

struct InterpreterOptions {
  int concurrency = 1;
  bool nemesis = false;
  uint64_t seed = 0;
  // After stop(), how long to wait for outstanding ops; those still running
  // then stay pending in the history (nothing is recorded for them).
  std::chrono::nanoseconds stop_grace = std::chrono::seconds(10);
  // Time 0 of the history; default: when run() starts.
  std::optional<std::chrono::steady_clock::time_point> start;
};

struct RunResult {
  int64_t invokes = 0;
  int64_t completions = 0;
  int64_t left_pending = 0;  // ops still running when run() gave up after stop
  bool stopped = false;      // stop() was called
  bool stalled = false;      // see Scheduler::stalled()
};

class Interpreter {
 public:
  Interpreter(Executor& executor, HistorySink& sink, InterpreterOptions options);
  // Joins the worker threads: any op still running after run() returned must
  // finish first (close its client to unblock it); its completion is dropped.
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Runs `generator` until it is exhausted and every op has completed, or
  // until stop() and the outstanding ops finished (or stop_grace passed).
  // Call once. Throws std::invalid_argument on bad options.
  RunResult run(GenPtr generator);

  // Asks run() to stop dispatching. Thread-safe (e.g. from a thread that
  // watches for SIGINT); not async-signal-safe.
  void stop();

 private:
  struct Worker;
  struct Completion {
    int thread;
    Op op;
  };

  void worker_loop(Worker& worker);
  void dispatch(int thread, Op invoke);
  int64_t now() const;

  Executor& executor_;
  HistorySink& sink_;
  InterpreterOptions options_;
  std::chrono::steady_clock::time_point start_;
  std::atomic<bool> stop_{false};
  bool ran_ = false;

  std::vector<std::unique_ptr<Worker>> workers_;  // by thread + 1; null: no nemesis
  std::mutex mutex_;                              // guards completions_ and loop_waiting_
  std::condition_variable wakeup_;                // a completion or stop(), for the loop thread
  std::vector<Completion> completions_;
  bool loop_waiting_ = false;
};

}  // namespace faultline
