#include "checkers/txn_checker.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

#include "checkers/test_history.h"

namespace faultline {
namespace {

// One transaction by `process` that completes before anything else starts:
// invoked with `invoke` (reads null) and completed with `done` ("" for a
// fail or info completion carrying the invoke's value).
void txn(HistoryBuilder& b, int process, const std::string& invoke, const std::string& done,
         const std::string& type = "ok") {
  b.invoke(process, "txn", invoke);
  if (type == "ok") b.ok(process, "txn", done);
  if (type == "fail") b.fail(process, "txn", invoke);
  if (type == "info") b.info(process, "txn", invoke);
}

CheckResult check(const HistoryBuilder& b, const std::string& model = "list-append",
                  ConsistencyModel consistency = ConsistencyModel::kStrictSerializable) {
  auto h = b.build();
  CheckOptions options;
  options.consistency_model = consistency;
  return make_checker(model)->check(h->history, h->ops, options);
}

const Anomaly* find_anomaly(const CheckResult& r, const std::string& kind) {
  for (const Anomaly& a : r.anomalies)
    if (a.kind == kind) return &a;
  return nullptr;
}

TEST(ListAppend, SerialHistoryIsValid) {
  HistoryBuilder b;
  txn(b, 0, R"([["append","x",1]])", R"([["append","x",1]])");
  txn(b, 1, R"([["r","x",null],["append","x",2]])", R"([["r","x",[1]],["append","x",2]])");
  txn(b, 0, R"([["r","x",null],["r","y",null]])", R"([["r","x",[1,2]],["r","y",null]])");
  CheckResult r = check(b);
  EXPECT_EQ(r.checker, "list-append");
  EXPECT_EQ(r.verdict, Verdict::kValid) << r.summary;
  EXPECT_EQ(r.summary, "3 ok txns (0 info, 0 failed) on 2 keys: no anomaly");
  EXPECT_EQ(r.details["edges"]["ww"], 1);
  EXPECT_EQ(r.details["cycle_components"], 0);
}

TEST(ListAppend, G0WritesInOppositeOrdersOnTwoKeys) {
  HistoryBuilder b;
  b.invoke(0, "txn", R"([["append","x",1],["append","y",1]])");
  b.invoke(1, "txn", R"([["append","x",2],["append","y",2]])");
  b.ok(0, "txn", R"([["append","x",1],["append","y",1]])");
  b.ok(1, "txn", R"([["append","x",2],["append","y",2]])");
  txn(b, 2, R"([["r","x",null],["r","y",null]])", R"([["r","x",[1,2]],["r","y",[2,1]]])");
  CheckResult r = check(b, "list-append", ConsistencyModel::kReadCommitted);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  EXPECT_EQ(r.summary, "not read-committed: 1 G0");
  const Anomaly* a = find_anomaly(r, "G0");
  ASSERT_NE(a, nullptr);
  EXPECT_NE(a->description.find("T1 is the txn of process 0 at lines 1-3"), std::string::npos)
      << a->description;
  EXPECT_NE(a->description.find("T2 appended 2 to key x after T1's 1"), std::string::npos)
      << a->description;
  EXPECT_NE(a->description.find("T1 appended 1 to key y after T2's 2"), std::string::npos)
      << a->description;
  EXPECT_EQ(a->evidence["cycle"].size(), 2);
  EXPECT_EQ(a->evidence["txns"][0]["line"], 1);
}

TEST(ListAppend, G1cEachReadsTheOthersAppend) {
  HistoryBuilder b;
  b.invoke(0, "txn", R"([["append","x",1],["r","y",null]])");
  b.invoke(1, "txn", R"([["append","y",2],["r","x",null]])");
  b.ok(0, "txn", R"([["append","x",1],["r","y",[2]]])");
  b.ok(1, "txn", R"([["append","y",2],["r","x",[1]]])");
  CheckResult r = check(b, "list-append", ConsistencyModel::kReadCommitted);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  const Anomaly* a = find_anomaly(r, "G1c");
  ASSERT_NE(a, nullptr) << r.summary;
  EXPECT_NE(a->description.find("read T1's append of 1 to key x"), std::string::npos)
      << a->description;
  EXPECT_EQ(find_anomaly(r, "G0"), nullptr);
}

// Read skew: T1 sees T2's append to y but not its append to x.
HistoryBuilder read_skew() {
  HistoryBuilder b;
  b.invoke(0, "txn", R"([["r","x",null],["r","y",null]])");
  txn(b, 1, R"([["append","x",1],["append","y",1]])", R"([["append","x",1],["append","y",1]])");
  b.ok(0, "txn", R"([["r","x",[]],["r","y",[1]]])");
  return b;
}

TEST(ListAppend, GSingleFailsSnapshotIsolationNotReadCommitted) {
  CheckResult r = check(read_skew(), "list-append", ConsistencyModel::kSnapshotIsolation);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  const Anomaly* a = find_anomaly(r, "G-single");
  ASSERT_NE(a, nullptr) << r.summary;
  EXPECT_NE(a->description.find("read key x without"), std::string::npos) << a->description;
  EXPECT_NE(a->description.find("(rw)"), std::string::npos) << a->description;
  EXPECT_NE(r.details["explanation"].get<std::string>().find("G-single: a cycle of 2"),
            std::string::npos);

  r = check(read_skew(), "list-append", ConsistencyModel::kReadCommitted);
  EXPECT_EQ(r.verdict, Verdict::kValid) << r.summary;
  EXPECT_EQ(r.details["allowed_anomaly_counts"]["G-single"], 1);
  EXPECT_EQ(r.summary,
            "2 ok txns (0 info, 0 failed) on 2 keys: only anomalies read-committed allows");
}

// Write skew: each reads the key the other appends to, before its append.
HistoryBuilder write_skew() {
  HistoryBuilder b;
  b.invoke(0, "txn", R"([["r","x",null],["append","y",1]])");
  b.invoke(1, "txn", R"([["r","y",null],["append","x",1]])");
  b.ok(0, "txn", R"([["r","x",[]],["append","y",1]])");
  b.ok(1, "txn", R"([["r","y",[]],["append","x",1]])");
  txn(b, 2, R"([["r","x",null],["r","y",null]])", R"([["r","x",[1]],["r","y",[1]]])");
  return b;
}

TEST(ListAppend, G2ItemFailsSerializableNotSnapshotIsolation) {
  CheckResult r = check(write_skew(), "list-append", ConsistencyModel::kSerializable);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  EXPECT_NE(find_anomaly(r, "G2-item"), nullptr) << r.summary;
  EXPECT_EQ(find_anomaly(r, "G-single"), nullptr);
  r = check(write_skew(), "list-append", ConsistencyModel::kSnapshotIsolation);
  EXPECT_EQ(r.verdict, Verdict::kValid) << r.summary;
  EXPECT_EQ(r.details["allowed_anomaly_counts"]["G2-item"], 1);
}

TEST(ListAppend, UnreadAppendOfACompletedTxnOrdersLaterReads) {
  // T1's append completed before T2 began, yet T2 does not see it: fine
  // serializably (T2 first), a real-time cycle for strict serializability.
  HistoryBuilder b;
  txn(b, 2, R"([["append","a",9]])", R"([["append","a",9]])");  // another key, first
  txn(b, 0, R"([["append","x",1]])", R"([["append","x",1]])");
  txn(b, 1, R"([["r","x",null]])", R"([["r","x",[]]])");
  EXPECT_EQ(check(b, "list-append", ConsistencyModel::kSerializable).verdict, Verdict::kValid);
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  const Anomaly* a = find_anomaly(r, "G-single-realtime");
  ASSERT_NE(a, nullptr) << r.summary;
  EXPECT_EQ(a->key, "x");  // the rw edge's key, not the real-time edge's (none)
  EXPECT_NE(a->description.find("completed (line 4) before T"), std::string::npos)
      << a->description;
}

TEST(ListAppend, AbortedIntermediateGarbageDuplicateAndInternalReads) {
  HistoryBuilder b;
  txn(b, 0, R"([["append","x",1]])", "", "fail");
  txn(b, 0, R"([["append","y",1],["append","y",2]])", R"([["append","y",1],["append","y",2]])");
  txn(b, 1, R"([["r","x",null],["r","y",null],["r","z",null]])",
      R"([["r","x",[1]],["r","y",[1]],["r","z",[7,7]]])");
  txn(b, 1, R"([["append","w",5],["r","w",null]])", R"([["append","w",5],["r","w",[]]])");
  CheckResult r = check(b, "list-append", ConsistencyModel::kReadCommitted);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  for (const char* kind : {"G1a", "G1b", "garbage", "internal"})
    EXPECT_NE(find_anomaly(r, kind), nullptr) << kind << ": " << r.summary;
  EXPECT_NE(find_anomaly(r, "G1a")->description.find("which failed"), std::string::npos);
  EXPECT_NE(find_anomaly(r, "internal")->description.find("should end with [5]"), std::string::npos)
      << find_anomaly(r, "internal")->description;
}

TEST(ListAppend, DuplicateElementsAndIncompatibleOrders) {
  HistoryBuilder b;
  txn(b, 0, R"([["append","x",1]])", R"([["append","x",1]])");
  txn(b, 0, R"([["append","x",2]])", R"([["append","x",2]])");
  txn(b, 1, R"([["r","x",null]])", R"([["r","x",[1,2,1]]])");
  txn(b, 1, R"([["r","x",null]])", R"([["r","x",[2]]])");
  CheckResult r = check(b);
  EXPECT_NE(find_anomaly(r, "duplicate-elements"), nullptr) << r.summary;
  EXPECT_NE(find_anomaly(r, "incompatible-order"), nullptr) << r.summary;
}

TEST(ListAppend, InfoTxnCountsOnlyIfItsAppendWasSeen) {
  HistoryBuilder b;
  txn(b, 0, R"([["append","x",1]])", "", "info");
  txn(b, 1, R"([["append","x",2]])", "", "info");
  txn(b, 2, R"([["r","x",null]])", R"([["r","x",[1]]])");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kValid) << r.summary;
  EXPECT_EQ(r.details["info_txns"], 2);
}

TEST(ListAppend, MalformedValuesAndRepeatedAppendsAreInputErrors) {
  HistoryBuilder b;
  txn(b, 0, R"([["append","x",1]])", R"([["append","x",1]])");
  txn(b, 0, R"([["append","x","one"]])", R"([["append","x","one"]])");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kUnknown);
  EXPECT_EQ(r.input_error.rfind("test.jsonl:4: expected a micro-operation", 0), 0) << r.input_error;

