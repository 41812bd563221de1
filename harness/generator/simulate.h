// simulate(): runs a generator through the Scheduler on virtual time, with
// ops taking whatever latency a function says. No threads, no sleeps: the
// same seed gives the same history, so generator tests are exact.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <utility>
#include <vector>

#include "harness/generator/generator.h"
#include "harness/generator/op.h"

namespace faultline {

struct SimOutcome {
  int64_t latency = 0;  // ns from invoke to completion
  Op completion;        // its time and process are set by the scheduler
};

// Decides how an invoke on `thread` ends. `rng` is the simulation's own,
// seeded from SimOptions::seed (separate from the generators' RNG).
using SimExecutor = std::function<SimOutcome(int thread, const Op& invoke, std::mt19937_64& rng)>;

// Every op completes ok, echoing its value, after `latency` ns.
SimExecutor fixed_latency(int64_t latency);

struct SimOptions {
  int concurrency = 5;
  bool nemesis = false;
  uint64_t seed = 0;
  SimExecutor execute = fixed_latency(1'000'000);  // 1 ms
  // Stop dispatching at this virtual time, or after this many invokes
  // (guards against infinite generators); outstanding ops still complete.
  int64_t stop_at = kNever;
  int64_t max_invokes = 1'000'000;
};

struct SimRun {
  std::vector<Op> events;  // invokes and completions in time order
  bool stalled = false;    // see Scheduler::stalled()
};

// Runs the ops of simulate() with SimOptions::execute deciding each outcome
// at once (a SimExecutorWorld).
SimRun simulate(GenPtr generator, const SimOptions& options);

// What the ops run in when outcomes take more than a function: a simulated
// system with its own events on the same virtual time (harness/sim's cluster:
// messages, ticks, crashes). simulate() dispatches invokes into it and runs
// its events in time order, and the events complete the ops.
class SimWorld {
 public:
  virtual ~SimWorld() = default;
  // Starts `invoke` on `thread` at time `now`; a later event completes it.
  virtual void dispatch(int thread, const Op& invoke, int64_t now) = 0;
  // The time of the next event (never before the last one run), or kNever.
  virtual int64_t next_event() const = 0;
  // Runs the next event; adds the ops it completed as (thread, completion).
  virtual void run_next(std::vector<std::pair<int, Op>>* completed) = 0;
};

// The general form: ops run in `world`; options.execute is not used. Throws
// std::logic_error if an op is outstanding and the world has no event left.
SimRun simulate(GenPtr generator, SimWorld& world, const SimOptions& options);

}  // namespace faultline
