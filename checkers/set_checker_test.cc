#include "checkers/set_checker.h"

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
  return SetChecker().check(h->history, h->ops, options);
}

// One add by `process` that completes with `type` before anything else starts.
void add(HistoryBuilder& b, int process, const std::string& element, const std::string& type,
         const std::string& key = "") {
  b.op(process, "add", element, type, key);
}

void read(HistoryBuilder& b, int process, const std::string& elements,
          const std::string& key = "") {
  b.invoke(process, "read", "null", key).ok(process, "read", elements, key);
}

const Anomaly* find_anomaly(const CheckResult& r, const std::string& kind) {
  for (const Anomaly& a : r.anomalies)
    if (a.kind == kind) return &a;
  return nullptr;
}

TEST(SetChecker, AllAcknowledgedAddsReadIsValid) {
  HistoryBuilder b;
  for (int i = 0; i < 10; ++i) add(b, i % 3, std::to_string(i), "ok");
  b.nemesis("partition");
  read(b, 0, "[9,8,7,6,5,4,3,2,1,0]");
  CheckResult r = check(b);
  EXPECT_EQ(r.checker, "set");
  EXPECT_EQ(r.verdict, Verdict::kValid) << r.summary;
  EXPECT_EQ(r.summary, "10 adds, 0 lost, 0 unexpected, 0 recovered");
  EXPECT_TRUE(r.input_error.empty());
  EXPECT_TRUE(r.anomalies.empty());
  EXPECT_EQ(r.details["ok_count"], 10);
  EXPECT_EQ(r.details["acknowledged_count"], 10);
  EXPECT_EQ(r.details["attempt_count"], 10);
  EXPECT_EQ(r.details["lost_count"], 0);
  EXPECT_EQ(r.details["keys"], 1);
}

TEST(SetChecker, AcknowledgedAddMissingFromFinalReadIsLost) {
  HistoryBuilder b;
  add(b, 0, "1", "ok");
  const uint32_t add2_line = b.next_line();
  add(b, 1, "2", "ok");
  add(b, 0, "3", "ok");
  const uint32_t read_line = b.next_line();
  read(b, 2, "[1,3]");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  EXPECT_EQ(r.summary, "1 lost element (e.g. 2)");
  ASSERT_EQ(r.anomalies.size(), 1u);
  const Anomaly& a = r.anomalies[0];
  EXPECT_EQ(a.kind, "lost");
  EXPECT_EQ(a.key, "");
  EXPECT_EQ(a.evidence["element"], 2);
  ASSERT_EQ(a.evidence["adds"].size(), 1u);
  EXPECT_EQ(a.evidence["adds"][0]["line"], add2_line);
  EXPECT_EQ(a.evidence["adds"][0]["completion_line"], add2_line + 1);
  EXPECT_EQ(a.evidence["adds"][0]["process"], 1);
  EXPECT_EQ(a.evidence["adds"][0]["type"], "ok");
  EXPECT_EQ(a.evidence["adds"][0]["time"], add2_line * 1000);
  EXPECT_EQ(a.evidence["final_read"]["line"], read_line);
  EXPECT_NE(a.description.find("line " + std::to_string(add2_line)), std::string::npos)
      << a.description;
  EXPECT_EQ(r.details["lost_count"], 1);
}

TEST(SetChecker, ElementNeverAddedIsUnexpected) {
  HistoryBuilder b;
  add(b, 0, "1", "ok");
  const uint32_t read_line = b.next_line();
  read(b, 1, "[1,99]");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  EXPECT_EQ(r.summary, "1 unexpected element (e.g. 99)");
  const Anomaly* a = find_anomaly(r, "unexpected");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->evidence["element"], 99);
  EXPECT_EQ(a->evidence["read"]["line"], read_line);
  EXPECT_EQ(a->evidence["read"]["completion_line"], read_line + 1);
  EXPECT_TRUE(a->evidence["adds"].empty());
  EXPECT_EQ(r.details["unexpected_count"], 1);
}

TEST(SetChecker, UnexpectedElementsAreFoundInEveryReadNotOnlyTheFinalOne) {
  HistoryBuilder b;
  add(b, 0, "1", "ok");
  read(b, 1, "[1,7]");  // 7 was never added; the final read no longer shows it
  read(b, 1, "[1]");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  ASSERT_NE(find_anomaly(r, "unexpected"), nullptr);
  EXPECT_EQ(find_anomaly(r, "unexpected")->evidence["element"], 7);
}

