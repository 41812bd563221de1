// Randomized end-to-end tests of the core: simulated 3-node clusters under
// message loss, duplication, delay, reordering, partitions and
// crash-restarts, the clients' histories judged by faultline's
// linearizability checker (`register`: read, write, cas). The correct build
// must pass every seed; each failpoint must be caught in some.
// FAULTLINE_PAXOS_SEED=<n> reruns one seed and prints its history.
#include "targets/paxos/core/simulation.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "tests/support/simulation_check.h"

namespace faultline::paxos {
namespace {

using Judged = faultline::Judged<SimulationResult>;

Judged simulate_and_check(const SimulationOptions& options) {
  // Contention leaves many proposals indeterminate (info), which makes the
  // search expensive: bound it, and treat "unknown" as a failure of the seed.
  // The costliest seeds take 3-5 s of CPU; 30 s of wall time tolerates a
  // machine loaded several-fold.
  CheckOptions check_options;
  check_options.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  Judged j = judge_register_history(
      run_simulation(options), fmt::format("paxos-seed-{}.jsonl", options.seed), check_options);
  if (std::getenv("FAULTLINE_PAXOS_SEED")) std::cout << j.sim.history;
  return j;
}

std::vector<uint64_t> seeds(uint64_t first, uint64_t count) {
  return test_seeds("FAULTLINE_PAXOS_SEED", first, count);
}

// Runs the correct build on `count` seeds from `first` with `base`'s
// options; every history must be linearizable. The seeds' totals.
SimulationResult check_correct_seeds(uint64_t first, uint64_t count, int nodes,
                                     SimulationOptions base = SimulationOptions()) {
  SimulationResult total;
  for (uint64_t seed : seeds(first, count)) {
    SimulationOptions options = base;
    options.seed = seed;
    options.nodes = nodes;
    Judged j = simulate_and_check(options);
    EXPECT_EQ(j.sim.error, "") << "seed " << seed << " (rerun with FAULTLINE_PAXOS_SEED=" << seed
                               << ")";
    EXPECT_EQ(j.check.verdict, Verdict::kValid)
        << "seed " << seed << " (rerun with FAULTLINE_PAXOS_SEED=" << seed
        << "): " << j.check.summary << "\n"
        << j.check.to_json().dump(2);
    if (j.check.verdict != Verdict::kValid || !j.sim.error.empty()) break;  // one report is enough
    total.ok += j.sim.ok;
    total.fail += j.sim.fail;
    total.info += j.sim.info;
    total.partitions += j.sim.partitions;
    total.crashes += j.sim.crashes;
  }
  std::cout << nodes << " nodes: " << total.ok << " ok, " << total.fail << " fail, " << total.info
            << " info, " << total.partitions << " partitions, " << total.crashes << " crashes\n";
  return total;
}

TEST(PaxosSimulation, HistoriesAreLinearizableAndLive) {
  SimulationResult total = check_correct_seeds(1, 200, 3);
  if (!std::getenv("FAULTLINE_PAXOS_SEED")) {
    // The faults happened, and most proposals still completed: every client
    // finished its operations (liveness after healing, or the run errs).
    EXPECT_GT(total.partitions, 100);
    EXPECT_GT(total.crashes, 50);
    EXPECT_GT(total.ok + total.fail, 3 * total.info);
  }
}

TEST(PaxosSimulation, FiveNodesAreLinearizable) { check_correct_seeds(1000, 60, 5); }

// Dueling proposers (README.md, "Contention"): 10 clients on 5 keys, each
// operation sent to a random node, no faults. A proposal answers UNAVAILABLE
// (info) only when an acceptor may hold its value: a proposer lets another's
// open round finish before preparing, skips the one-round-trip write on a
// contended key, and retries an accept that every acceptor refused. On
// these seeds 6.0% of the operations end in info (724 of 12,000), against
// 22.3% (2,677) before them (and the one-round-trip writes); the bound leaves room for changes in
// the simulation's draws.
TEST(PaxosSimulation, FewUnavailableUnderContention) {
  SimulationOptions contended;
  contended.clients = 10;
  contended.keys = 5;
  contended.loss = 0;
  contended.duplicate = 0;
  contended.partitions = false;
  contended.crashes = false;
  SimulationResult total = check_correct_seeds(2000, 40, 3, contended);
  const int ops = total.ok + total.fail + total.info;
  std::cout << "contention: " << total.info << " info of " << ops << " operations\n";
  if (!std::getenv("FAULTLINE_PAXOS_SEED")) {
    EXPECT_LT(total.info * 10, ops);  // under 10%
  }
}

// Many more seeds, for a manual soak: --gtest_also_run_disabled_tests.
TEST(PaxosSimulation, DISABLED_Soak) { check_correct_seeds(1'000'000, 20'000, 3); }

// Each failpoint breaks linearizability (or the one-value-per-ballot rule)
// in some of `count` seeds, under the faults that expose it. The search of a
// broken history can outlast the check's deadline on a loaded machine (two
// of no-persist-promise's 400 seeds take 3-5 s of CPU): at most 2% of the
// seeds may end unknown, counted as not caught.
int caught(const char* name, uint64_t count, bool partitions, double crash_rate) {
  Failpoints f;
  EXPECT_TRUE(enable_failpoint(name, &f).is_ok());
  int invalid = 0;
  uint64_t unknown = 0;
  std::vector<uint64_t> all = seeds(1, count);
  for (uint64_t seed : all) {
    SimulationOptions options;
    options.seed = seed;
    options.failpoints = f;
    options.partitions = partitions;
    options.crashes = crash_rate > 0;
    options.crash_rate = crash_rate;
    Judged j = simulate_and_check(options);
    if (j.check.verdict == Verdict::kUnknown) {
      ++unknown;
      std::cout << name << " seed " << seed << ": unknown (" << j.check.summary << ")\n";
    }
    invalid += j.check.verdict == Verdict::kInvalid || !j.sim.error.empty();
  }
  EXPECT_LE(unknown * 50, all.size()) << name << ": " << unknown << " seeds unknown";
  std::cout << name << ": caught in " << invalid << " of " << all.size() << " seeds\n";
  return invalid;
}

TEST(PaxosFailpoints, NoPersistPromiseIsCaughtUnderCrashes) {
  EXPECT_GE(caught("no-persist-promise", 800, false, 0.05), 1);
}

TEST(PaxosFailpoints, AcceptLowerBallotIsCaught) {
  EXPECT_GE(caught("accept-lower-ballot", 20, true, 0), 1);
}

TEST(PaxosFailpoints, NoAdoptHighestIsCaught) {
  EXPECT_GE(caught("no-adopt-highest", 20, true, 0), 1);
}

TEST(PaxosFailpoints, LocalReadIsCaughtUnderPartitions) {
  EXPECT_GE(caught("local-read", 20, true, 0), 1);
}

}  // namespace
}  // namespace faultline::paxos
