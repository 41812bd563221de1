// faultline sim with the workloads beyond register and counter: set, bank,
// list-append and rw-register run on the simulated cluster through the same KvOps as their real
// clients (MULTI/EXEC transactions included), byte for byte the same history per seed, checked by
// their own checkers and valid on correct raftkv (set also on paxos and dht) under every simulated
// nemesis; early-txn-reads is caught by list-append within a few seeds.
#include <gtest/gtest.h>

#include <iostream>

#include "harness/sim/shrink.h"
#include "harness/sim/simulation.h"
#include "harness/sim/simulation_testing.h"

namespace faultline::sim {
namespace {

TestConfig workload_test(const std::string& workload, const std::string& nemesis,
                         const std::string& target = "raftkv") {
  TestConfig c = small_test(nemesis, "", target);
  c.workload = workload;
  return c;
}

// The ok completions of op `f` in a history.
size_t oks(const SimResult& r, const std::string& f) {
  size_t n = 0;
  for (const Event& e : r.history.events)
    n += e.type == EventType::kOk && r.history.function_name(e) == f;
  return n;
}

struct WorkloadCase {
  std::string workload;
  std::string target;
  std::string f;    // an op of the workload that must complete ok
  size_t at_least;  // that many times in 10 virtual seconds
};

const std::vector<WorkloadCase>& workload_cases() {
  static const std::vector<WorkloadCase> cases = {{"set", "raftkv", "add", 100},
                                                  {"set", "paxos", "add", 100},
                                                  {"set", "dht", "add", 100},
                                                  {"bank", "raftkv", "transfer", 20},
                                                  {"list-append", "raftkv", "txn", 100},
                                                  {"rw-register", "raftkv", "txn", 100}};
  return cases;
}

TEST_F(SimulationTest, EveryWorkloadRunsSameSeedSameHistoryAndIsChecked) {
  for (const WorkloadCase& w : workload_cases()) {
    const TestConfig c = workload_test(w.workload, "partition,kill,pause,loss", w.target);
    const std::string what = w.workload + " on " + w.target;
    SCOPED_TRACE(what);
    const SimResult a = expect_same_seed_same_history(c, 3, 100, {"\"f\":\"start-kill\""});
    EXPECT_GE(oks(a, w.f), w.at_least) << what;
    ASSERT_FALSE(a.checkers.empty()) << what;
    EXPECT_EQ(a.verdict, Verdict::kValid)
        << what << ": " << a.checkers[0].summary << "\nreplay: " << replay_command(c, 3);
  }
}

// 5 seeds of every nemesis of `workload` on `target`.
void expect_valid_under_every_nemesis(const std::string& workload,
                                      const std::string& target = "raftkv") {
  for (const std::string nemesis : {"partition", "kill", "pause", "loss", "none"})
    expect_valid_seeds(workload_test(workload, nemesis, target), 3000, 5);
}

TEST_F(SimulationTest, CorrectRaftkvIsValidWithSetUnderEveryNemesis) {
  expect_valid_under_every_nemesis("set");
}

// paxos's set is its slowest workload: every SADD rewrites the whole set.
TEST_F(SimulationTest, CorrectPaxosIsValidWithSetUnderEveryNemesis) {
  expect_valid_under_every_nemesis("set", "paxos");
}

TEST_F(SimulationTest, CorrectDhtIsValidWithSetUnderEveryNemesis) {
  expect_valid_under_every_nemesis("set", "dht");
}

TEST_F(SimulationTest, CorrectRaftkvIsValidWithBankUnderEveryNemesis) {
  expect_valid_under_every_nemesis("bank");
}

TEST_F(SimulationTest, CorrectRaftkvIsValidWithListAppendUnderEveryNemesis) {
  expect_valid_under_every_nemesis("list-append");
}

TEST_F(SimulationTest, CorrectRaftkvIsValidWithRwRegisterUnderEveryNemesis) {
  expect_valid_under_every_nemesis("rw-register");
}

// early-txn-reads answers a MULTI's reads at EXEC, before its writes
// commit: list-append's checker sees the anomalies without any fault.
TestConfig early_txn_reads_test() {
  TestConfig c = workload_test("list-append", "none");
  c.opts["unsafe-failpoint"] = "early-txn-reads";
  return c;
}

TEST_F(SimulationTest, EarlyTxnReadsIsCaughtByListAppend) {
  const TestConfig c = early_txn_reads_test();
  int tried = 0;
  const uint64_t seed = first_invalid(c, 1, 5, &tried);
  EXPECT_NE(seed, 0u) << "early-txn-reads not caught in seeds 1-5: " << replay_command(c, 1);
  std::cout << "early-txn-reads: first invalid seed " << seed << "\n";
}

// The shrinker cuts its failing seed to one or two transactions (one alone
// suffices: a read of a key it appended to that misses its own append), and
// the shrunk test, transactions in its scenario, fails again when replayed.
TEST_F(SimulationTest, EarlyTxnReadsShrinksToATransactionThatFailsWhenReplayed) {
  ShrinkOptions options;
  options.max_runs = 200;
  ShrinkResult r;
  ASSERT_TRUE(shrink(early_txn_reads_test(), 1, options, &r).is_ok());
  EXPECT_LE(r.after.ops, 2u) << replay_command(early_txn_reads_test(), 1);
  SimResult replayed;
  ASSERT_TRUE(simulate_test(r.config, 1, &replayed).is_ok());
  EXPECT_EQ(replayed.verdict, Verdict::kInvalid);
  EXPECT_EQ(replayed.jsonl(), r.smallest.jsonl());
}

}  // namespace
}  // namespace faultline::sim