  HistoryBuilder twice;
  txn(twice, 0, R"([["append","x",1]])", R"([["append","x",1]])");
  txn(twice, 1, R"([["append","x",1]])", R"([["append","x",1]])");
  r = check(twice);
  EXPECT_EQ(r.input_error,
            "test.jsonl:3: expected every append to a key to add an element of its own, got 1 "
            "appended to key x again (first at line 1)");
}

TEST(ListAppend, NothingOkIsUnknownAndThePastDeadlineToo) {
  HistoryBuilder b;
  txn(b, 0, R"([["append","x",1]])", "", "fail");
  EXPECT_EQ(check(b).verdict, Verdict::kUnknown);
  // The deadline is looked at every 1024 steps: 2000 transactions on keys of their own.
  for (const char* f : {"append", "w"}) {
    HistoryBuilder many;
    for (int i = 0; i < 2000; ++i) {
      const std::string write = fmt::format(R"([["{}",{},1]])", f, i);
      txn(many, 0, write, write);
    }
    auto h = many.build();
    expect_out_of_time(make_checker(f == std::string("w") ? "rw-register" : "list-append")
                           ->check(h->history, h->ops, past_deadline()));
  }
}

TEST(RwRegister, ValidAndG1c) {
  HistoryBuilder b;
  txn(b, 0, R"([["w","x",1]])", R"([["w","x",1]])");
  txn(b, 1, R"([["r","x",null],["w","x",2]])", R"([["r","x",1],["w","x",2]])");
  txn(b, 1, R"([["r","x",null]])", R"([["r","x",2]])");
  CheckResult r = check(b, "rw-register");
  EXPECT_EQ(r.checker, "rw-register");
  EXPECT_EQ(r.verdict, Verdict::kValid) << r.summary;

  HistoryBuilder c;
  c.invoke(0, "txn", R"([["w","x",1],["r","y",null]])");
  c.invoke(1, "txn", R"([["w","y",2],["r","x",null]])");
  c.ok(0, "txn", R"([["w","x",1],["r","y",2]])");
  c.ok(1, "txn", R"([["w","y",2],["r","x",1]])");
  r = check(c, "rw-register", ConsistencyModel::kReadCommitted);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  const Anomaly* a = find_anomaly(r, "G1c");
  ASSERT_NE(a, nullptr) << r.summary;
  EXPECT_NE(a->description.find("read key x = 1, which T"), std::string::npos) << a->description;
}

