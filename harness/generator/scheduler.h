// Scheduler: the sans-I/O core of the interpreter (Jepsen's
// jepsen.generator.interpreter without the threads). It owns the generator
// and the Context, decides what the driver does next, and records every
// invoke and completion to a HistorySink. Two drivers use it: the real-time
// Interpreter (interpreter.h) and the virtual-time simulate() (simulate.h).
//
// Rules: one outstanding op per thread; the op's process is its thread's
// current process; an `info` completion on a client thread retires that
// process (the thread continues as process + concurrency), since an
// indeterminate op may still take effect at any later time; the nemesis
// thread is always kNemesisProcess.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/generator/generator.h"
#include "harness/generator/op.h"

namespace faultline {

// Receives every event of a run, in real-time order, from one thread.
class HistorySink {
 public:
  virtual ~HistorySink() = default;
  virtual void record(const Op& event) = 0;
};

// Keeps the events in memory (tests, simulation).
class VectorSink : public HistorySink {
 public:
  void record(const Op& event) override { events.push_back(event); }
  std::vector<Op> events;
};

struct SchedulerOptions {
  int concurrency = 1;   // client threads 0..concurrency-1
  bool nemesis = false;  // also a nemesis thread (kNemesisThread)
  uint64_t seed = 0;     // seeds the Context's RNG
};

// What the driver should do next.
struct Poll {
  enum class Kind : uint8_t {
    kDispatch,        // run `op` (already recorded) on `thread`
    kWaitUntil,       // poll again at `until`, or sooner after a completion
    kWaitCompletion,  // poll again after the next completion
    kDone,            // nothing left to do: every dispatched op has completed
  };
  Kind kind = Kind::kDone;
  int thread = 0;
  Op op;
  int64_t until = kNever;
};

class Scheduler {
 public:
  // Throws std::invalid_argument if concurrency < 1.
  Scheduler(GenPtr generator, HistorySink& sink, SchedulerOptions options);

  // The next thing to do at time `now` (ns since the test started; never
  // decreasing across calls). On kDispatch the invoke has been recorded and
  // the generator told; the driver must later call complete() for it.
  Poll poll(int64_t now);

  // The op outstanding on `thread` finished at `now` with `completion` (its
  // type ok, fail or info; an invoke type is recorded as info). Process and
  // time are set here, f and key copied from the invoke if left empty.
  // Throws std::logic_error if nothing is outstanding on `thread`.
  void complete(int thread, Op completion, int64_t now);

  // Stop dispatching; poll() then waits for the outstanding ops and is done.
  void request_stop() { stop_requested_ = true; }
  bool stop_requested() const { return stop_requested_; }

  int outstanding() const { return outstanding_; }
  // True if the run ended because the generator was pending with nothing
  // outstanding and no wake-up time: it could never produce another op.
  bool stalled() const { return stalled_; }
  int64_t invokes() const { return invokes_; }
  int64_t completions() const { return completions_; }

 private:
  struct Running {
    bool busy = false;
    std::string f;
    nlohmann::json key;
  };
  Running& running(int thread) { return running_[static_cast<size_t>(thread + 1)]; }

  GenPtr generator_;
  HistorySink& sink_;
  ContextState state_;
  Context context_;
  std::vector<Running> running_;  // by thread + 1
  int outstanding_ = 0;
  bool stop_requested_ = false;
  bool stalled_ = false;
  int64_t invokes_ = 0;
  int64_t completions_ = 0;
};

}  // namespace faultline
