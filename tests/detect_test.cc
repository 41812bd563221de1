// Proof that each fault finds bugs (issue 6; docs/nemesis.md, "Proof that each
// fault finds bugs"): raftkv run with an unsafe failpoint that only breaks
// under one kind of fault must be judged invalid (exit 1) by `faultline run`
// under that fault, and the same runs without the failpoint, or with the
// failpoint under a fault that should not break it, valid (exit 0).
// bench/detect.sh measures the rates (docs/benchmarks.md, "Detection").
// Real local 3-node clusters; needs root (label: cluster); 35 s per run. The
// seeds fix the nemesis's choices, not the cluster's timing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/run_support.h"

namespace {

using namespace run_support;

struct Pair {
  const char* name;       // the test run's name
  const char* nemesis;    // --nemesis
  const char* failpoint;  // raftkv's --unsafe-failpoint
  uint64_t seed;
  std::vector<std::string> tuning;  // further `faultline run` flags
};

class detect : public ClusterTest {
 protected:
  // Runs the pair with `seed` (without its failpoint if `with_failpoint` is
  // false); returns the exit code and, in *why, the seed, the first anomaly
  // and what the command said.
  int run_pair(const Pair& p, uint64_t seed, bool with_failpoint, std::string* why) {
    std::vector<std::string> flags = {
        "--nodes", "3", "--nemesis", p.nemesis, "--seed", std::to_string(seed), "--quiet"};
    flags.insert(flags.end(), p.tuning.begin(), p.tuning.end());
    if (with_failpoint)
      flags.insert(flags.end(), {"--opt", std::string("unsafe-failpoint=") + p.failpoint});
    const std::string name = std::string(p.name) + (with_failpoint ? "" : "-clean");
    const Result r = faultline(run_args(name, flags));
    std::string anomaly;
    const fs::path manifest = run_dir(store(), name) / "run.json";
    if (fs::is_regular_file(manifest)) {
      const nlohmann::json m = nlohmann::json::parse(read_file(manifest), nullptr, false);
      if (!m.is_discarded())
        for (const auto& c : m.value("checkers", nlohmann::json::array()))
          for (const auto& a : c.value("anomalies", nlohmann::json::array()))
            if (anomaly.empty()) anomaly = a.value("description", "");
    }
    *why = std::string(p.nemesis) + (with_failpoint ? " + " + std::string(p.failpoint) : "") +
           ", seed " + std::to_string(seed) + " (rerun with --seed " + std::to_string(seed) +
           ")\n" + (anomaly.empty() ? "" : "first anomaly: " + anomaly + "\n") + said(r);
    return r.code;
  }

  // Detection is a matter of timing (a leader change overlapping the right
  // ops), not of the seed alone, so the failpoint gets up to kAttempts runs,
  // seeds p.seed, p.seed + 1, ...: each pair here was caught in nearly every
  // run of 30 s (docs/benchmarks.md, "Detection"), so a miss of all three
  // means detection broke, not bad luck.
  static constexpr int kAttempts = 3;
  void expect_detected(const Pair& p) {
    std::string why;
    int code = 0;
    for (uint64_t seed = p.seed; seed < p.seed + kAttempts && code == 0; ++seed)
      code = run_pair(p, seed, true, &why);
    EXPECT_EQ(code, 1) << "not detected in " << kAttempts << " runs; the last: " << why;
  }

