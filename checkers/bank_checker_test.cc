#include "checkers/bank_checker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "checkers/test_history.h"

namespace faultline {
namespace {

CheckResult check(const HistoryBuilder& b, CheckOptions options = {}) {
  auto h = b.build();
  return BankChecker().check(h->history, h->ops, options);
}

void transfer(HistoryBuilder& b, int process, const std::string& from, const std::string& to,
              int amount, const std::string& type = "ok") {
  const std::string v =
      "{\"from\":\"" + from + "\",\"to\":\"" + to + "\",\"amount\":" + std::to_string(amount) + "}";
  b.op(process, "transfer", v, type);
}

void read(HistoryBuilder& b, int process, const std::string& balances,
          const std::string& key = "") {
  b.invoke(process, "read", "null", key).ok(process, "read", balances, key);
}

std::vector<std::string> kinds(const CheckResult& r) {
  std::vector<std::string> out;
  for (const Anomaly& a : r.anomalies) out.push_back(a.kind);
  return out;
}

TEST(BankChecker, ConservedTotalIsValid) {
  HistoryBuilder b;
  read(b, 0, R"({"a":50,"b":50})");
  transfer(b, 1, "a", "b", 20);
  transfer(b, 2, "b", "a", 5, "fail");
  transfer(b, 2, "b", "a", 5, "info");
  b.nemesis("partition");
  read(b, 0, R"({"a":35,"b":65})");
  read(b, 3, R"({"b":100,"a":0})");
  CheckResult r = check(b);
  EXPECT_EQ(r.checker, "bank");
  EXPECT_EQ(r.verdict, Verdict::kValid) << r.summary;
  EXPECT_EQ(r.summary, "3 reads, total 100 over 2 accounts, 3 transfers");
  EXPECT_TRUE(r.anomalies.empty());
  EXPECT_EQ(r.details["ok_transfers"], 1);
  EXPECT_EQ(r.details["failed_transfers"], 1);
  EXPECT_EQ(r.details["info_transfers"], 1);
  ASSERT_EQ(r.details["banks"].size(), 1u);
  EXPECT_EQ(r.details["banks"][0]["total"], 100);
  EXPECT_EQ(r.details["banks"][0]["accounts"], nlohmann::json::array({"a", "b"}));
  EXPECT_EQ(r.details["banks"][0]["reference_read"]["line"], 1);
}

TEST(BankChecker, ReadWithADifferentTotalIsWrongTotal) {
  HistoryBuilder b;
  read(b, 0, R"({"a":50,"b":50})");
  const uint32_t line = b.next_line();
  read(b, 0, R"({"a":48,"b":50})");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  ASSERT_EQ(kinds(r), std::vector<std::string>{"wrong-total"});
  const Anomaly& a = r.anomalies[0];
  EXPECT_EQ(a.evidence["expected_total"], 100);
  EXPECT_EQ(a.evidence["actual_total"], 98);
  EXPECT_EQ(a.evidence["read"]["line"], line);
  EXPECT_EQ(a.evidence["read"]["completion_line"], line + 1);
  EXPECT_EQ(a.evidence["reference_read"]["line"], 1);
  EXPECT_EQ(a.evidence["balances"]["a"], 48);
  const std::string where = "lines " + std::to_string(line) + "-" + std::to_string(line + 1);
  EXPECT_EQ(r.summary, "1 of 2 reads bad: 1 wrong-total (e.g. read (" + where +
                           ") totals 98, but the first read (lines 1-2) totals 100)");
  EXPECT_EQ(r.details["wrong_total_count"], 1);
  EXPECT_EQ(r.details["bad_reads"], 1);
}

TEST(BankChecker, NegativeBalanceIsReportedEvenWithTheRightTotal) {
  HistoryBuilder b;
  read(b, 0, R"({"a":50,"b":50})");
  read(b, 0, R"({"a":-10,"b":110})");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  ASSERT_EQ(kinds(r), std::vector<std::string>{"negative-balance"});
  EXPECT_EQ(r.anomalies[0].evidence["accounts"], nlohmann::json({{"a", -10}}));
  EXPECT_EQ(r.details["negative_balance_count"], 1);
}

TEST(BankChecker, NegativeBalanceInTheFirstReadIsReported) {
  HistoryBuilder b;
  read(b, 0, R"({"a":-1,"b":101})");
  read(b, 0, R"({"a":-1,"b":101})");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  EXPECT_EQ(kinds(r), (std::vector<std::string>{"negative-balance", "negative-balance"}));
}

TEST(BankChecker, AccountsMustMatchTheFirstRead) {
  HistoryBuilder b;
  read(b, 0, R"({"a":30,"b":30,"c":40})");
  read(b, 0, R"({"a":30,"c":70})");                // b missing
  read(b, 0, R"({"a":30,"b":30,"c":30,"d":10})");  // d unexpected
  read(b, 0, R"({"0":30,"b":30,"c":40})");         // a missing, 0 unexpected
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  EXPECT_EQ(kinds(r), (std::vector<std::string>{"missing-account", "unexpected-account",
                                                "missing-account", "unexpected-account"}));
  EXPECT_EQ(r.anomalies[0].evidence["accounts"], nlohmann::json::array({"b"}));
  EXPECT_EQ(r.anomalies[1].evidence["accounts"], nlohmann::json::array({"d"}));
  EXPECT_EQ(r.anomalies[2].evidence["accounts"], nlohmann::json::array({"a"}));
  EXPECT_EQ(r.anomalies[3].evidence["accounts"], nlohmann::json::array({"0"}));
  EXPECT_EQ(r.details["missing_account_count"], 2);
  EXPECT_EQ(r.details["unexpected_account_count"], 2);
  EXPECT_EQ(r.details["bad_reads"], 3);
  EXPECT_EQ(r.summary,
            "3 of 4 reads bad: 2 missing-account, 2 unexpected-account (e.g. read (lines 3-4) "
            "lacks accounts the first read (lines 1-2) has: [\"b\"])");
}

TEST(BankChecker, NonOkReadsAreIgnored) {
  HistoryBuilder b;
  read(b, 0, R"({"a":50,"b":50})");
  b.invoke(1, "read").info(1, "read", R"({"a":1})");
  b.invoke(1, "read").fail(1, "read", "\"timeout\"");
  b.invoke(2, "read");  // pending
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kValid) << r.summary;
  EXPECT_EQ(r.details["reads"], 1);
}

TEST(BankChecker, KeysAreIndependentBanks) {
  HistoryBuilder b;
  read(b, 0, R"({"a":50,"b":50})", "1");
  read(b, 0, R"({"x":7})", "2");
  read(b, 0, R"({"a":60,"b":40})", "1");
  read(b, 0, R"({"x":7})", "2");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kValid) << r.summary;
  EXPECT_EQ(r.summary, "4 reads on 2 keys, 0 transfers");