TEST(SetChecker, ReadOfAFailedAddIsUnexpected) {
  HistoryBuilder b;
  const uint32_t add_line = b.next_line();
  add(b, 0, "5", "fail");
  read(b, 1, "[5]");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  const Anomaly* a = find_anomaly(r, "unexpected");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->evidence["element"], 5);
  ASSERT_EQ(a->evidence["adds"].size(), 1u);
  EXPECT_EQ(a->evidence["adds"][0]["type"], "fail");
  EXPECT_EQ(a->evidence["adds"][0]["line"], add_line);
  EXPECT_NE(a->description.find("failed"), std::string::npos) << a->description;
}

TEST(SetChecker, FailedAddAbsentFromFinalReadIsFine) {
  HistoryBuilder b;
  add(b, 0, "1", "ok");
  add(b, 0, "2", "fail");
  read(b, 1, "[1]");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kValid) << r.summary;
  EXPECT_EQ(r.details["attempt_count"], 1);
}

TEST(SetChecker, ElementWithAFailedAndAnOkAddIsAttempted) {
  HistoryBuilder b;
  add(b, 0, "4", "fail");
  add(b, 1, "4", "ok");
  read(b, 2, "[4]");
  EXPECT_EQ(check(b).verdict, Verdict::kValid);
}

TEST(SetChecker, InfoAndPendingAddsInTheFinalReadAreRecovered) {
  HistoryBuilder b;
  add(b, 0, "1", "ok");
  add(b, 1, "2", "info");
  add(b, 2, "3", "info");   // absent from the read: fine, it may never have happened
  b.invoke(3, "add", "4");  // never completes
  read(b, 4, "[1,2,4]");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kValid) << r.summary;
  EXPECT_EQ(r.summary, "4 adds, 0 lost, 0 unexpected, 2 recovered");
  EXPECT_EQ(r.details["recovered_count"], 2);
  ASSERT_EQ(r.details["recovered"].size(), 2u);
  EXPECT_EQ(r.details["recovered"][0]["element"], 2);
  EXPECT_EQ(r.details["recovered"][1]["element"], 4);
  EXPECT_EQ(r.details["recovered"][1]["adds"][0]["type"], "pending");
  EXPECT_TRUE(r.details["recovered"][1]["adds"][0]["completion_line"].is_null());
  EXPECT_EQ(r.details["ok_count"], 3);
  EXPECT_EQ(r.details["attempt_count"], 4);
  EXPECT_EQ(r.details["acknowledged_count"], 1);
}

TEST(SetChecker, FinalReadIsTheLastToComplete) {
  // Read A starts first but completes last, so A is the final read.
  HistoryBuilder b;
  add(b, 0, "1", "ok");
  b.invoke(1, "read");  // A
  add(b, 0, "2", "ok");
  b.invoke(2, "read").ok(2, "read", "[1,2]");  // B
  b.ok(1, "read", "[1]");                      // A completes: 2 is not in it
  CheckResult r = check(b);
  // 2 was acknowledged after A began, so A may miss it.
  EXPECT_EQ(r.verdict, Verdict::kValid) << r.summary;
  EXPECT_EQ(r.details["never_read_count"], 1);
  EXPECT_EQ(r.details["never_read"][0]["element"], 2);
}

TEST(SetChecker, AcknowledgedBeforeTheFinalReadBeganMustBeInIt) {
  HistoryBuilder b;
  add(b, 0, "1", "ok");
  add(b, 0, "2", "ok");
  b.invoke(1, "read");
  b.invoke(2, "read").ok(2, "read", "[1,2]");
  b.ok(1, "read", "[1]");  // the final read, begun after 2 was acknowledged
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  ASSERT_NE(find_anomaly(r, "lost"), nullptr);
  EXPECT_EQ(find_anomaly(r, "lost")->evidence["element"], 2);
}

TEST(SetChecker, AddConcurrentWithTheFinalReadMayBeMissingOrPresent) {
  for (std::string seen : {"[1]", "[1,2]"}) {
    HistoryBuilder b;
    add(b, 0, "1", "ok");
    b.invoke(0, "add", "2");
    b.invoke(1, "read");
    b.ok(0, "add", "2");
    b.ok(1, "read", seen);
    CheckResult r = check(b);
    EXPECT_EQ(r.verdict, Verdict::kValid) << seen << ": " << r.summary;
    EXPECT_EQ(r.details["lost_count"], 0) << seen;
  }
}

