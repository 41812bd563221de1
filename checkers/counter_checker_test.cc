#include "checkers/counter_checker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "checkers/test_history.h"

namespace faultline {
namespace {

CheckResult check(const HistoryBuilder& b, CheckOptions options = {}) {
  auto h = b.build();
  return CounterChecker().check(h->history, h->ops, options);
}

void add(HistoryBuilder& b, int process, int64_t delta, const std::string& type = "ok",
         const std::string& key = "") {
  b.op(process, "add", std::to_string(delta), type, key);
}

void read(HistoryBuilder& b, int process, int64_t value, const std::string& key = "") {
  b.invoke(process, "read", "null", key).ok(process, "read", std::to_string(value), key);
}

// The verdict for a history of `setup` followed by a read returning `value`.
template <typename Setup>
Verdict verdict_of_read(Setup setup, int64_t value) {
  HistoryBuilder b;
  setup(b);
  read(b, 9, value);
  return check(b).verdict;
}

TEST(CounterChecker, SequentialAddsAndExactReadsAreValid) {
  HistoryBuilder b;
  read(b, 0, 0);
  add(b, 0, 1);
  add(b, 1, 2);
  b.nemesis("kill");
  read(b, 2, 3);
  add(b, 1, 5);
  read(b, 0, 8);
  CheckResult r = check(b);
  EXPECT_EQ(r.checker, "counter");
  EXPECT_EQ(r.verdict, Verdict::kValid) << r.summary;
  EXPECT_EQ(r.summary, "3 reads within bounds, 3 adds");
  EXPECT_EQ(r.details["reads"], 3);
  EXPECT_EQ(r.details["ok_adds"], 3);
  EXPECT_TRUE(r.anomalies.empty());
}

TEST(CounterChecker, ReadAboveOrBelowTheOnlyPossibleValueIsOutOfBounds) {
  auto setup = [](HistoryBuilder& b) {
    add(b, 0, 1);
    add(b, 0, 2);
  };
  EXPECT_EQ(verdict_of_read(setup, 3), Verdict::kValid);
  EXPECT_EQ(verdict_of_read(setup, 4), Verdict::kInvalid);
  EXPECT_EQ(verdict_of_read(setup, 2), Verdict::kInvalid);
}

TEST(CounterChecker, OutOfBoundsAnomalyNamesTheReadAndItsBounds) {
  HistoryBuilder b;
  add(b, 0, 5);
  b.invoke(1, "add", "3");  // concurrent with the read: [5, 8]
  const uint32_t read_line = b.next_line();
  read(b, 2, 9);
  b.ok(1, "add", "3");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  EXPECT_EQ(r.summary, "1 of 1 reads out of bounds (e.g. lines " + std::to_string(read_line) + "-" +
                           std::to_string(read_line + 1) + ": read 9, allowed [5, 8])");
  ASSERT_EQ(r.anomalies.size(), 1u);
  const Anomaly& a = r.anomalies[0];
  EXPECT_EQ(a.kind, "out-of-bounds");
  EXPECT_EQ(a.key, "");
  EXPECT_EQ(a.evidence["value"], 9);
  EXPECT_EQ(a.evidence["lower"], 5);
  EXPECT_EQ(a.evidence["upper"], 8);
  EXPECT_EQ(a.evidence["read"]["line"], read_line);
  EXPECT_EQ(a.evidence["read"]["completion_line"], read_line + 1);
  EXPECT_EQ(a.evidence["read"]["process"], 2);
  EXPECT_EQ(r.details["out_of_bounds_count"], 1);
}

TEST(CounterChecker, AddConcurrentWithTheReadMayOrMayNotBeSeen) {
  auto setup = [](HistoryBuilder& b) {
    add(b, 0, 10);
    b.invoke(1, "add", "5");
    b.invoke(9, "read");
    b.ok(1, "add", "5");
  };
  auto with_value = [&setup](int64_t v) {
    HistoryBuilder b;
    setup(b);
    b.ok(9, "read", std::to_string(v));
    return check(b).verdict;
  };
  EXPECT_EQ(with_value(10), Verdict::kValid);
  EXPECT_EQ(with_value(15), Verdict::kValid);
  EXPECT_EQ(with_value(9), Verdict::kInvalid);
  EXPECT_EQ(with_value(16), Verdict::kInvalid);
}

TEST(CounterChecker, AddInvokedAfterTheReadCompletedIsNotSeen) {
  HistoryBuilder b;
  add(b, 0, 1);
  read(b, 1, 2);
  add(b, 0, 1);
  EXPECT_EQ(check(b).verdict, Verdict::kInvalid);
}

TEST(CounterChecker, InfoAndPendingAddsMayOrMayNotHaveHappened) {
  auto info = [](HistoryBuilder& b) {
    add(b, 0, 1);
    add(b, 1, 5, "info");
  };
  EXPECT_EQ(verdict_of_read(info, 1), Verdict::kValid);
  EXPECT_EQ(verdict_of_read(info, 6), Verdict::kValid);
  EXPECT_EQ(verdict_of_read(info, 7), Verdict::kInvalid);
  EXPECT_EQ(verdict_of_read(info, 0), Verdict::kInvalid);

  auto pending = [](HistoryBuilder& b) { b.invoke(1, "add", "5"); };
  EXPECT_EQ(verdict_of_read(pending, 0), Verdict::kValid);
  EXPECT_EQ(verdict_of_read(pending, 5), Verdict::kValid);
  EXPECT_EQ(verdict_of_read(pending, 6), Verdict::kInvalid);
}

TEST(CounterChecker, FailedAddsNeverHappened) {
  auto failed = [](HistoryBuilder& b) {
    add(b, 0, 2);
    add(b, 1, 5, "fail");
  };
  EXPECT_EQ(verdict_of_read(failed, 2), Verdict::kValid);
  EXPECT_EQ(verdict_of_read(failed, 7), Verdict::kInvalid);
}

TEST(CounterChecker, NegativeDeltasSwapTheBoundsTheyMove) {
  // 10 definitely, -3 maybe (info): the read lies in [7, 10].
  auto info = [](HistoryBuilder& b) {
    add(b, 0, 10);
    add(b, 1, -3, "info");
  };
  EXPECT_EQ(verdict_of_read(info, 7), Verdict::kValid);
  EXPECT_EQ(verdict_of_read(info, 10), Verdict::kValid);
  EXPECT_EQ(verdict_of_read(info, 6), Verdict::kInvalid);
  EXPECT_EQ(verdict_of_read(info, 11), Verdict::kInvalid);

  // A definite negative delta lowers both bounds.
  auto definite = [](HistoryBuilder& b) {
    add(b, 0, 4);
    add(b, 0, -6);
  };
  EXPECT_EQ(verdict_of_read(definite, -2), Verdict::kValid);
  EXPECT_EQ(verdict_of_read(definite, 4), Verdict::kInvalid);
  EXPECT_EQ(verdict_of_read(definite, -6), Verdict::kInvalid);

  // Maybe +5 and maybe -2 around a definite 1: [-1, 6].
  auto mixed = [](HistoryBuilder& b) {
    add(b, 0, 1);
    add(b, 1, 5, "info");
    add(b, 2, -2, "info");
  };
  EXPECT_EQ(verdict_of_read(mixed, -1), Verdict::kValid);
  EXPECT_EQ(verdict_of_read(mixed, 6), Verdict::kValid);
  EXPECT_EQ(verdict_of_read(mixed, -2), Verdict::kInvalid);
  EXPECT_EQ(verdict_of_read(mixed, 7), Verdict::kInvalid);
}

TEST(CounterChecker, KeysAreIndependentCounters) {
  HistoryBuilder b;
  add(b, 0, 3, "ok", "\"x\"");
  add(b, 0, 4, "ok", "\"y\"");
  read(b, 1, 3, "\"x\"");
  read(b, 1, 3, "\"y\"");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  ASSERT_EQ(r.anomalies.size(), 1u);
  EXPECT_EQ(r.anomalies[0].key, "y");
  EXPECT_EQ(r.anomalies[0].evidence["lower"], 4);
}

TEST(CounterChecker, ValuesOfTheWrongShapeAreUnknownNamingTheLine) {
  for (std::string delta : {"\"one\"", "1.5", "null", "[1]", "18446744073709551615"}) {
    HistoryBuilder b;
    const uint32_t line = b.next_line();
    b.invoke(0, "add", delta).ok(0, "add", delta);
    read(b, 1, 0);
    CheckResult r = check(b);
    EXPECT_EQ(r.verdict, Verdict::kUnknown) << delta;
    EXPECT_EQ(r.input_error,
              "test.jsonl:" + std::to_string(line) +
                  ": expected the value of add to be an integer delta (64-bit), got " + delta);
    EXPECT_EQ(r.summary, "malformed input: " + r.input_error);
  }
  HistoryBuilder b;
  add(b, 0, 1);
  b.invoke(1, "read");
  const uint32_t line = b.next_line();
  b.ok(1, "read", "{\"value\":1}");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kUnknown);
  EXPECT_EQ(r.input_error, "test.jsonl:" + std::to_string(line) +
                               ": expected the ok value of read to be an integer (64-bit), got "
                               "{\"value\":1}");
  EXPECT_EQ(r.summary, "malformed input: " + r.input_error);
}

TEST(CounterChecker, SumsBeyond64BitsAreUnknown) {
  HistoryBuilder b;
  add(b, 0, INT64_MAX);
  add(b, 0, 1);
  read(b, 1, 0);
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kUnknown);
  EXPECT_NE(r.input_error.find("overflows 64-bit integers"), std::string::npos) << r.input_error;
}

