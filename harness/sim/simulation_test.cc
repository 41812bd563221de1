// faultline sim's core: determinism by seed, read failpoints and no-fsync caught within
// a bounded number of seeds, correct raftkv valid across seeds of every
// simulated nemesis, and the plans it refuses. Each seed is
// 10 virtual seconds of a 3-node cluster (tens of ms of wall time).
#include "harness/sim/simulation.h"

#include <gtest/gtest.h>

#include "harness/sim/sim_test_support.h"

namespace faultline::sim {
namespace {

class SimulationTest : public QuietSimTest {};

// The first of `count` seeds from `first` whose history is invalid, or 0.
uint64_t first_invalid(const TestConfig& c, uint64_t first, int count, int* tried) {
  for (*tried = 1; *tried <= count; ++*tried) {
    const uint64_t seed = first + static_cast<uint64_t>(*tried - 1);
    SimResult r;
    const Status st = simulate_test(c, seed, &r);
    EXPECT_TRUE(st.is_ok()) << "seed " << seed << ": " << st.message();
    if (r.verdict == Verdict::kInvalid) return seed;
  }
  return 0;
}

TEST_F(SimulationTest, SameSeedSameHistoryByteForByte) {
  const TestConfig c = small_test("partition,kill,pause,loss");
  SimResult a, b, other;
  ASSERT_TRUE(simulate_test(c, 7, &a).is_ok());
  ASSERT_TRUE(simulate_test(c, 7, &b).is_ok());
  ASSERT_TRUE(simulate_test(c, 8, &other).is_ok());
  EXPECT_EQ(a.jsonl, b.jsonl);
  EXPECT_NE(a.jsonl, other.jsonl);
  // A real test: hundreds of ops, faults, and ops of every outcome.
  EXPECT_GT(a.history.events.size(), 1000u);
  EXPECT_NE(a.jsonl.find("\"f\":\"start-kill\""), std::string::npos);
  EXPECT_NE(a.jsonl.find("\"type\":\"ok\""), std::string::npos);
  EXPECT_NE(a.jsonl.find("\"type\":\"info\""), std::string::npos);
  EXPECT_NE(a.jsonl.find("\"f\":\"heal\""), std::string::npos);
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

// The test that catches no-persist-vote (docs/sim.md, "Aimed kills"):
// elections every few ticks of 10 ms, kills every 0.3 s, and every granted
// vote followed by the voter's crash and restart, so that a node that forgot
// its vote grants it again to a second candidate of the same term.
TestConfig vote_kill_test(const std::string& failpoint = "") {
  TestConfig c = small_test("kill", failpoint);
  c.nemesis_interval_s = 0.3;
  c.opts["heartbeat-ms"] = "10";
  c.opts["election-ms"] = "30";
  c.nemesis_opts["vote-kill-percent"] = "100";
  return c;
}

TEST_F(SimulationTest, NoPersistVoteIsCaughtByAimedKills) {
  int tried = 0;
  const uint64_t seed = first_invalid(vote_kill_test("no-persist-vote"), 1, 120, &tried);
  EXPECT_NE(seed, 0u) << "no-persist-vote not caught in seeds 1-120";
}

// The same aimed kills do a node that syncs its vote before sending it no
// harm: it recovers the vote.
TEST_F(SimulationTest, CorrectRaftkvIsValidUnderAimedKills) {
  for (uint64_t seed = 5000; seed < 5060; ++seed) {
    SimResult r;
    ASSERT_TRUE(simulate_test(vote_kill_test(), seed, &r).is_ok());
    ASSERT_EQ(r.verdict, Verdict::kValid)
        << "seed " << seed << ": " << r.checkers[0].summary << r.node_error
        << "\nreplay: " << replay_command(vote_kill_test(), seed);
    EXPECT_GT(r.vote_kills, 0) << "seed " << seed;
  }
}

TEST_F(SimulationTest, CorrectRaftkvIsValidAcrossSeedsOfEveryNemesis) {
  for (const std::string nemesis : {"partition", "kill", "pause", "loss", "none"}) {
    for (uint64_t seed = 3000; seed < 3040; ++seed) {
      SimResult r;
      ASSERT_TRUE(simulate_test(small_test(nemesis), seed, &r).is_ok());
      ASSERT_EQ(r.verdict, Verdict::kValid)
          << "nemesis " << nemesis << ", seed " << seed << ": " << r.checkers[0].summary
          << r.node_error << "\nreplay: " << replay_command(small_test(nemesis), seed);
    }
  }
}

TEST_F(SimulationTest, RefusesWhatItDoesNotSimulate) {
  TestConfig dht = small_test("kill");
  dht.target = "dht";
  TestConfig bank = small_test("kill");
  bank.workload = "bank";
  TestConfig clock = small_test("partition,clock");
  TestConfig typo = small_test("kill", "no-such-failpoint");
  TestConfig no_entries = small_test("kill");
  no_entries.opts["max-append-entries"] = "0";
  TestConfig vote_kills = small_test("kill");
  vote_kills.nemesis_opts["vote-kill-percent"] = "101";
  TestConfig disk = small_test("disk");
  TestConfig diskfs = small_test("kill");
  diskfs.opts["diskfs"] = "true";
  for (const TestConfig& c : {dht, bank, clock, typo, no_entries, vote_kills, disk, diskfs}) {
    const Status st = check_sim_plan(c);
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << st.message();
  }
  EXPECT_NE(check_sim_plan(clock).message().find("clock"), std::string::npos);
  EXPECT_NE(check_sim_plan(disk).message().find("disk"), std::string::npos);
  EXPECT_NE(check_sim_plan(diskfs).message().find("--opt diskfs: faultline sim has no file system"), std::string::npos);
  EXPECT_TRUE(check_sim_plan(small_test("partition,kill,pause,loss")).is_ok());
  TestConfig one_entry = small_test("kill");
  one_entry.opts["max-append-entries"] = "1";
  EXPECT_TRUE(check_sim_plan(one_entry).is_ok());
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