TEST(SetChecker, KeysAreIndependentSets) {
  HistoryBuilder b;
  add(b, 0, "1", "ok", "\"a\"");
  add(b, 0, "2", "ok", "\"b\"");
  read(b, 1, "[1]", "\"a\"");
  read(b, 1, "[2]", "\"b\"");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kValid) << r.summary;
  EXPECT_EQ(r.summary, "2 adds on 2 keys, 0 lost, 0 unexpected, 0 recovered");

  HistoryBuilder crossed;
  add(crossed, 0, "1", "ok", "\"a\"");
  read(crossed, 1, "[1]", "\"b\"");  // 1 was added to a, not b
  read(crossed, 1, "[]", "\"a\"");
  r = check(crossed);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  ASSERT_NE(find_anomaly(r, "unexpected"), nullptr);
  EXPECT_EQ(find_anomaly(r, "unexpected")->key, "b");
  ASSERT_NE(find_anomaly(r, "lost"), nullptr);
  EXPECT_EQ(find_anomaly(r, "lost")->key, "a");
}

TEST(SetChecker, NoOkReadIsUnknown) {
  HistoryBuilder b;
  add(b, 0, "1", "ok");
  b.invoke(1, "read").fail(1, "read");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kUnknown);
  EXPECT_EQ(r.summary, "the set was never read (no ok read), 1 adds");
  EXPECT_EQ(r.details["unread_keys"], nlohmann::json::array({""}));

  EXPECT_EQ(check(HistoryBuilder()).verdict, Verdict::kUnknown);
}

TEST(SetChecker, OneUnreadKeyMakesTheResultUnknown) {
  HistoryBuilder b;
  add(b, 0, "1", "ok", "\"a\"");
  add(b, 0, "2", "ok", "\"b\"");
  read(b, 1, "[1]", "\"a\"");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kUnknown);
  EXPECT_EQ(r.summary, "1 of 2 sets were never read (no ok read), e.g. key b");
}

// Elements of any JSON shape, including strings and nested values holding the
// characters that separate array elements.
TEST(SetChecker, ElementsAreComparedByTheirMinifiedJsonText) {
  HistoryBuilder b;
  add(b, 0, R"({"id": 1, "tags": ["x", "y"]})", "ok");
  add(b, 0, R"("a,b")", "ok");
  add(b, 0, R"("q\"],[")", "ok");
  add(b, 0, R"("\\")", "ok");
  add(b, 0, "[1, [2, {}]]", "ok");
  add(b, 0, "null", "ok");
  add(b, 0, "1.0", "ok");
  read(b, 1, R"([ {"id":1,"tags":["x","y"]}, "a,b", "q\"],[", "\\", [1,[2,{}]], null, 1.0 ])");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kValid) << r.summary;
  EXPECT_EQ(r.details["ok_count"], 7);
  EXPECT_EQ(r.details["unexpected_count"], 0);
}

// As docs/history.md says of all values: the same data written differently
// (key order, escapes, number form) is a different element.
TEST(SetChecker, DifferentlyWrittenElementsAreDifferent) {
  for (auto [added, read_back] : {std::pair{R"({"a":1,"b":2})", R"({"b":2,"a":1})"},
                                  std::pair{R"("A")", R"("\u0041")"}, std::pair{"1", "1.0"}}) {
    HistoryBuilder b;
    add(b, 0, added, "ok");
    read(b, 1, std::string("[") + read_back + "]");
    CheckResult r = check(b);
    EXPECT_EQ(r.verdict, Verdict::kInvalid) << added;
    EXPECT_EQ(r.details["lost_count"], 1) << added;
    EXPECT_EQ(r.details["unexpected_count"], 1) << added;
  }
}

TEST(SetChecker, ReadOfTheWrongShapeIsUnknownNamingTheLine) {
  for (std::string value : {"{\"a\":1}", "3", "null", "\"1,2\""}) {
    HistoryBuilder b;
    add(b, 0, "1", "ok");
    b.invoke(1, "read");
    const uint32_t line = b.next_line();
    b.ok(1, "read", value);
    CheckResult r = check(b);
    EXPECT_EQ(r.verdict, Verdict::kUnknown) << value;
    EXPECT_EQ(r.input_error, "test.jsonl:" + std::to_string(line) +
                                 ": expected the ok value of read to be a list of elements, got " +
                                 value);
    EXPECT_EQ(r.summary, "malformed input: " + r.input_error);
    EXPECT_TRUE(r.anomalies.empty());
  }
}