TEST(CounterChecker, NoOkReadIsUnknown) {
  HistoryBuilder b;
  add(b, 0, 1);
  b.invoke(1, "read").info(1, "read");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kUnknown);
  EXPECT_EQ(r.summary, "no ok read to check (1 adds)");
}

TEST(CounterChecker, ExceededDeadlineIsUnknown) {
  HistoryBuilder b;
  for (int i = 0; i < 2000; ++i) add(b, 0, 1);
  read(b, 1, 2000);
  expect_out_of_time(check(b, past_deadline()));
}

// A simulated counter under concurrent clients: every op takes effect at a
// random moment between its invoke and completion (info adds maybe, failed
// adds never), and each read returns the value at its moment. The checker must
// call this valid; a read pushed beyond any reachable value must be invalid.
struct SimulatedCounter {
  HistoryBuilder builder;
  bool corrupted = false;
};

SimulatedCounter simulate_counter(uint32_t seed, bool corrupt) {
  constexpr int kSteps = 600, kMaxDelta = 5;
  // |counter| and both bounds stay within kSteps * kMaxDelta, so adding this
  // to a read puts it beyond any bound.
  constexpr int64_t kBeyond = 2 * kSteps * kMaxDelta + 1;
  std::mt19937 rng(seed);
  auto uniform = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  struct InFlight {
    bool active = false, decided = false, read = false;
    int64_t value = 0;    // delta of an add, result of a read
    std::string outcome;  // "ok", "fail" or "info"
  };
  std::vector<InFlight> procs(6);
  int64_t counter = 0;
  const int corrupt_at = corrupt ? uniform(0, 9) : -1;
  int reads_done = 0;
  SimulatedCounter sim;
  HistoryBuilder& b = sim.builder;
  for (int step = 0; step < kSteps; ++step) {
    const int p = uniform(0, 5);
    InFlight& op = procs[p];
    if (!op.active) {
      op = {true, false, uniform(0, 2) == 0, 0, "ok"};
      if (op.read) {
        b.invoke(p, "read");
      } else {
        op.value = uniform(-kMaxDelta, kMaxDelta);
        const int r = uniform(0, 9);
        op.outcome = r < 7 ? "ok" : r < 9 ? "info" : "fail";
        b.invoke(p, "add", std::to_string(op.value));
      }
    } else if (!op.decided) {
      if (op.read) {
        op.value = counter;
      } else if (op.outcome == "ok" || (op.outcome == "info" && uniform(0, 1))) {
        counter += op.value;
      }
      op.decided = true;
    } else {
      const std::string v = std::to_string(op.value);
      if (op.read && reads_done++ == corrupt_at) {
        b.ok(p, "read", std::to_string(op.value + kBeyond));
        sim.corrupted = true;
      } else if (op.read || op.outcome == "ok") {
        b.ok(p, op.read ? "read" : "add", v);
      } else if (op.outcome == "info") {
        b.info(p, "add", v);
      } else {
        b.fail(p, "add", v);
      }
      op.active = false;
    }
  }
  return sim;
}

TEST(CounterChecker, RandomConcurrentHistoriesAreValidAndACorruptReadIsFound) {
  const uint32_t first_seed = std::random_device()();
  for (uint32_t seed = first_seed; seed < first_seed + 50; ++seed) {
    CheckResult r = check(simulate_counter(seed, false).builder);
    ASSERT_EQ(r.verdict, Verdict::kValid) << "seed " << seed << ": " << r.summary;
    SimulatedCounter broken = simulate_counter(seed, true);
    if (!broken.corrupted) continue;
    r = check(broken.builder);
    ASSERT_EQ(r.verdict, Verdict::kInvalid) << "seed " << seed << ": " << r.summary;
    ASSERT_EQ(r.details["out_of_bounds_count"], 1) << "seed " << seed;
  }
}

}  // namespace
}  // namespace faultline
