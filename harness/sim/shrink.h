// The shrinker of `faultline sim --shrink` (docs/sim.md, "Shrinking"): for
// a failing seed, the smallest test it can find that still fails the same
// way. It records the seed's main phase as a scenario (harness/run/
// scenario.h) and removes from it with ddmin (ddmin.h), re-simulating the
// seed each time and keeping a candidate only while its verdict stays
// invalid with the same checker failing: first the faults (a start and its
// stop together), then the client ops (whole processes first, then single
// ops), then the time after the last event. Removing anything changes what
// the seed's random draws fall on, so a kept candidate may fail somewhere
// else than the original did; it still fails the same checker.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"
#include "harness/run/test_config.h"
#include "harness/sim/simulation.h"

namespace faultline::sim {

struct ShrinkOptions {
  int64_t max_runs = 0;    // simulations at most (0: no bound)
  double max_seconds = 0;  // wall time at most (0: no bound)
  int jobs = 1;            // simulations at once
  // Called after each step with a line saying what it kept.
  std::function<void(const std::string&)> progress;
};

// How big a test is.
struct TestSize {
  size_t ops = 0;
  size_t faults = 0;
  double virtual_seconds = 0;  // of the whole simulated run, final phase included
};

struct ShrinkResult {
  // The smallest failing test: the given config with its scenario and time
  // limit, and the seed.
  TestConfig config;
  SimResult smallest;   // its run
  std::string checker;  // the checker that fails throughout
  TestSize before, after;
  int64_t runs = 0;  // simulations, the first and the last included
  double wall_seconds = 0;
  bool budget_spent = false;  // stopped by the budget: `config` is the best so far
};

// Shrinks seed `seed` of `config` (whose scenario, if it has one, is where
// shrinking starts). If the seed does not fail, or if
// its recorded scenario does not fail when replayed: invalid_argument.
Status shrink(const TestConfig& config, uint64_t seed, const ShrinkOptions& options,
              ShrinkResult* out);

}  // namespace faultline::sim
