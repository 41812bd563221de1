// faultline sim's timing faults on raftkv: clock offsets on the nodes' wall
// clocks, latency on their links, and the servers' tickers (a paused
// lease-read or lease-from-ack server skips its missed ticks). With the
// tunings of suites/nightly.toml, each read failpoint is caught within a
// fixed range of seeds under the faults that catch it on a real cluster,
// the controls stay valid as they do there, and the correct build is valid
// under every clock and latency spec simulated; a seed still gives the
// same history byte for byte.
#include <gtest/gtest.h>

#include "harness/sim/simulation.h"
#include "harness/sim/simulation_testing.h"

namespace faultline::sim {
namespace {

// suites/nightly.toml's case `name`, with `nemesis` (the real runs' rate).
TestConfig nightly(const std::string& name, const std::string& nemesis) {
  TestConfig c = small_test(nemesis);
  c.rate = 300;
  if (name == "stale-read") {
    c.workload = "counter";
    c.nemesis_interval_s = 2;
    c.op_timeout_s = 0.15;
    c.opts = {{"unsafe-failpoint", "stale-read"}, {"election-ms", "300"}, {"heartbeat-ms", "100"}};
  } else if (name == "lease-read") {
    c.workload = "counter";
    c.nemesis_interval_s = 1.5;
    c.op_timeout_s = nemesis == "pause:leader" ? 1 : 0.2;
    c.opts = {{"unsafe-failpoint", "lease-read"}, {"election-ms", "500"}, {"heartbeat-ms", "100"}};
    c.nemesis_opts = {{"bump-s", "5"}};
  } else {  // lease-from-ack
    c.nemesis_interval_s = 3;
    c.op_timeout_s = 0.2;
    c.opts = {
        {"unsafe-failpoint", "lease-from-ack"}, {"election-ms", "700"}, {"heartbeat-ms", "25"}};
    c.nemesis_opts = {{"latency-ms", "1050"}};
  }
  return c;
}

void expect_caught_within(const TestConfig& c, int count) {
  expect_caught(c, 1, count, c.opts.at("unsafe-failpoint") + " under " + c.nemesis);
}

TEST_F(SimulationTest, StaleReadIsCaughtUnderPartitions) {
  expect_caught_within(nightly("stale-read", "partition"), 5);
}

TEST_F(SimulationTest, LeaseReadIsCaughtUnderPausesAndClockBumps) {
  expect_caught_within(nightly("lease-read", "pause:leader"), 10);
  expect_caught_within(nightly("lease-read", "partition:isolate-leader,clock:bump-leader"), 10);
}

TEST_F(SimulationTest, LeaseFromAckIsCaughtUnderOneWayLeaderLatency) {
  expect_caught_within(nightly("lease-from-ack", "latency:one-way-leader"), 20);
}

// The real runs' controls: lease-read's lease holds under partitions and
// latency, lease-from-ack's without message delay.
TEST_F(SimulationTest, LeasesHoldWhereTheRealRunsFindThemSound) {
  expect_valid_seeds(nightly("lease-read", "partition"), 1, 10);
  TestConfig latency = nightly("lease-from-ack", "latency:slow-leader+delay+one-way-leader");
  latency.opts["unsafe-failpoint"] = "lease-read";
  expect_valid_seeds(latency, 1, 10);
  expect_valid_seeds(nightly("lease-from-ack", "partition,pause,kill"), 1, 10);
}

TEST_F(SimulationTest, CorrectRaftkvIsValidUnderClockAndLatencyFaults) {
  expect_valid_seeds(small_test("clock"), 3000, 20);
  TestConfig latency = small_test("latency:delay+one+slow-leader+one-way-leader+reorder");
  latency.nemesis_opts["latency-ms"] = "500";
  expect_valid_seeds(latency, 3000, 20);
}

TEST_F(SimulationTest, ClockAndLatencyFaultsKeepTheSameSeedSameHistory) {
  expect_same_seed_same_history(
      small_test("partition,clock,latency:one-way-leader+reorder+delay", "lease-read"), 7, 500,
      {"\"f\":\"start-clock\"", "\"offsets_s\"", "\"f\":\"start-latency\"", "\"links\""});
}

}  // namespace
}  // namespace faultline::sim
