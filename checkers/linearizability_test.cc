// Hand-written histories for the linearizability checker, including the
// tricky cases: info ops that did and did not take effect, failed cas, reads
// concurrent with writes, processes that crash and never complete.
#include "checkers/linearizability.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "checkers/test_history.h"

namespace faultline {
namespace {

CheckResult check(const HistoryBuilder& b, std::string_view model = "register",
                  SearchStrategy search = SearchStrategy::kPortfolio) {
  auto t = b.build();
  CheckOptions options;
  options.search = search;
  return make_linearizability_checker(model)->check(t->history, t->ops, options);
}

// Every search strategy must agree on every hand-written case.
Verdict verdict(const HistoryBuilder& b, std::string_view model = "register") {
  Verdict portfolio = check(b, model).verdict;
  for (SearchStrategy s : {SearchStrategy::kOptimized, SearchStrategy::kPlain})
    EXPECT_EQ(portfolio, check(b, model, s).verdict) << to_string(s) << "\n" << b.text();
  return portfolio;
}

TEST(Linearizability, EmptyHistoryIsValid) {
  EXPECT_EQ(verdict(HistoryBuilder()), Verdict::kValid);
}

TEST(Linearizability, SequentialWriteThenRead) {
  HistoryBuilder b;
  b.invoke(0, "write", "1").ok(0, "write", "1").invoke(1, "read").ok(1, "read", "1");
  EXPECT_EQ(verdict(b), Verdict::kValid);
}

TEST(Linearizability, ReadOfNeverWrittenRegisterIsNull) {
  HistoryBuilder b;
  b.invoke(0, "read").ok(0, "read", "null");
  EXPECT_EQ(verdict(b), Verdict::kValid);
  HistoryBuilder bad;
  bad.invoke(0, "read").ok(0, "read", "3");
  CheckResult r = check(bad);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  // Wrong only because of the initial value: the core says so.
  ASSERT_EQ(r.anomalies.size(), 1u);
  EXPECT_EQ(r.anomalies[0].evidence["core"].size(), 1u);
  EXPECT_FALSE(r.anomalies[0].evidence["core_any_initial"].get<bool>());
}

TEST(Linearizability, StaleReadAfterCompletedWriteIsInvalid) {
  HistoryBuilder b;
  b.invoke(0, "write", "1").ok(0, "write", "1");
  b.invoke(0, "write", "2").ok(0, "write", "2");
  b.invoke(1, "read").ok(1, "read", "1");
  CheckResult r = check(b);
  ASSERT_EQ(r.verdict, Verdict::kInvalid);
  ASSERT_EQ(r.anomalies.size(), 1u);
  const nlohmann::json& ev = r.anomalies[0].evidence;
  EXPECT_EQ(ev["op"]["f"], "read");
  EXPECT_EQ(ev["op"]["line"], 5);
  EXPECT_EQ(ev["states_before"], nlohmann::json::array({"2"}));
  // The core: the second write, then the read. The first write, relaxed
  // (may not have happened), cannot help: it returned before the second
  // began. The initial value plays no part.
  ASSERT_EQ(ev["core"].size(), 2u);
  EXPECT_EQ(ev["core"][0]["value"], 2);
  EXPECT_EQ(ev["core"][1]["f"], "read");
  EXPECT_TRUE(ev["core_minimal"].get<bool>());
  EXPECT_TRUE(ev["core_any_initial"].get<bool>());
  EXPECT_NE(r.summary.find("read"), std::string::npos) << r.summary;
}

TEST(Linearizability, CoreKeepsWhatExplainsOtherReads) {
  // Two overlapping reads see 0 and 2 while a write of 2 is in flight: fine.
  // Then a stale read of 1. Deleting the write would make the first two
  // reads look wrong; relaxing it (it may not have happened) does not, so the
  // core is about the stale read alone.
  HistoryBuilder b;
  b.invoke(0, "write", "0").ok(0, "write", "0");
  b.invoke(0, "write", "2").invoke(1, "read").invoke(2, "read");
  b.ok(1, "read", "0").ok(2, "read", "2").ok(0, "write", "2");
  b.invoke(3, "read").ok(3, "read", "1");
  CheckResult r = check(b);
  ASSERT_EQ(r.verdict, Verdict::kInvalid);
  const nlohmann::json& core = r.anomalies.at(0).evidence["core"];
  // Some op that completed with another value, then the read of 1 (that
  // nothing ever wrote) -- not the two overlapping reads.
  ASSERT_EQ(core.size(), 2u) << core.dump();
  EXPECT_EQ(core[1]["result"], 1);
  EXPECT_LT(core[0]["completion_line"].get<int>(), core[1]["line"].get<int>()) << core.dump();
}

TEST(Linearizability, ReadConcurrentWithWriteMaySeeEitherValue) {
  for (const char* seen : {"1", "2"}) {
    HistoryBuilder b;
    b.invoke(0, "write", "1").ok(0, "write", "1");
    b.invoke(0, "write", "2").invoke(1, "read").ok(1, "read", seen).ok(0, "write", "2");
    EXPECT_EQ(verdict(b), Verdict::kValid) << seen;
  }
}

TEST(Linearizability, ReadsMustNotGoBackInTime) {
  // Two sequential reads concurrent with one write: 2 then 1 is impossible.
  HistoryBuilder b;
  b.invoke(0, "write", "1").ok(0, "write", "1");
  b.invoke(0, "write", "2");
  b.invoke(1, "read").ok(1, "read", "2");
  b.invoke(1, "read").ok(1, "read", "1");
  b.ok(0, "write", "2");
  EXPECT_EQ(verdict(b), Verdict::kInvalid);
}

TEST(Linearizability, InfoWriteThatTookEffect) {
  HistoryBuilder b;
  b.invoke(0, "write", "7").info(0, "write", "7");
  b.invoke(1, "read").ok(1, "read", "7");
  EXPECT_EQ(verdict(b), Verdict::kValid);
}

TEST(Linearizability, InfoWriteThatDidNotTakeEffect) {
  HistoryBuilder b;
  b.invoke(0, "write", "7").info(0, "write", "7");
  b.invoke(1, "read").ok(1, "read", "null");
  EXPECT_EQ(verdict(b), Verdict::kValid);
}

TEST(Linearizability, InfoWriteTakesEffectLate) {
  // The crashed write may land long after its invoke: after the write of 2.
  HistoryBuilder b;
  b.invoke(0, "write", "1").info(0, "write", "1");
  b.invoke(1, "write", "2").ok(1, "write", "2");
  b.invoke(1, "read").ok(1, "read", "1");
  EXPECT_EQ(verdict(b), Verdict::kValid);
}

TEST(Linearizability, InfoWriteCannotTakeEffectTwice) {
  HistoryBuilder b;
  b.invoke(0, "write", "1").info(0, "write", "1");
  b.invoke(1, "write", "2").ok(1, "write", "2");
  b.invoke(1, "read").ok(1, "read", "1");
  b.invoke(1, "write", "2").ok(1, "write", "2");
  b.invoke(1, "read").ok(1, "read", "1");
  EXPECT_EQ(verdict(b), Verdict::kInvalid);
}

TEST(Linearizability, InfoWriteCannotTakeEffectBeforeItsInvoke) {
  HistoryBuilder b;
  b.invoke(1, "read").ok(1, "read", "1");
  b.invoke(0, "write", "1").info(0, "write", "1");
  EXPECT_EQ(verdict(b), Verdict::kInvalid);
}

TEST(Linearizability, PendingOpsCountAsInfo) {
  // Process 0 never completes its write; the read may still see it.
  HistoryBuilder b;
  b.invoke(0, "write", "3");
  b.invoke(1, "read").ok(1, "read", "3");
  EXPECT_EQ(verdict(b), Verdict::kValid);
}

TEST(Linearizability, IdenticalInfoWritesAreEachUsableOnce) {
  // Two crashed writes of 1: the value can come back twice, not three times.
  HistoryBuilder b;
  b.invoke(0, "write", "1").info(0, "write", "1");
  b.invoke(2, "write", "1").info(2, "write", "1");
  for (int i = 0; i < 2; ++i) {
    b.invoke(1, "write", "2").ok(1, "write", "2");
    b.invoke(1, "read").ok(1, "read", "1");
  }
  EXPECT_EQ(verdict(b), Verdict::kValid);
  b.invoke(1, "write", "2").ok(1, "write", "2");
  b.invoke(1, "read").ok(1, "read", "1");
  EXPECT_EQ(verdict(b), Verdict::kInvalid);
}

TEST(Linearizability, CasSucceedsOnlyOnExpectedValue) {
  HistoryBuilder ok;
  ok.invoke(0, "write", "1").ok(0, "write", "1");
  ok.invoke(0, "cas", "[1,2]").ok(0, "cas", "[1,2]");
  ok.invoke(1, "read").ok(1, "read", "2");
  EXPECT_EQ(verdict(ok), Verdict::kValid);
  HistoryBuilder bad;
  bad.invoke(0, "write", "1").ok(0, "write", "1");
  bad.invoke(0, "cas", "[3,2]").ok(0, "cas", "[3,2]");
  EXPECT_EQ(verdict(bad), Verdict::kInvalid);
}

TEST(Linearizability, FailedCasDidNotHappen) {
  HistoryBuilder b;
  b.invoke(0, "write", "1").ok(0, "write", "1");
  b.invoke(0, "cas", "[1,2]").fail(0, "cas", "[1,2]");
  b.invoke(1, "read").ok(1, "read", "1");
  EXPECT_EQ(verdict(b), Verdict::kValid);
}

TEST(Linearizability, InfoCasMayHaveSwapped) {
  for (const char* seen : {"1", "2"}) {
    HistoryBuilder b;
    b.invoke(0, "write", "1").ok(0, "write", "1");
    b.invoke(0, "cas", "[1,2]").info(0, "cas", "[1,2]");
    b.invoke(1, "read").ok(1, "read", seen);
    EXPECT_EQ(verdict(b), Verdict::kValid) << seen;
  }
}

TEST(Linearizability, InfoReadsConstrainNothing) {
  HistoryBuilder b;
  b.invoke(0, "read").info(0, "read", "99");
  b.invoke(1, "read").ok(1, "read", "null");
  EXPECT_EQ(verdict(b), Verdict::kValid);
}

TEST(Linearizability, KeysAreIndependent) {
  HistoryBuilder b;
  b.invoke(0, "write", "1", "\"a\"").ok(0, "write", "1", "\"a\"");
  b.invoke(1, "read", "null", "\"b\"").ok(1, "read", "null", "\"b\"");
  b.invoke(1, "read", "null", "\"a\"").ok(1, "read", "1", "\"a\"");
  EXPECT_EQ(verdict(b), Verdict::kValid);
  b.invoke(2, "read", "null", "\"b\"").ok(2, "read", "1", "\"b\"");
  CheckResult r = check(b);
  ASSERT_EQ(r.verdict, Verdict::kInvalid);
  ASSERT_EQ(r.anomalies.size(), 1u);
  EXPECT_EQ(r.anomalies[0].key, "b");
  EXPECT_EQ(r.details["keys"], 2);
}

TEST(Linearizability, NemesisEventsAreSkipped) {
  HistoryBuilder b;
  b.invoke(0, "write", "1").nemesis("partition").ok(0, "write", "1");
  b.invoke(1, "read").ok(1, "read", "1");
  EXPECT_EQ(verdict(b), Verdict::kValid);
}

TEST(Linearizability, MalformedCasValueIsAnInputError) {
  HistoryBuilder b;
  b.invoke(0, "cas", "7").ok(0, "cas", "7");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kUnknown);
  EXPECT_NE(r.input_error.find("test.jsonl:1:"), std::string::npos) << r.input_error;
  EXPECT_NE(r.input_error.find("[expected, new]"), std::string::npos) << r.input_error;
}

TEST(Linearizability, UnknownFunctionIsAnInputError) {
  HistoryBuilder b;
  b.invoke(0, "read").ok(0, "read", "null").invoke(0, "frobnicate").ok(0, "frobnicate");
  CheckResult r = check(b);
  EXPECT_NE(r.input_error.find("test.jsonl:3:"), std::string::npos) << r.input_error;
}

TEST(Linearizability, CasElementsNeverWrittenStillCompare) {
  // [5,6]'s elements never occur as whole values anywhere else.
  HistoryBuilder b;
  b.invoke(0, "cas", "[5,6]").ok(0, "cas", "[5,6]");
  EXPECT_EQ(verdict(b), Verdict::kInvalid);
  HistoryBuilder c;
  c.invoke(0, "cas", "[null,6]").ok(0, "cas", "[null,6]");
  c.invoke(0, "cas", "[6,\"x\"]").ok(0, "cas", "[6,\"x\"]");
  c.invoke(0, "read").ok(0, "read", "\"x\"");
  EXPECT_EQ(verdict(c), Verdict::kValid);
}

TEST(LinearizabilityKv, AppendsCompose) {
  HistoryBuilder b;
  b.invoke(0, "append", "\"a\"").ok(0, "append", "\"a\"");
  b.invoke(1, "append", "\"b\"").invoke(2, "get").ok(2, "get", "\"ab\"").ok(1, "append", "\"b\"");
  EXPECT_EQ(verdict(b, "kv"), Verdict::kValid);
  b.invoke(2, "get").ok(2, "get", "\"ba\"");
  EXPECT_EQ(verdict(b, "kv"), Verdict::kInvalid);
}

TEST(LinearizabilityKv, PutReplacesAndInitialIsEmpty) {
  HistoryBuilder b;
  b.invoke(0, "get").ok(0, "get", "\"\"");
  b.invoke(0, "put", "\"x\"").ok(0, "put", "\"x\"");
  b.invoke(0, "append", "\"y\"").info(0, "append", "\"y\"");
  b.invoke(1, "get").ok(1, "get", "\"xy\"");
  EXPECT_EQ(verdict(b, "kv"), Verdict::kValid);
  HistoryBuilder bad;
  bad.invoke(0, "put", "3").ok(0, "put", "3");
  EXPECT_FALSE(check(bad, "kv").input_error.empty());
}

// Lookahead (linear_search.h): `n` appends that all overlap, then a read of
// the order they took. Without it, the search tries every order of the
// appends before the read's return can fail any of them: n! ways.
TEST(LinearizabilityKv, LookaheadDropsAppendOrdersNoReadCanSee) {
  constexpr int n = 7;
  HistoryBuilder b;
  std::string read;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < n; ++i) b.invoke(i, "append", fmt::format("\"{}{}\"", round, i));
    for (int i = n - 1; i >= 0; --i) {  // the reverse of the order they were tried in
      b.ok(i, "append", fmt::format("\"{}{}\"", round, i));
      read += fmt::format("{}{}", round, i);
    }
    b.invoke(n, "get").ok(n, "get", "\"" + read + "\"");
  }
  EXPECT_EQ(verdict(b, "kv"), Verdict::kValid);
  const CheckResult r = check(b, "kv", SearchStrategy::kOptimized);
  EXPECT_LT(r.details["configurations"].get<uint64_t>(), 200u) << r.details.dump();
}