TEST(RwRegister, WriteSkewFromNilReads) {
  HistoryBuilder b;
  b.invoke(0, "txn", R"([["r","x",null],["w","y",1]])");
  b.invoke(1, "txn", R"([["r","y",null],["w","x",1]])");
  b.ok(0, "txn", R"([["r","x",null],["w","y",1]])");
  b.ok(1, "txn", R"([["r","y",null],["w","x",1]])");
  CheckResult r = check(b, "rw-register", ConsistencyModel::kSerializable);
  EXPECT_EQ(r.verdict, Verdict::kInvalid) << r.summary;
  const Anomaly* a = find_anomaly(r, "G2-item");
  ASSERT_NE(a, nullptr) << r.summary;
  EXPECT_NE(a->description.find("read key x = nil, which T"), std::string::npos) << a->description;
  EXPECT_EQ(check(b, "rw-register", ConsistencyModel::kSnapshotIsolation).verdict, Verdict::kValid);
}

TEST(RwRegister, AbortedGarbageIntermediateAndInternalReads) {
  HistoryBuilder b;
  txn(b, 0, R"([["w","x",1]])", "", "fail");
  txn(b, 0, R"([["w","y",1],["w","y",2]])", R"([["w","y",1],["w","y",2]])");
  txn(b, 1, R"([["r","x",null],["r","y",null],["r","z",null]])",
      R"([["r","x",1],["r","y",1],["r","z",9]])");
  txn(b, 1, R"([["w","w",5],["r","w",null]])", R"([["w","w",5],["r","w",6]])");
  CheckResult r = check(b, "rw-register", ConsistencyModel::kReadCommitted);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  for (const char* kind : {"G1a", "G1b", "garbage", "internal"})
    EXPECT_NE(find_anomaly(r, kind), nullptr) << kind << ": " << r.summary;
}

