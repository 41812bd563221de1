// Scenarios in test files: written by test_file_text and read back the same
// (times to the nanosecond, values of every JSON type, a seed above
// INT64_MAX), bad entries named by line, a history's main phase recorded
// with each fault's choice, and faults the test does not plan refused.
#include "harness/run/scenario.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "harness/run/test_config.h"
#include "harness/run/test_plan.h"
#include "history/reader.h"

namespace faultline {
namespace {

std::string write_file(const std::string& text) {
  const std::string path = std::filesystem::temp_directory_path() /
                           ("faultline-scenario-" + std::to_string(getpid()) + ".toml");
  std::ofstream(path) << text;
  return path;
}

Scenario example() {
  Scenario s;
  s.ops.push_back({0, 0, "read", 0, nullptr});
  s.ops.push_back({1'234'567'891, 7, "cas", "k\"1", {1, 2}});
  s.ops.push_back({2'000'000'000, 1, "write", nullptr, 2.5});
  s.ops.push_back({2'000'000'001, 1, "write", 3, 3.0});
  s.ops.push_back({3'000'000'000, 2, "txn", nullptr, nlohmann::json::parse(R"([["r", 1, null]])")});
  s.faults.push_back({500'000'000, kNemesisProcess, "start-partition", nullptr,
                      nlohmann::json::parse(
                          R"({"spec": "halves", "grudge": {"n1": ["n2", "n3"], "n2": ["n1"]}})")});
  s.faults.push_back({900'000'000, kNemesisProcess, "stop-partition", nullptr, nullptr});
  s.faults.push_back({950'000'000, kNemesisProcess, "start-kill", nullptr, "leader"});
  return s;
}

void expect_same(const std::vector<ScenarioEvent>& a, const std::vector<ScenarioEvent>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].at, b[i].at) << i;
    EXPECT_EQ(a[i].process, b[i].process) << i;
    EXPECT_EQ(a[i].f, b[i].f) << i;
    EXPECT_EQ(a[i].key.dump(), b[i].key.dump()) << i;  // dump: 3.0 and 3 differ
    EXPECT_EQ(a[i].value.dump(), b[i].value.dump()) << i;
  }
}

TEST(ScenarioTest, ATestFileWithAScenarioReadsBackTheSame) {
  TestConfig c;
  c.nodes = 3;
  c.nemesis = "partition,kill";
  c.time_limit_s = 3.5;
  c.seed = 18'000'000'000'000'000'000u;
  c.seed_given = true;
  c.opts["unsafe-failpoint"] = "follower-read";
  c.nemesis_opts["vote-kill-percent"] = "100";
  c.scenario = std::make_shared<const Scenario>(example());
  const std::string text = test_file_text(c);
  const std::string path = write_file(text);
  TestConfig back;
  const Status st = read_test_file(path, &back);
  ASSERT_TRUE(st.is_ok()) << st.message() << "\n" << text;
  EXPECT_EQ(back.nodes, 3);
  EXPECT_EQ(back.nemesis, "partition,kill");
  EXPECT_DOUBLE_EQ(back.time_limit_s, 3.5);
  EXPECT_EQ(back.seed, c.seed);
  EXPECT_EQ(back.opts, c.opts);
  EXPECT_EQ(back.nemesis_opts, c.nemesis_opts);
  ASSERT_NE(back.scenario, nullptr);
  expect_same(back.scenario->ops, c.scenario->ops);
  expect_same(back.scenario->faults, c.scenario->faults);
  EXPECT_EQ(back.to_json()["scenario"], (nlohmann::json{{"ops", 5}, {"faults", 3}}));
  EXPECT_EQ(test_file_text(back), text);
  std::filesystem::remove(path);
}

TEST(ScenarioTest, BadEventsNameTheirLine) {
  struct Case {
    const char* text;
    const char* expected;
  } cases[] = {
      {"[scenario]\nops = [\n  {at = -1, process = 0, f = \"read\"},\n]\n",
       ":3: scenario.ops.at: expected seconds from 0"},
      {"[scenario]\nops = [\n  {at = 1, f = \"read\"},\n]\n",
       ":3: scenario.ops: every event needs"},
      {"[scenario]\nfaults = [\n  {at = 1, process = 2, f = \"start-kill\"},\n]\n",
       ":3: scenario.faults: unknown key 'process'"},
      {"[scenario]\nops = 3\n", ":2: scenario.ops: expected an array of tables"},
      {"[scenario]\nsteps = []\n", ":2: scenario: unknown key 'steps'"},
      {"scenario = 1\n", ":1: 'scenario' must be a table"},
      {"[scenario]\nops = [{at = 1, process = 0, f = \"w\", value_json = \"[1,\"}]\n",
       ":2: scenario.ops.value_json: expected a JSON text"},
  };
  for (const Case& k : cases) {
    const std::string path = write_file(k.text);
    TestConfig c;
    const Status st = read_test_file(path, &c);
    EXPECT_EQ(st.code(), Status::Code::kMalformed) << k.text;
    EXPECT_NE(st.message().find(path + k.expected), std::string::npos) << st.message();
    std::filesystem::remove(path);
  }
}

TEST(ScenarioTest, AHistorysMainPhaseIsRecordedWithEachFaultsChoice) {
  const std::string jsonl =
      R"({"type":"invoke","process":0,"time":10,"f":"write","key":4,"value":1}
{"type":"invoke","process":"nemesis","time":20,"f":"start-kill","value":null}
{"type":"info","process":"nemesis","time":25,"f":"start-kill","value":{"spec":"minority","killed":["n2"]}}
{"type":"info","process":0,"time":30,"f":"write","key":4,"value":1}
{"type":"invoke","process":6,"time":40,"f":"read","key":4,"value":null}
{"type":"invoke","process":"nemesis","time":50,"f":"stop-kill","value":null}
{"type":"info","process":"nemesis","time":55,"f":"stop-kill","value":{"restarted":["n2"]}}
{"type":"ok","process":6,"time":60,"f":"read","key":4,"value":1}
{"type":"invoke","process":"nemesis","time":70,"f":"heal","value":null}
{"type":"info","process":"nemesis","time":80,"f":"heal","value":{"recovered":true}}
{"type":"invoke","process":1,"time":90,"f":"read","value":null}
{"type":"ok","process":1,"time":95,"f":"read","value":1}
)";
  History h;
  ASSERT_TRUE(parse_jsonl(jsonl, "test", &h).is_ok());
  Scenario s;
  ASSERT_TRUE(scenario_from_history(h, &s).is_ok());
  ASSERT_EQ(s.ops.size(), 2u);  // not the final read after the heal
  EXPECT_EQ(s.ops[0].at, 10);
  EXPECT_EQ(s.ops[0].key, 4);
  EXPECT_EQ(s.ops[0].value, 1);
  EXPECT_EQ(s.ops[1].process, 6);
  EXPECT_EQ(s.ops[1].f, "read");
  ASSERT_EQ(s.faults.size(), 2u);
  EXPECT_EQ(s.faults[0].value, nlohmann::json::parse(R"({"spec":"minority","killed":["n2"]})"));
  EXPECT_EQ(s.faults[1].f, "stop-kill");
  EXPECT_TRUE(s.faults[1].value.is_null());
}

TEST(ScenarioTest, FaultsMustBeOfPlannedKindsWithValuesTheNemesisTakes) {
  auto check = [](const std::string& nemesis, ScenarioEvent fault) {
    TestConfig c;
    c.nemesis = nemesis;
    auto s = std::make_shared<Scenario>();
    fault.process = kNemesisProcess;
    s->faults.push_back(std::move(fault));
    c.scenario = s;
    return check_plan(c);
  };
  EXPECT_TRUE(check("kill", {0, 0, "start-kill", nullptr, "one"}).is_ok());
  EXPECT_TRUE(
      check("kill", {0, 0, "start-kill", nullptr, {{"spec", "one"}, {"killed", {"n1"}}}}).is_ok());
  EXPECT_TRUE(check("partition", {0, 0, "stop-partition", nullptr, nullptr}).is_ok());
  for (const auto& [nemesis, fault] : std::vector<std::pair<std::string, ScenarioEvent>>{
           {"kill", {0, 0, "start-pause", nullptr, "one"}},
           {"kill", {0, 0, "kill", nullptr, nullptr}},
           {"kill", {0, 0, "start-kill", nullptr, {{"spec", "one"}, {"grudge", {}}}}},
           {"kill", {0, 0, "start-kill", nullptr, 3}}}) {
    const Status st = check(nemesis, fault);
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << fault.f << " " << fault.value;
    EXPECT_NE(st.message().find("scenario fault " + fault.f), std::string::npos) << st.message();
  }
}

}  // namespace
}  // namespace faultline