  read(b, 0, R"({"x":8})", "2");
  r = check(b);
  ASSERT_EQ(kinds(r), std::vector<std::string>{"wrong-total"});
  EXPECT_EQ(r.anomalies[0].key, "2");
  EXPECT_EQ(r.anomalies[0].evidence["expected_total"], 7);
}

TEST(BankChecker, ValuesOfTheWrongShapeAreUnknownNamingTheLine) {
  struct Case {
    std::string f, value, expected;
  };
  const Case cases[] = {
      {"read", "[50,50]", "the ok value of read to be an object {account: balance}"},
      {"read", R"({"a":"50"})", "the balance of account \"a\" to be an integer"},
      {"read", R"({"a":1.5})", "the balance of account \"a\" to be an integer"},
      {"transfer", R"({"from":"a","to":"b"})",
       "the value of transfer to be {\"from\": account, \"to\": account, \"amount\": integer}"},
      {"transfer", R"({"from":"a","to":null,"amount":1})",
       "the value of transfer to be {\"from\": account, \"to\": account, \"amount\": integer}"},
      {"transfer", "5",
       "the value of transfer to be {\"from\": account, \"to\": account, \"amount\": integer}"},
  };
  for (const Case& c : cases) {
    HistoryBuilder b;
    read(b, 0, R"({"a":50})");
    b.invoke(1, c.f, c.f == "transfer" ? c.value : "null");
    const uint32_t line = c.f == "transfer" ? b.next_line() - 1 : b.next_line();
    b.ok(1, c.f, c.value);
    CheckResult r = check(b);
    EXPECT_EQ(r.verdict, Verdict::kUnknown) << c.value;
    EXPECT_EQ(r.input_error, "test.jsonl:" + std::to_string(line) + ": expected " + c.expected +
                                 ", got " + c.value);
    EXPECT_EQ(r.summary, "malformed input: " + r.input_error);
  }
}

TEST(BankChecker, TotalBeyond64BitsIsUnknown) {
  HistoryBuilder b;
  read(b, 0, R"({"a":9223372036854775807,"b":1})");
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kUnknown);
  EXPECT_NE(r.input_error.find("overflows 64-bit integers"), std::string::npos) << r.input_error;
}

TEST(BankChecker, NoOkReadIsUnknown) {
  HistoryBuilder b;
  transfer(b, 0, "a", "b", 1);
  CheckResult r = check(b);
  EXPECT_EQ(r.verdict, Verdict::kUnknown);
  EXPECT_EQ(r.summary, "no ok read to check (1 transfers)");
}

TEST(BankChecker, ExceededDeadlineIsUnknown) {
  HistoryBuilder b;
  for (int i = 0; i < 2000; ++i) read(b, 0, R"({"a":1})");
  expect_out_of_time(check(b, past_deadline()));
}

}  // namespace
}  // namespace faultline
