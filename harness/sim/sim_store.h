// A simulated run in the store, like a `faultline run`: its directory
// <store>/<test>/<timestamp>/ with history.jsonl, run.json and report.html,
// and its row in the database. The config says "simulated": true, and the
// test's default name starts with "sim-", so `faultline runs` and the
// browser tell simulated runs from real ones.
#pragma once

#include <string>

#include "base/status.h"
#include "harness/run/test_config.h"
#include "harness/sim/simulation.h"

namespace faultline::sim {

// `config` as the seed's run: simulated, seed set, named sim-<test>.
TestConfig sim_run_config(const TestConfig& config, uint64_t seed);

// Stores `result` (exit code `code`); *dir gets the run directory.
Status store_sim_run(const TestConfig& config, const SimResult& result, int code, std::string* dir);

}  // namespace faultline::sim
