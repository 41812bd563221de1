// Scenario portability (issue 17, item 5), the simulation's side: every
// case of every suite file in suites/ whose target faultline sim simulates
// (raftkv, paxos, dht), built into a TestConfig as `faultline suite` builds
// it (read_suite_file, the same code as `faultline run --test-file`), is
// accepted by faultline sim (check_sim_plan: validation only, nothing
// runs), or refused with an error naming a fault kind or workload of
// kNotSimulatedYet. The end-to-end direction (a shrunk test file run
// unchanged on a real cluster) is tests/scenario_run_test.cc.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <regex>
#include <set>
#include <string>

#include "harness/sim/simulation.h"
#include "harness/suite/suite_file.h"
#include "nemesis/nemesis.h"

namespace faultline::sim {
namespace {

// What faultline sim may still refuse: latency's bandwidth spec (a plan of
// latency without specs may draw it; message sizes are not modelled).
// Remove it when it lands; nothing else may be refused.
const std::set<std::string> kNotSimulatedYet = {"latency"};

const std::set<std::string> kSimulatedTargets = {"raftkv", "paxos", "dht"};

// The fault kinds and the workload of `c` that kNotSimulatedYet lists.
std::set<std::string> not_simulated_yet(const TestConfig& c) {
  std::set<std::string> out;
  if (kNotSimulatedYet.contains(c.workload)) out.insert(c.workload);
  std::vector<FaultPlan> plans;
  EXPECT_TRUE(parse_fault_plans(c.nemesis_kinds(), &plans).is_ok()) << c.nemesis;
  for (const FaultPlan& p : plans)
    if (kNotSimulatedYet.contains(p.kind)) out.insert(p.kind);
  return out;
}

TEST(SimPortabilityTest, EverySuiteCaseOfASimulatedTargetIsAcceptedOrRefusedForANamedGap) {
  int accepted = 0, refused = 0;
  for (const auto& entry : std::filesystem::directory_iterator(FAULTLINE_SUITES_DIR)) {
    if (entry.path().extension() != ".toml") continue;
    Suite suite;
    ASSERT_TRUE(read_suite_file(entry.path().string(), &suite).is_ok()) << entry.path();
    for (const SuiteCase& c : suite.cases) {
      if (!kSimulatedTargets.contains(c.config.target)) continue;
      const std::string where =
          entry.path().filename().string() + ":" + std::to_string(c.line) + " (" + c.id + ")";
      const std::set<std::string> gaps = not_simulated_yet(c.config);
      const Status st = check_sim_plan(c.config);
      if (st.is_ok()) {
        ++accepted;
        continue;
      }
      ++refused;
      EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << where << ": " << st.message();
      EXPECT_FALSE(gaps.empty()) << where << ": refused for no listed gap: " << st.message();
      bool named = false;
      for (const std::string& gap : gaps)
        named = named || std::regex_search(st.message(), std::regex("\\b" + gap + "\\b"));
      EXPECT_TRUE(named) << where << ": the error names none of its gaps: " << st.message();
    }
  }
  // nightly.toml alone has dozens of cases of the three targets.
  EXPECT_GT(accepted, 20);
  std::cout << accepted << " cases accepted, " << refused << " refused for a listed gap\n";
}

}  // namespace
}  // namespace faultline::sim
