// Scenarios in faultline sim: a seed's recorded scenario replays that seed's
// run byte for byte but for the faults' invokes, which now ask for the
// choice they made (client ops and faults at their recorded times, each
// fault on the nodes or grudge it chose), and twice alike; a recorded choice is
// applied as given; a scenario whose faults the test does not plan is
// refused.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "harness/run/scenario.h"
#include "harness/sim/simulation.h"
#include "harness/sim/simulation_testing.h"

namespace faultline::sim {
namespace {

class ScenarioReplayTest : public QuietSimTest {};

// The history with the faults' invoke values left out: a replayed start asks
// for the choice its recording made ({spec, nodes}) where the original asked
// for a random one (null); everything else must be the same.
std::string without_fault_asks(const std::string& jsonl) {
  std::string out;
  std::istringstream lines(jsonl);
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json e = nlohmann::json::parse(line);
    if (e["process"] == "nemesis" && e["type"] == "invoke") e["value"] = nullptr;
    out += e.dump() + "\n";
  }
  return out;
}

TestConfig with(const TestConfig& config, const Scenario& scenario) {
  TestConfig c = config;
  c.scenario = std::make_shared<const Scenario>(scenario);
  return c;
}

TEST_F(ScenarioReplayTest, ARecordedScenarioReplaysItsSeedByteForByte) {
  for (const std::string nemesis : {"partition,kill,pause,loss", "none"}) {
    for (uint64_t seed : {7, 8}) {
      const TestConfig config = small_test(nemesis);
      SimResult original;
      ASSERT_TRUE(simulate_test(config, seed, &original).is_ok());
      Scenario scenario;
      ASSERT_TRUE(scenario_from_history(original.history, &scenario).is_ok());
      EXPECT_GT(scenario.ops.size(), 500u);
      if (nemesis != "none") {
        EXPECT_GT(scenario.faults.size(), 4u);
      }
      SimResult replay, again;
      ASSERT_TRUE(simulate_test(with(config, scenario), seed, &replay).is_ok());
      ASSERT_TRUE(simulate_test(with(config, scenario), seed, &again).is_ok());
      EXPECT_EQ(without_fault_asks(replay.jsonl()), without_fault_asks(original.jsonl()))
          << nemesis << ", seed " << seed;
      EXPECT_EQ(again.jsonl(), replay.jsonl()) << nemesis << ", seed " << seed;
    }
  }
}

TEST_F(ScenarioReplayTest, RecordedChoicesAreAppliedAsGiven) {
  Scenario s;
  s.ops.push_back({100'000'000, 0, "write", 0, 5});
  s.faults.push_back(
      {200'000'000, kNemesisProcess, "start-kill", nullptr, {{"spec", "one"}, {"killed", {"n2"}}}});
  s.faults.push_back({300'000'000, kNemesisProcess, "stop-kill", nullptr, nullptr});
  s.faults.push_back({400'000'000,
                      kNemesisProcess,
                      "start-partition",
                      nullptr,
                      {{"spec", "isolate-one"},
                       {"grudge", {{"n3", {"n1", "n2"}}, {"n1", {"n3"}}, {"n2", {"n3"}}}}}});
  TestConfig c = with(small_test("kill,partition"), s);
  c.time_limit_s = 1;
  SimResult r;
  ASSERT_TRUE(simulate_test(c, 1, &r).is_ok());
  // The completions say the recorded choices were made, without an error.
  std::map<std::string, nlohmann::json> done;  // f -> its completion
  std::istringstream lines(r.jsonl());
  for (std::string line; std::getline(lines, line);) {
    const nlohmann::json e = nlohmann::json::parse(line);
    if (e["type"] == "info" && e["process"] == "nemesis") done[e["f"]] = e;
  }
  ASSERT_TRUE(done.contains("start-kill")) << r.jsonl();
  EXPECT_EQ(done["start-kill"]["value"]["killed"], nlohmann::json({"n2"}));
  EXPECT_FALSE(done["start-kill"].contains("error")) << done["start-kill"];
  ASSERT_TRUE(done.contains("start-partition")) << r.jsonl();
  EXPECT_EQ(done["start-partition"]["value"]["isolated"], nlohmann::json({"n3"}));
  EXPECT_EQ(done["start-partition"]["value"]["grudge"]["n1"], nlohmann::json({"n3"}));
  EXPECT_NE(r.jsonl().find(R"("f":"write")"), std::string::npos);
}

TEST_F(ScenarioReplayTest, FaultsTheTestDoesNotPlanAreRefused) {
  Scenario s;
  s.faults.push_back({0, kNemesisProcess, "start-pause", nullptr, "one"});
  const Status st = check_sim_plan(with(small_test("kill"), s));
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("start-pause"), std::string::npos) << st.message();
  Scenario bad_value;
  bad_value.faults.push_back({0, kNemesisProcess, "start-kill", nullptr, {{"spec", "one"}}});
  EXPECT_EQ(check_sim_plan(with(small_test("kill"), bad_value)).code(),
            Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace faultline::sim