// A put that overlaps `n` appends and is read alone: the appends that went
// before it are lost to every read, so their orders are one configuration
// (each subset still is one: 2^n, not the sum of n!/(n-k)! over k).
TEST(LinearizabilityKv, WritesOverwrittenUnseenAreOneStatePerSubset) {
  constexpr int n = 8;
  HistoryBuilder b;
  b.invoke(n, "put", "\"p\"");
  for (int i = 0; i < n; ++i) b.invoke(i, "append", fmt::format("\"{}\"", i));
  for (int i = 0; i < n; ++i) b.ok(i, "append", fmt::format("\"{}\"", i));
  b.ok(n, "put", "\"p\"");
  b.invoke(n, "get").ok(n, "get", "\"p\"");
  b.invoke(n, "get").ok(n, "get", "\"pq\"");  // not linearizable: exhausts the search
  const CheckResult r = check(b, "kv", SearchStrategy::kOptimized);
  EXPECT_EQ(r.verdict, Verdict::kInvalid) << r.summary;
  EXPECT_LT(r.details["configurations"].get<uint64_t>(), 4u << n) << r.details.dump();
}

TEST(Linearizability, TimeoutGivesUnknown) {
  HistoryBuilder b;
  b.invoke(0, "write", "1").ok(0, "write", "1");
  auto t = b.build();
  CheckResult r =
      make_linearizability_checker("register")->check(t->history, t->ops, past_deadline());
  EXPECT_EQ(r.verdict, Verdict::kUnknown) << r.summary;
  EXPECT_NE(r.summary.find("timeout"), std::string::npos) << r.summary;
}

TEST(Linearizability, MemoryLimitGivesUnknown) {
  // Many crashed writes of distinct values: without a memory budget this
  // search would grow for a long time.
  HistoryBuilder b;
  for (int i = 0; i < 60; ++i) b.invoke(i, "write", std::to_string(i));
  for (int i = 0; i < 60; ++i) b.invoke(100, "read").ok(100, "read", std::to_string(59 - i));
  b.invoke(100, "read").ok(100, "read", "1000");
  auto t = b.build();
  CheckOptions options;
  options.max_memory_bytes = 1 << 20;
  CheckResult r = make_linearizability_checker("register")->check(t->history, t->ops, options);
  EXPECT_EQ(r.verdict, Verdict::kUnknown) << r.summary;
  EXPECT_NE(r.summary.find("memory"), std::string::npos) << r.summary;
}

}  // namespace
}  // namespace faultline
