// What the tests of faultline sim share (simulation_test.cc,
// target_simulation_test.cc, shrink_test.cc, scenario_replay_test.cc): a
// quiet fixture, a small test, and the seed loops that find the
// first invalid seed or require every seed valid, printing the seed and its
// replay command on failure.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>
#include <vector>

#include "harness/sim/simulation.h"
#include "history/reader.h"

namespace faultline::sim {

// A fixture whose simulated nodes log nothing.
class QuietSimTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { spdlog::set_level(spdlog::level::off); }
};
// The fixture of simulation_test.cc and target_simulation_test.cc (one
// class: gtest wants one fixture per suite name).
class SimulationTest : public QuietSimTest {};

// 3 nodes, register, 6 clients at 100 ops/s, 10 virtual seconds, a fault
// every second; `failpoint` as --opt unsafe-failpoint.
inline TestConfig small_test(const std::string& nemesis, const std::string& failpoint = "",
                             const std::string& target = "raftkv") {
  TestConfig c;
  c.target = target;
  c.nodes = 3;
  c.workload = "register";
  c.nemesis = nemesis;
  c.concurrency = 6;
  c.rate = 100;
  c.time_limit_s = 10;
  c.nemesis_interval_s = 1;
  c.op_timeout_s = 1;
  if (!failpoint.empty()) c.opts["unsafe-failpoint"] = failpoint;
  return c;
}

// The first of `count` seeds from `first` whose history is invalid, or 0.
inline uint64_t first_invalid(const TestConfig& c, uint64_t first, int count, int* tried) {
  for (*tried = 1; *tried <= count; ++*tried) {
    const uint64_t seed = first + static_cast<uint64_t>(*tried - 1);
    SimResult r;
    const Status st = simulate_test(c, seed, &r);
    EXPECT_TRUE(st.is_ok()) << "seed " << seed << ": " << st.message();
    if (r.verdict == Verdict::kInvalid) return seed;
  }
  return 0;
}

// Requires an invalid history among seeds first..first+count-1 of `c`.
inline void expect_caught(const TestConfig& c, uint64_t first, int count, const std::string& what) {
  int tried = 0;
  const uint64_t seed = first_invalid(c, first, count, &tried);
  EXPECT_NE(seed, 0u) << what << " not caught in seeds " << first << "-"
                      << first + static_cast<uint64_t>(count) - 1 << ": "
                      << replay_command(c, first);
}

// Requires seed `seed` of `c` to give the same history twice, byte for
// byte, and seed + 1 another; a real test (over `min_events` events) whose
// history has each of `fragments` (a fault's f, an outcome, ...). Returns
// the history.
inline SimResult expect_same_seed_same_history(const TestConfig& c, uint64_t seed,
                                               size_t min_events,
                                               const std::vector<std::string>& fragments) {
  SimResult a, b, other;
  EXPECT_TRUE(simulate_test(c, seed, &a).is_ok());
  EXPECT_TRUE(simulate_test(c, seed, &b).is_ok());
  EXPECT_TRUE(simulate_test(c, seed + 1, &other).is_ok());
  EXPECT_EQ(a.jsonl(), b.jsonl()) << c.target << ", seed " << seed;
  EXPECT_NE(a.jsonl(), other.jsonl()) << c.target << ", seed " << seed;
  EXPECT_GT(a.history.events.size(), min_events) << c.target;
  for (const std::string& f : fragments)
    EXPECT_NE(a.jsonl().find(f), std::string::npos) << c.target << ": no " << f;
  // The history the checkers saw is the jsonl's read back (the simulation
  // builds each from the events, not one from the other).
  History read;
  EXPECT_TRUE(parse_jsonl(a.jsonl(), "jsonl", &read).is_ok());
  EXPECT_EQ(read.events.size(), a.history.events.size());
  for (size_t i = 0; i < std::min(read.events.size(), a.history.events.size()); ++i) {
    const Event &x = a.history.events[i], &y = read.events[i];
    const bool same = x.index == y.index && x.time == y.time && x.process == y.process &&
                      x.type == y.type && x.line == y.line &&
                      a.history.function_name(x) == read.function_name(y) &&
                      a.history.key_name(x.key) == read.key_name(y.key) &&
                      a.history.values.text(x.value) == read.values.text(y.value) &&
                      a.history.notes.text(x.error) == read.notes.text(y.error) &&
                      a.history.notes.text(x.node) == read.notes.text(y.node);
    if (!same) {
      ADD_FAILURE() << c.target << ", seed " << seed << ": event " << i << " differs";
      break;
    }
  }
  return a;
}

// Requires seeds first..first+count-1 of `c` valid (stops at the first that
// is not, naming it and its replay).
inline void expect_valid_seeds(const TestConfig& c, uint64_t first, int count) {
  for (uint64_t seed = first; seed < first + static_cast<uint64_t>(count); ++seed) {
    SimResult r;
    ASSERT_TRUE(simulate_test(c, seed, &r).is_ok()) << "seed " << seed;
    ASSERT_EQ(r.verdict, Verdict::kValid)
        << c.target << ", nemesis " << c.nemesis << ", seed " << seed << ": "
        << (r.checkers.empty() ? "" : r.checkers[0].summary) << r.node_error
        << "\nreplay: " << replay_command(c, seed);
  }
}

}  // namespace faultline::sim