// Elle's own format, as Jepsen's history.edn holds it: keywords, integer
// keys, a tagged op map, nil reads.
TEST(RwRegister, JepsenEdnHistory) {
  const std::string edn = R"(
{:type :invoke, :f :txn, :value [[:w 1 1] [:r 2 nil]], :process 0, :time 1, :index 0}
#jepsen.history.Op{:type :invoke, :f :txn, :value [[:w 2 1] [:r 1 nil]], :process 1, :time 2, :index 1}
{:type :ok, :f :txn, :value [[:w 1 1] [:r 2 1]], :process 0, :time 3, :index 2}
{:type :ok, :f :txn, :value [[:w 2 1] [:r 1 1]], :process 1, :time 4, :index 3}
)";
  History history;
  std::vector<Operation> ops;
  ASSERT_TRUE(parse_edn(edn, "history.edn", false, &history).is_ok());
  ASSERT_TRUE(pair_operations(history, &ops).is_ok());
  CheckOptions options;
  options.consistency_model = ConsistencyModel::kReadCommitted;
  const CheckResult r = RwRegisterChecker().check(history, ops, options);
  EXPECT_EQ(r.verdict, Verdict::kInvalid) << r.summary;
  const Anomaly* a = find_anomaly(r, "G1c");
  ASSERT_NE(a, nullptr) << r.summary;
  EXPECT_NE(a->description.find("T1 is the txn of process 0 at lines 2-4"), std::string::npos)
      << a->description;
}

}  // namespace
}  // namespace faultline