  void expect_valid(const Pair& p) {
    std::string why;
    EXPECT_EQ(run_pair(p, p.seed, false, &why), 0) << why;
  }
};

// `faultline run` flags from one string (no quoting: none is needed here),
// the same workload for every pair.
std::vector<std::string> flags(const std::string& more) {
  std::vector<std::string> out;
  std::istringstream words("--workload counter --concurrency 10 --rate 300 --time-limit 30 " +
                           more);
  for (std::string w; words >> w;) out.push_back(w);
  return out;
}

// Counter workload: one key, so a stale read that misses an add acknowledged
// before it began is out of bounds, and indeterminate adds cannot explain it
// away (in the register workload an indeterminate write of the stale value
// often can). Clients stay on their thread's node (docs/workloads.md), so the
// clients of a cut-off or paused leader keep asking it.
//
// stale-read: a leader cut off by a partition keeps answering reads from its
// own state (check-quorum is off under this failpoint), while the majority
// elects a new leader that takes new adds. Fast elections (300 ms), a fault
// change every 2 s on average and a short op timeout make many such windows.
const std::vector<std::string> kStaleTuning =
    flags("--op-timeout 0.15 --nemesis-interval 2 --opt election-ms=300 --opt heartbeat-ms=100");
const Pair kPartitionStaleRead = {"partition-stale-read", "partition", "stale-read", 601,
                                  kStaleTuning};

// lease-read: reads served locally for 3 ticks (0.3 s) after the start of the
// last quorum-confirmed ReadIndex round, counted by a ticker on the wall
// clock that drops missed ticks, and kept after stepping down
// (targets/raftkv/node/tick_lease.h). Sound under partitions alone; a
// paused leader resumes with its lease as it was, while a new leader took
// adds; a leader whose clock is set back stops ticking, so once a partition
// cuts it off its lease outlives the new leader's election. Bumps of 5 s:
// a bump of +60 s reset to +0 would stall a node's ticker for a minute, and
// the cluster might not recover within --recovery-timeout (exit 3).
const std::string kLeaseFlags =
    "--nemesis-interval 1.5 --opt election-ms=500 --opt heartbeat-ms=100 --nemesis-opt bump-s=5";
const std::vector<std::string> kLeaseTuning = flags("--op-timeout 0.2 " + kLeaseFlags);
// A paused leader's clients keep their ops for --op-timeout 1 s, so that the
// ops pending when it resumes began after the new leader's first adds.
const Pair kPauseLeaseRead = {"pause-lease-read", "pause:leader", "lease-read", 701,
                              flags("--op-timeout 1 " + kLeaseFlags)};
// Clock needs a bump of the leader and then a partition that isolates it:
// runs of 40 s, in which bench/detect.sh saw 9 of 10 runs caught (median 23 s).
const Pair kClockLeaseRead = {"clock-lease-read", "partition:isolate-leader,clock:bump-leader",
                              "lease-read", 801,
                              flags("--op-timeout 0.2 --time-limit 40 " + kLeaseFlags)};
const Pair kPartitionLeaseRead = {"partition-lease-read", "partition", "lease-read", 901,
                                  kLeaseTuning};

TEST_F(detect, PartitionFindsStaleReads) { expect_detected(kPartitionStaleRead); }

TEST_F(detect, PartitionWithoutStaleReadsIsValid) { expect_valid(kPartitionStaleRead); }

TEST_F(detect, PauseFindsLeaseReads) { expect_detected(kPauseLeaseRead); }

TEST_F(detect, ClockFindsLeaseReads) { expect_detected(kClockLeaseRead); }

// The control: the same lease under partitions alone is sound, so what the
// two tests above catch is the pause's and the clock's doing.
TEST_F(detect, LeaseReadsSurvivePartitions) {
  std::string why;
  EXPECT_EQ(run_pair(kPartitionLeaseRead, kPartitionLeaseRead.seed, true, &why), 0) << why;
}

// list-append (issue 18): early-txn-reads answers a transaction's reads at
// EXEC and commits only its writes, so other transactions' writes land
// between the two. No fault is needed: every 60 s run of 10 was caught
// (docs/benchmarks.md, "Transactions"). And without it, under every fault
// (but corrupt, below), no false alarm.
std::vector<std::string> txn_flags() {
  return {"--workload", "list-append", "--concurrency", "6", "--time-limit", "30"};
}
const Pair kEarlyTxnReads = {"early-txn-reads", "none", "early-txn-reads", 1001, txn_flags()};

TEST_F(detect, ListAppendFindsEarlyTxnReads) { expect_detected(kEarlyTxnReads); }

TEST_F(detect, ListAppendUnderEveryFaultIsValid) {
  Pair all = kEarlyTxnReads;
  all.name = "txn-all-faults";
  all.nemesis = "partition,pause,kill,clock,loss";
  expect_valid(all);
}

// Every fault but corrupt (whose delete-data and truncate-wal break Raft's
// assumptions on purpose), both tunings, no failpoint: no false alarm.
TEST_F(detect, EveryFaultWithoutFailpointsIsValid) {
  Pair all = kPartitionStaleRead;
  all.name = "all-faults";
  all.nemesis = "partition,pause,kill,clock,loss";
  expect_valid(all);
  all.name = "all-faults-lease";
  all.tuning = kLeaseTuning;
  expect_valid(all);
}

}  // namespace
