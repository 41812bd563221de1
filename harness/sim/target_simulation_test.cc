// faultline sim on paxos and dht: the same seed gives the same history byte
// for byte; the correct builds are valid across seeds of every simulated
// nemesis; every paxos failpoint and the dht's eventual mode are caught
// within a fixed range of seeds (the seed printed when one is not).
#include <gtest/gtest.h>

#include "harness/sim/simulation.h"
#include "harness/sim/simulation_testing.h"

namespace faultline::sim {
namespace {

TEST_F(SimulationTest, PaxosAndDhtSameSeedSameHistoryByteForByte) {
  for (const std::string target : {"paxos", "dht"}) {
    const SimResult a =
        expect_same_seed_same_history(small_test("partition,kill,pause,loss", "", target), 3, 1000,
                                      {"\"f\":\"start-kill\"", "\"type\":\"ok\""});
    EXPECT_EQ(a.verdict, Verdict::kValid) << target << ": " << a.checkers[0].summary;
  }
}

TEST_F(SimulationTest, CorrectPaxosIsValidAcrossSeedsOfEveryNemesis) {
  for (const std::string nemesis : {"partition", "kill", "pause", "loss", "none"})
    expect_valid_seeds(small_test(nemesis, "", "paxos"), 3000, 24);
}

TEST_F(SimulationTest, CorrectDhtIsValidAcrossSeedsOfEveryNemesis) {
  for (const std::string nemesis : {"partition", "kill", "pause", "loss", "none"})
    expect_valid_seeds(small_test(nemesis, "", "dht"), 3000, 24);
}

// Every promise an acceptor grants followed by its crash and restart, with
// kills every 0.3 s (docs/sim.md, "Aimed kills").
TestConfig promise_kill_test(const std::string& failpoint = "") {
  TestConfig c = small_test("kill", failpoint, "paxos");
  c.nemesis_interval_s = 0.3;
  c.nemesis_opts["aimed-kill-percent"] = "100";
  return c;
}

TEST_F(SimulationTest, CorrectPaxosIsValidUnderAimedPromiseKills) {
  expect_valid_seeds(promise_kill_test(), 5000, 10);
  SimResult r;
  ASSERT_TRUE(simulate_test(promise_kill_test(), 5000, &r).is_ok());
  EXPECT_GT(r.aimed_kills, 0);
}

TEST_F(SimulationTest, PaxosFailpointsAreCaught) {
  expect_caught(small_test("partition", "local-read", "paxos"), 1, 20, "local-read");
  // Two proposers must overlap on a key: the real runs' 300 ops/s.
  TestConfig contended = small_test("partition", "accept-lower-ballot", "paxos");
  contended.rate = 300;
  contended.concurrency = 9;
  expect_caught(contended, 1, 20, "accept-lower-ballot");
  expect_caught(small_test("partition", "no-adopt-highest", "paxos"), 1, 20, "no-adopt-highest");
  // A forgotten promise matters when two proposers contend for a key: 300
  // ops/s again, and three promises in ten aimed at. Proposers wait for each
  // other's open rounds and skip the prepare of a key they just wrote, so
  // promises are rare: from seeds 1, 100001, ..., 400001 the first invalid
  // seed came after 74, 30, 171, 49 and 51 seeds of this config
  // (docs/benchmarks.md, "Detection in simulation"). From seed 1 it is seed
  // 74; the bound is three times the slowest try.
  TestConfig forgetful = promise_kill_test("no-persist-promise");
  forgetful.rate = 300;
  forgetful.concurrency = 9;
  forgetful.nemesis_opts["aimed-kill-percent"] = "30";
  expect_caught(forgetful, 1, 520, "no-persist-promise");
}

// The dht's eventual mode with R = W = 1 is not linearizable by design
// (targets/dht/README.md): under partitions the checker must say so.
TEST_F(SimulationTest, DhtEventualModeIsCaught) {
  TestConfig c = small_test("partition", "", "dht");
  c.opts = {{"mode", "eventual"}, {"r", "1"}, {"w", "1"}};
  expect_caught(c, 1, 20, "dht mode=eventual r=1 w=1");
}

}  // namespace
}  // namespace faultline::sim
