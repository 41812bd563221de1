// One `faultline sim` seed: the test a TestConfig describes — the same
// workload, generator (test_plan.h's run_generator: main phase, heal, final
// reads), nemesis schedule and checkers as `faultline run` — run against a
// simulated cluster of the target (sim_cluster.h, sim_target.h: raftkv,
// paxos, dht) on virtual time, in one thread.
// Every random choice derives from the seed, so a seed gives the same
// history, byte for byte, on every run and machine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "checkers/checker.h"
#include "harness/generator/op.h"
#include "harness/run/test_config.h"
#include "history/history.h"

namespace faultline::sim {

// Whether `config` can be simulated (on top of check_plan): target raftkv,
// paxos or dht with options it honours, a workload the target runs (as for
// faultline run: every workload on raftkv; not bank, list-append nor
// rw-register on paxos; register and set on dht), fault kinds
// simulated_fault_kinds().
// invalid_argument saying what is not.
Status check_sim_plan(const TestConfig& config);

struct SimResult {
  uint64_t seed = 0;
  std::vector<Op> recorded;  // the history's events, in order
  History history;           // the same events as the checkers read them
  Verdict verdict = Verdict::kUnknown;
  std::vector<CheckResult> checkers;
  // Non-empty when a node could not recover from its disk after a crash:
  // also a bug the simulation found (the verdict is then at best unknown).
  std::string node_error;
  int64_t events = 0;       // events of the simulated world that ran
  int64_t aimed_kills = 0;  // aimed kills and stalls (SimCluster::set_aimed_faults)
  int64_t aimed_stalls = 0;
  int64_t virtual_ns = 0;   // virtual time at the end
  double wall_seconds = 0;  // how long the simulation and the check took

  // The history as faultline run writes history.jsonl. Rendered on demand:
  // most seeds are checked and dropped, and the text would cost more than
  // the check (docs/benchmarks.md, "Speed for a virtual minute").
  std::string jsonl() const;
};

// Simulates `config` with `seed` (config.seed is ignored) and checks the
// history. Errors are the config's (check_sim_plan) or the history's.
Status simulate_test(const TestConfig& config, uint64_t seed, SimResult* out);

// The command line that replays `seed` of `config`.
std::string replay_command(const TestConfig& config, uint64_t seed);

}  // namespace faultline::sim
