// faultline sim's core on raftkv: determinism by seed, read failpoints and
// no-fsync caught within a bounded number of seeds, correct raftkv valid
// across seeds of every simulated nemesis, and the plans it refuses. Each
// seed is 10 virtual seconds of a 3-node cluster (tens of ms of wall time).
// paxos and dht: target_simulation_test.cc.
#include "harness/sim/simulation.h"

#include <gtest/gtest.h>

#include <iostream>

#include "harness/sim/simulation_testing.h"

namespace faultline::sim {
namespace {

TEST_F(SimulationTest, SameSeedSameHistoryByteForByte) {
  // A real test: hundreds of ops, faults, and ops of every outcome.
  expect_same_seed_same_history(
      small_test("partition,kill,pause,loss"), 7, 1000,
      {"\"f\":\"start-kill\"", "\"type\":\"ok\"", "\"type\":\"info\"", "\"f\":\"heal\""});
}

// The read failpoints that the KvNode implements (not the core): served by
// the same code as in the server, they are caught within a few seeds.
TEST_F(SimulationTest, FollowerReadIsCaughtWithinTwentySeeds) {
  int tried = 0;
  const uint64_t seed = first_invalid(small_test("partition", "follower-read"), 1, 20, &tried);
  EXPECT_NE(seed, 0u) << "follower-read not caught in seeds 1-20";
}

TEST_F(SimulationTest, ReadCacheIsCaughtWithinTwentySeeds) {
  int tried = 0;
  const uint64_t seed = first_invalid(small_test("none", "read-cache"), 1, 20, &tried);
  EXPECT_NE(seed, 0u) << "read-cache not caught in seeds 1-20";
}

// no-fsync wraps the simulated disk as it wraps the real one: a kill of every
// node at once loses the acknowledged adds none of them synced.
TEST_F(SimulationTest, NoFsyncIsCaughtByKillsOfEveryNode) {
  TestConfig c = small_test("kill:all", "no-fsync");
  c.workload = "counter";
  int tried = 0;
  const uint64_t seed = first_invalid(c, 1, 20, &tried);
  EXPECT_NE(seed, 0u) << "no-fsync not caught in seeds 1-20";
}

// Requires `c` invalid within seeds 1..count, and prints the first
// invalid seed.
void expect_caught(const TestConfig& c, int count) {
  int tried = 0;
  const uint64_t seed = first_invalid(c, 1, count, &tried);
  const std::string failpoint = c.opts.at("unsafe-failpoint");
  EXPECT_NE(seed, 0u) << failpoint << " not caught in seeds 1-" << count;
  std::cout << failpoint << ": first invalid seed " << seed << "\n";
}

// Requires 60 seeds of `c` from `first` valid, with aimed faults (`aimed`:
// SimResult::aimed_kills or aimed_stalls) in the first.
void expect_valid_with_aimed_faults(const TestConfig& c, uint64_t first,
                                    int64_t SimResult::*aimed) {
  expect_valid_seeds(c, first, 60);
  SimResult r;
  ASSERT_TRUE(simulate_test(c, first, &r).is_ok());
  EXPECT_GT(r.*aimed, 0);
}

// small_test with elections every few ticks of 10 ms (timeouts of 30-60 ms
// against message latencies up to 2 ms), as the aimed faults' tests want.
TestConfig fast_elections(const std::string& nemesis, const std::string& failpoint) {
  TestConfig c = small_test(nemesis, failpoint);
  c.opts["heartbeat-ms"] = "10";
  c.opts["election-ms"] = "30";
  return c;
}

// The test that catches no-persist-vote (docs/sim.md, "Aimed kills"):
// fast elections, every granted vote followed by the
// voter's crash and restart, so that a node that forgot its vote grants it
// again to a second candidate of the same term; and, for the two candidates,
// faults every 0.1 s and a leader's new entries stalled one time in five for
// 40 ms (about one election timeout): both followers then lose it at once
// and campaign together, and the stalled leader comes back to vote twice.
TestConfig vote_kill_test(const std::string& failpoint = "") {
  TestConfig c = fast_elections("kill,pause", failpoint);
  c.nemesis_interval_s = 0.1;
  c.nemesis_opts["vote-kill-percent"] = "100";
  c.nemesis_opts["aimed-stall-percent"] = "20";
  c.nemesis_opts["aimed-stall-ms"] = "40";
  return c;
}

// The test that catches commit-any-term (docs/sim.md, "Aimed stalls"): the
// Raft paper's Figure 8 made by stalls aimed at leaders — a leader's new
// entry stays on it alone while another node wins the next term and appends
// its own at that index, the first regains leadership, sends its old entry
// alone (max-append-entries=1) and commits it by counting replicas, and,
// stalled at once, lets the second win again and overwrite it.
TestConfig figure8_test(const std::string& failpoint = "") {
  TestConfig c = fast_elections("pause", failpoint);
  c.opts["max-append-entries"] = "1";
  c.nemesis_opts["aimed-stall-percent"] = "50";
  return c;
}

// Each failpoint that needs aimed faults, its test, the seeds it must be
// caught in (from 1), and the aimed faults its test makes.
struct AimedCase {
  std::string failpoint;
  TestConfig (*test)(const std::string& failpoint);
  int caught_within;
  int64_t SimResult::*aimed;
};
const std::vector<AimedCase>& aimed_cases() {
  static const std::vector<AimedCase> cases = {
      {"no-persist-vote", vote_kill_test, 30, &SimResult::aimed_kills},
      {"commit-any-term", figure8_test, 60, &SimResult::aimed_stalls}};
  return cases;
}

TEST_F(SimulationTest, RaftFailpointsAreCaughtByAimedFaults) {
  for (const AimedCase& a : aimed_cases()) expect_caught(a.test(a.failpoint), a.caught_within);
}

// The same aimed faults do correct raftkv no harm: a node that syncs its
// vote before sending it recovers it, and a leader that commits only its
// own term's entries by counting loses none to the stalls.
TEST_F(SimulationTest, CorrectRaftkvIsValidUnderAimedFaults) {
  for (const AimedCase& a : aimed_cases())
    expect_valid_with_aimed_faults(a.test(""), 5000, a.aimed);
}

TEST_F(SimulationTest, CorrectRaftkvIsValidAcrossSeedsOfEveryNemesis) {
  for (const std::string nemesis : {"partition", "kill", "pause", "loss", "none"})
    expect_valid_seeds(small_test(nemesis), 3000, 40);
}

TEST_F(SimulationTest, RefusesWhatItDoesNotSimulate) {
  TestConfig etcd = small_test("kill");
  etcd.target = "etcd";
  TestConfig paxos_bank = small_test("kill");  // paxos has no MULTI/EXEC
  paxos_bank.target = "paxos";
  paxos_bank.workload = "bank";
  TestConfig bandwidth = small_test("latency:delay+bandwidth");
  TestConfig any_latency = small_test("latency");  // may draw bandwidth
  TestConfig typo = small_test("kill", "no-such-failpoint");
  TestConfig no_entries = small_test("kill");
  no_entries.opts["max-append-entries"] = "0";
  TestConfig vote_kills = small_test("kill");
  vote_kills.nemesis_opts["vote-kill-percent"] = "101";
  TestConfig aimed_kills = small_test("kill");
  aimed_kills.nemesis_opts["aimed-kill-percent"] = "101";
  TestConfig paxos_typo = small_test("kill", "no-persist-vote");  // raftkv's, not paxos's
  paxos_typo.target = "paxos";
  TestConfig dht_quorum = small_test("kill");
  dht_quorum.target = "dht";
  dht_quorum.opts["r"] = "1";  // r is for mode=eventual
  TestConfig ext4 = small_test("disk");
  ext4.opts["diskfs"] = "ext4";
  for (const TestConfig& c : {etcd, paxos_bank, bandwidth, any_latency, typo, no_entries,
                              vote_kills, aimed_kills, paxos_typo, dht_quorum, ext4}) {
    const Status st = check_sim_plan(c);
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << st.message();
  }
  EXPECT_EQ(check_sim_plan(paxos_bank).message(),
            "bank: expected a target with CAS and MULTI/EXEC");  // as faultline run says
  EXPECT_NE(check_sim_plan(bandwidth).message().find("latency:bandwidth"), std::string::npos);
  EXPECT_NE(check_sim_plan(ext4).message().find("strict durability model only"), std::string::npos);
  EXPECT_TRUE(check_sim_plan(small_test("partition,kill,pause,loss,disk,corrupt")).is_ok());
  EXPECT_TRUE(check_sim_plan(small_test("clock,latency:one-way-leader+reorder")).is_ok());
  TestConfig strict = small_test("disk");
  strict.opts["diskfs"] = "strict";
  EXPECT_TRUE(check_sim_plan(strict).is_ok());
  TestConfig one_entry = small_test("kill");
  one_entry.opts["max-append-entries"] = "1";
  EXPECT_TRUE(check_sim_plan(one_entry).is_ok());
  for (const std::string target : {"paxos", "dht"}) {
    TestConfig c = small_test("partition,kill,pause,loss");
    c.target = target;
    EXPECT_TRUE(check_sim_plan(c).is_ok()) << target;
  }
}

TEST_F(SimulationTest, ReplayCommandNamesTheSeedAndTheOptions) {
  const std::string cmd = replay_command(small_test("kill", "no-persist-vote"), 42);
  EXPECT_NE(cmd.find("faultline sim --target raftkv --workload register --nemesis kill"),
            std::string::npos);
  EXPECT_NE(cmd.find("--opt unsafe-failpoint=no-persist-vote"), std::string::npos);
  EXPECT_TRUE(cmd.ends_with("--seed 42")) << cmd;
}

}  // namespace
}  // namespace faultline::sim
