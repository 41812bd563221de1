// Scenario: a test's main phase written out — every client operation and
// every nemesis event, each with its time — to replay instead of the random
// generator and fault schedule (docs/sim.md, "Scenario files"). A test file's
// [scenario] table holds one; `faultline sim` replays it on virtual time
// (with the seed still drawing the network's and disks' randomness, the
// same run byte for byte), `faultline run` on a real cluster at the same
// offsets (real timing differs). The vocabulary is the run's own: client ops
// are the workload's (f, key, value as in the history), faults are the
// nemesis's start-X / stop-X ops, a start's value carrying the nodes or the
// grudge its recorded run chose (nemesis.h, FaultStart).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "harness/generator/generator.h"
#include "history/history.h"
#include "nemesis/nemesis.h"

namespace faultline {

struct ScenarioEvent {
  int64_t at = 0;  // ns since the test started: when it starts (or once its thread is free)
  // A client op's process: it runs on thread process % concurrency, as the
  // process did. Faults: kNemesisProcess.
  int64_t process = 0;
  std::string f;
  nlohmann::json key;    // null: none
  nlohmann::json value;  // an op's argument; a start's spec or {"spec", choice}; null
};

struct Scenario {
  std::vector<ScenarioEvent> ops;     // client ops, in the order they run per process
  std::vector<ScenarioEvent> faults;  // nemesis ops, in the order they run
};

// The scenario of a recorded history (simulated or real): the invokes of
// its main phase (before the final phase's heal), each fault start with the
// choice its completion recorded (fault_replay_value).
Status scenario_from_history(const History& history, Scenario* out);

// Whether `scenario` fits a test planning `plans`: every fault is start-X or
// stop-X of a planned kind X with a value the nemesis takes, every op has a
// process >= 0 and an f. invalid_argument naming the event.
Status check_scenario(const Scenario& scenario, const std::vector<FaultPlan>& plans);

// The main phase that replays `scenario` on `concurrency` client threads and
// the nemesis thread: its events at their times (gen::script). It lasts
// `time_limit` (ns), as the random main phase does, or until its last event
// started if that is later (every event runs, however late).
GenPtr scenario_generator(const Scenario& scenario, int concurrency, int64_t time_limit);

// The [scenario] table of a test file holding `scenario` (ops = [...],
// faults = [...], one inline table a line; parse_scenario reads it back).
std::string scenario_toml(const Scenario& scenario);

}  // namespace faultline