TEST(SetChecker, ValuesOfFailedAndInfoReadsAreNotChecked) {
  HistoryBuilder b;
  add(b, 0, "1", "ok");
  b.invoke(1, "read").info(1, "read", "\"timeout\"");
  b.invoke(2, "read").fail(2, "read", "{}");
  read(b, 3, "[1]");
  EXPECT_EQ(check(b).verdict, Verdict::kValid);
}

TEST(SetChecker, ManyLostElementsKeepAnomaliesBoundedAndCountsExact) {
  HistoryBuilder b;
  for (int i = 0; i < 150; ++i) add(b, 0, std::to_string(i), "ok");
  read(b, 1, "[]");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  EXPECT_EQ(r.summary, "150 lost elements (e.g. 0, 1, 2)");
  EXPECT_EQ(r.details["lost_count"], 150);
  EXPECT_EQ(r.anomalies.size(), 100u);
  EXPECT_EQ(r.details["anomalies_truncated"], true);
}

TEST(SetChecker, ExceededDeadlineIsUnknown) {
  HistoryBuilder b;
  for (int i = 0; i < 3000; ++i) add(b, 0, std::to_string(i), "ok");
  read(b, 1, "[]");
  expect_out_of_time(check(b, past_deadline()));
}

// A simulated set under concurrent clients: each add takes effect (or not, for
// info and failed adds) at a random moment between its invoke and completion;
// a final read after everything shows the true contents. The checker must call
// this valid; dropping an acknowledged element makes it invalid.
struct SimulatedSet {
  HistoryBuilder builder;
  std::vector<int> acknowledged;
};

SimulatedSet simulate_set(uint32_t seed, bool drop_one) {
  std::mt19937 rng(seed);
  auto chance = [&rng](int percent) {
    return std::uniform_int_distribution<int>(0, 99)(rng) < percent;
  };
  struct InFlight {
    bool active = false;
    bool decided = false;  // whether the add took effect has been settled
    int element = 0;
    std::string outcome;  // "ok", "fail" or "info"
  };
  SimulatedSet sim;
  std::vector<InFlight> procs(5);
  std::vector<int> contents;
  int next = 0;
  for (int step = 0; step < 400; ++step) {
    const int p = std::uniform_int_distribution<int>(0, 4)(rng);
    InFlight& op = procs[p];
    const std::string v = std::to_string(op.element);
    if (!op.active) {
      op = {true, false, next++, chance(70) ? "ok" : chance(50) ? "fail" : "info"};
      sim.builder.invoke(p, "add", std::to_string(op.element));
    } else if (!op.decided) {
      if (op.outcome == "ok" || (op.outcome == "info" && chance(50)))
        contents.push_back(op.element);
      op.decided = true;
    } else {
      if (op.outcome == "ok") {
        sim.builder.ok(p, "add", v);
        sim.acknowledged.push_back(op.element);
      }
      if (op.outcome == "fail") sim.builder.fail(p, "add", v);
      if (op.outcome == "info") sim.builder.info(p, "add", v);
      op.active = false;
    }
  }
  // Adds still in flight stay pending (info) in the history.
  if (drop_one && !sim.acknowledged.empty()) {
    const int victim = sim.acknowledged[rng() % sim.acknowledged.size()];
    contents.erase(std::find(contents.begin(), contents.end(), victim));
    sim.acknowledged = {victim};
  }
  std::shuffle(contents.begin(), contents.end(), rng);
  nlohmann::json read = contents;
  sim.builder.invoke(9, "read").ok(9, "read", read.dump());
  return sim;
}

TEST(SetChecker, RandomConcurrentHistoriesAreValidAndALostElementIsFound) {
  const uint32_t first_seed = std::random_device()();
  for (uint32_t seed = first_seed; seed < first_seed + 50; ++seed) {
    SimulatedSet valid = simulate_set(seed, false);
    CheckResult r = check(valid.builder);
    ASSERT_EQ(r.verdict, Verdict::kValid) << "seed " << seed << ": " << r.summary;
    ASSERT_EQ(r.details["acknowledged_count"], valid.acknowledged.size()) << "seed " << seed;

    SimulatedSet broken = simulate_set(seed, true);
    if (broken.acknowledged.empty()) continue;
    r = check(broken.builder);
    ASSERT_EQ(r.verdict, Verdict::kInvalid) << "seed " << seed << ": " << r.summary;
    ASSERT_EQ(r.details["lost_count"], 1) << "seed " << seed;
    ASSERT_EQ(r.anomalies[0].evidence["element"], broken.acknowledged[0]) << "seed " << seed;
  }
}

}  // namespace
}  // namespace faultline
