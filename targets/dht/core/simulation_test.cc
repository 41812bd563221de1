// Randomized end-to-end tests of the core: simulated clusters (5 nodes, N = 3)
// under message loss, duplication, delay, reordering, partitions and
// crash-restarts, with the clients' histories judged by faultline's
// linearizability checker. FAULTLINE_DHT_SEED=<n> reruns one seed and prints
// its history.
#include "targets/dht/core/simulation.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "tests/support/simulation_check.h"

namespace faultline::dht {
namespace {

using Judged = faultline::Judged<SimulationResult>;

Judged simulate_and_check(const SimulationOptions& options) {
  Judged j = judge_register_history(run_simulation(options),
                                    fmt::format("dht-seed-{}.jsonl", options.seed));
  EXPECT_EQ(j.sim.error, "") << "seed " << options.seed;
  return j;
}

std::vector<uint64_t> seeds(uint64_t first, uint64_t count) {
  return test_seeds("FAULTLINE_DHT_SEED", first, count);
}

// Runs ABD over `count` seeds from `first`; returns the totals it printed.
SimulationResult check_abd_seeds(uint64_t first, uint64_t count) {
  SimulationResult total;
  for (uint64_t seed : seeds(first, count)) {
    SimulationOptions options;
    options.seed = seed;
    options.ops_per_client = 40;
    Judged j = simulate_and_check(options);
    if (std::getenv("FAULTLINE_DHT_SEED")) std::cout << j.sim.history;
    EXPECT_EQ(j.check.verdict, Verdict::kValid)
        << "seed " << seed << " (rerun with FAULTLINE_DHT_SEED=" << seed << "): " << j.check.summary
        << "\n"
        << j.check.to_json().dump(2);
    if (j.check.verdict != Verdict::kValid) break;  // one report is enough
    total.ok += j.sim.ok;
    total.info += j.sim.info;
    total.partitions += j.sim.partitions;
    total.crashes += j.sim.crashes;
  }
  std::cout << "abd: " << total.ok << " ok, " << total.info << " info, " << total.partitions
            << " partitions, " << total.crashes << " crashes\n";
  return total;
}

TEST(DhtSimulation, AbdHistoriesAreLinearizable) {
  SimulationResult total = check_abd_seeds(1, 400);
  // The faults happened, and most operations still succeeded.
  if (!std::getenv("FAULTLINE_DHT_SEED")) {
    EXPECT_GT(total.partitions, 400);
    EXPECT_GT(total.crashes, 200);
    EXPECT_GT(total.ok, 3 * total.info);
  }
}

// Many more seeds, for a manual soak: --gtest_also_run_disabled_tests.
TEST(DhtSimulation, DISABLED_AbdSoak) { check_abd_seeds(1'000'000, 20'000); }

// The same test catches eventual mode (R = W = 1), which is documented as not
// linearizable: under partitions some histories must be judged invalid.
TEST(DhtSimulation, EventualModeWithROneWOneIsCaughtNotLinearizable) {
  int invalid = 0, total = 0;
  for (uint64_t seed : seeds(1, 60)) {
    SimulationOptions options;
    options.seed = seed;
    options.mode = Mode::kEventual;
    options.read_quorum = 1;
    options.write_quorum = 1;
    Judged j = simulate_and_check(options);
    if (std::getenv("FAULTLINE_DHT_SEED")) std::cout << j.sim.history;
    EXPECT_NE(j.check.verdict, Verdict::kUnknown) << "seed " << seed << ": " << j.check.summary;
    invalid += j.check.verdict == Verdict::kInvalid;
    ++total;
  }
  std::cout << "eventual R=W=1: " << invalid << " of " << total << " histories invalid\n";
  if (!std::getenv("FAULTLINE_DHT_SEED")) {
    EXPECT_GE(invalid, total / 10);
  }
}

}  // namespace
}  // namespace faultline::dht
