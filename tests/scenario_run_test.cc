// Scenario portability (issue 17, part 5): the test file `faultline sim
// --shrink` writes runs unchanged with `faultline run` on a real local
// cluster, and the real run's history holds the scenario's ops and faults —
// each fault on the nodes or grudge the simulation chose. The verdict need
// not match: real timing differs (docs/sim.md, "Portability"). Needs root
// (label: cluster).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "harness/run/scenario.h"
#include "harness/run/test_config.h"
#include "history/reader.h"
#include "tests/run_support.h"

namespace {

using namespace run_support;
using faultline::Scenario;
using faultline::ScenarioEvent;

// What a real run may keep of a client op: its f, key and value (its process
// may differ, as ops end differently), counted.
std::map<std::string, int> op_counts(const std::vector<ScenarioEvent>& ops) {
  std::map<std::string, int> out;
  for (const ScenarioEvent& e : ops) ++out[e.f + " " + e.key.dump() + " " + e.value.dump()];
  return out;
}

class scenario : public ClusterTest {};

TEST_F(scenario, AShrunkTestFileRunsOnARealClusterWithItsOpsAndFaults) {
  std::vector<std::string> sim = {"sim", "--store", (tmp_.path() / "sim").string()};
  const std::vector<std::string> test = small_sim_test();
  sim.insert(sim.end(), test.begin(), test.end());
  sim.insert(sim.end(),
             {"--nemesis", "partition", "--opt", "unsafe-failpoint=follower-read", "--seed", "1",
              "--seeds", "20", "--jobs", "2", "--shrink", "--shrink-budget", "200"});
  const Result shrunk = faultline(sim);
  ASSERT_EQ(shrunk.code, 1) << said(shrunk);
  const size_t at = shrunk.out.find("  test file: ");
  ASSERT_NE(at, std::string::npos) << said(shrunk);
  const std::string file = shrunk.out.substr(at + 13, shrunk.out.find('\n', at) - at - 13);
  faultline::TestConfig config;
  ASSERT_TRUE(faultline::read_test_file(file, &config).is_ok()) << file;
  ASSERT_NE(config.scenario, nullptr);
  ASSERT_FALSE(config.scenario->ops.empty());

  const Result r = faultline(run_args("portable", {"--test", file}));
  EXPECT_TRUE(r.code == 0 || r.code == 1) << said(r);  // completed, valid or not
  const fs::path dir = run_dir(store(), "portable");
  const nlohmann::json manifest = nlohmann::json::parse(read_file(dir / "run.json"));
  EXPECT_EQ(manifest["status"], "done");
  EXPECT_EQ(manifest["config"]["simulated"], false);
  EXPECT_EQ(manifest["config"]["scenario"]["ops"], config.scenario->ops.size());

  faultline::History history;
  ASSERT_TRUE(faultline::parse_jsonl(read_file(dir / "history.jsonl"), "real", &history).is_ok());
  Scenario real;
  ASSERT_TRUE(faultline::scenario_from_history(history, &real).is_ok());
  EXPECT_EQ(op_counts(real.ops), op_counts(config.scenario->ops));
  ASSERT_EQ(real.faults.size(), config.scenario->faults.size());
  for (size_t i = 0; i < real.faults.size(); ++i) {
    EXPECT_EQ(real.faults[i].f, config.scenario->faults[i].f) << i;
    EXPECT_EQ(real.faults[i].value, config.scenario->faults[i].value) << i;  // the same nodes
  }
}

}  // namespace
