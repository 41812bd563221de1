// End-to-end tests of the `faultline` executable: each test runs the built
// binary on fixture histories (tests/fixtures/, docs/examples/) and checks its
// exit code, its stdout and its stderr, as a user or a CI job would see them.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/cli_support.h"

namespace {

using namespace cli_support;

const std::string kFaultline = FAULTLINE_BIN;
const std::string kGenHistory = FAULTLINE_GEN_HISTORY_BIN;
const std::string kGenTxnHistory = FAULTLINE_GEN_TXN_HISTORY_BIN;
const fs::path kFixtures = FAULTLINE_FIXTURES_DIR;
const fs::path kExamples = FAULTLINE_EXAMPLES_DIR;

std::string fixture(const std::string& name) { return (kFixtures / name).string(); }
std::string example(const std::string& name) { return (kExamples / name).string(); }

// The count from `sql` (one integer) run on the SQLite file at `path`.
int64_t query_int(const fs::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  int64_t value = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
      value = sqlite3_column_int64(stmt, 0);
    else
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    sqlite3_finalize(stmt);
  } else {
    ADD_FAILURE() << path << ": " << sqlite3_errmsg(db);
  }
  sqlite3_close(db);
  return value;
}

class cli : public testing::Test {
 protected:
  Result faultline(const std::vector<std::string>& args) {
    return spawn(tmp_.path(), kFaultline, args);
  }
  Result check(std::vector<std::string> args) {
    args.insert(args.begin(), "check");
    return faultline(args);
  }

  // A register history of 20,000 operations that takes the checker far longer
  // than 10 ms and far more than 1 MB (about 0.2 s of CPU), made once.
  static const std::string& hard_history() {
    static const std::string path = [] {
      std::string out = (hard_dir_->path() / "hard.jsonl").string();
      Result gen = spawn(hard_dir_->path(), kGenHistory,
                         {"-n", "20000", "-k", "1", "-p", "20", "--info-rate", "0.05", "--seed",
                          "1", "--out", out});
      EXPECT_EQ(gen.code, 0) << said(gen);
      return out;
    }();
    return path;
  }
  static void SetUpTestSuite() { hard_dir_ = new TempDir; }
  static void TearDownTestSuite() { delete hard_dir_; }

  TempDir tmp_;
  static TempDir* hard_dir_;
};
TempDir* cli::hard_dir_ = nullptr;

TEST_F(cli, valid_history_exits_0) {
  const std::string file = example("register-valid.jsonl");
  Result r = check({file});
  EXPECT_EQ(r.code, 0) << said(r);
  ASSERT_EQ(lines_of(r.out).size(), 1u) << said(r);
  EXPECT_TRUE(r.out.starts_with(file + ": valid: linearizable: 9 ops on 1 key (")) << said(r);
  EXPECT_EQ(r.err, "");
}

TEST_F(cli, stale_read_exits_1_and_explains_the_read) {
  const std::string file = example("register-stale-read.jsonl");
  Result r = check({file});
  EXPECT_EQ(r.code, 1) << said(r);
  ASSERT_EQ(lines_of(r.out).size(), 1u) << said(r);
  EXPECT_NE(r.out.find(file + ": invalid: not linearizable"), std::string::npos) << said(r);
  // The explanation names the file, the stale read and its lines, and a core
  // holding the write it missed. (The core's exact size is the checker's
  // business: checkers/linearizability_test.cc.)
  // The verdict comes first, before the minimal core is looked for.
  EXPECT_TRUE(r.err.starts_with(file + ": invalid after ")) << said(r);
  EXPECT_NE(r.err.find("; looking for a minimal core (up to 5 s)\n" + file +
                       ": the register is not linearizable."),
            std::string::npos)
      << said(r);
  EXPECT_NE(r.err.find("stops before\n    process 2: read -> 1 (ok, lines 5-6)"), std::string::npos)
      << said(r);
  EXPECT_NE(r.err.find("process 1: write 2 (ok, lines 3-4)"), std::string::npos) << said(r);
}

TEST_F(cli, search_options_keep_the_verdict) {
  for (const auto& option : {"--no-optimizations", "--threads=1", "--threads=4"}) {
    EXPECT_EQ(check({option, example("register-stale-read.jsonl")}).code, 1) << option;
    EXPECT_EQ(check({option, example("register-valid.jsonl")}).code, 0) << option;
  }
}

TEST_F(cli, several_files_print_one_line_each_and_exit_with_the_worst) {
  const std::string valid = fixture("set-valid.jsonl"), lost = fixture("set-lost.jsonl"),
                    unread = fixture("set-never-read.jsonl");
  Result r = check({"-m", "set", valid, unread, valid});
  EXPECT_EQ(r.code, 2) << said(r);  // unknown over valid
  std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << said(r);
  EXPECT_TRUE(lines[0].starts_with(valid + ": valid: ")) << said(r);
  EXPECT_TRUE(lines[1].starts_with(unread + ": unknown: ")) << said(r);
  EXPECT_TRUE(lines[2].starts_with(valid + ": valid: ")) << said(r);

  r = check({"-m", "set", unread, lost, valid});
  EXPECT_EQ(r.code, 1) << said(r);  // invalid over unknown
  EXPECT_EQ(lines_of(r.out).size(), 3u) << said(r);

  // Unreadable input is worse than any verdict: missing (66), then malformed (65).
  const std::string missing = (tmp_.path() / "missing.jsonl").string();
  r = check({"-m", "set", lost, missing, valid});
  EXPECT_EQ(r.code, 66) << said(r);
  EXPECT_EQ(lines_of(r.out).size(), 2u) << said(r);  // the files after it are still checked
  r = check({"-m", "set", fixture("malformed/type-unknown.jsonl"), missing, lost});
  EXPECT_EQ(r.code, 65) << said(r);
}

TEST_F(cli, json_prints_one_object_per_file) {
  const std::string valid = example("register-valid.jsonl");
  const std::string stale = example("register-stale-read.jsonl");
  Result r = check({"--json", valid, stale});
  EXPECT_EQ(r.code, 1) << said(r);
  std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << said(r);
  nlohmann::json first = nlohmann::json::parse(lines[0]);
  nlohmann::json second = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(first["file"], valid);
  EXPECT_EQ(first["verdict"], "valid");
  EXPECT_EQ(first["checker"], "linearizable");
  EXPECT_EQ(first["anomalies"], nlohmann::json::array());
  EXPECT_TRUE(first["seconds"].is_number());
  EXPECT_EQ(second["file"], stale);
  EXPECT_EQ(second["verdict"], "invalid");
  ASSERT_EQ(second["anomalies"].size(), 1u) << lines[1];
  EXPECT_EQ(second["anomalies"][0]["kind"], "nonlinearizable");
  std::set<int> core_lines;  // the invoke lines of the minimal core's ops
  for (const auto& op : second["anomalies"][0]["evidence"]["core"])
    core_lines.insert(op["line"].get<int>());
  EXPECT_TRUE(core_lines.count(3) && core_lines.count(5)) << lines[1];  // write 2, the read
  EXPECT_EQ(r.err, "");  // the explanation is in the JSON, not on stderr
}

TEST_F(cli, edn_histories_from_jepsen) {
  Result r = check({"--format", "edn", example("register-valid.edn")});
  EXPECT_EQ(r.code, 0) << said(r);
  EXPECT_NE(r.out.find(": valid: linearizable: 9 ops on 1 key"), std::string::npos) << said(r);

  const std::string independent = example("register-independent.edn");
  r = check({"--format", "edn", "--independent", independent});
  EXPECT_EQ(r.code, 0) << said(r);
  EXPECT_NE(r.out.find(": valid: linearizable: 5 ops on 2 keys"), std::string::npos) << said(r);
  // Without --independent the [key value] tuples are register values, and the
  // history is not linearizable.
  r = check({"--format", "edn", independent});
  EXPECT_EQ(r.code, 1) << said(r);
}

// Elle-style transactional checks: the verdict follows --consistency-model,
// Jepsen's EDN histories read as they are, and the why goes to stderr.
TEST_F(cli, transactional_models_and_consistency_models) {
  const std::string skew = example("list-append-g-single.edn");
  Result r = check({"--format", "edn", "--model", "list-append", skew});
  EXPECT_EQ(r.code, 1) << said(r);
  EXPECT_NE(r.out.find(": invalid: not strict-serializable: 1 G-single"), std::string::npos)
      << said(r);
  EXPECT_NE(r.err.find("T1 < T2 (rw): T1 read key 1 without T2's append of 1"), std::string::npos)
      << said(r);
  EXPECT_NE(r.err.find("the txn of process 1 at lines 2-4"), std::string::npos) << said(r);
  r = check(
      {"--format", "edn", "--model", "list-append", "--consistency-model", "read-committed", skew});
  EXPECT_EQ(r.code, 0) << said(r);
  EXPECT_NE(r.out.find("only anomalies read-committed allows"), std::string::npos) << said(r);

  r = check({"--model", "list-append", example("list-append-valid.jsonl")});
  EXPECT_EQ(r.code, 0) << said(r);
  EXPECT_NE(r.out.find(": valid: 4 ok txns (1 info, 1 failed) on 2 keys: no anomaly"),
            std::string::npos)
      << said(r);

  const std::string write_skew = fixture("rw-register-write-skew.jsonl");
  r = check(
      {"--model", "rw-register", "--consistency-model", "serializable", "--json", write_skew});
  EXPECT_EQ(r.code, 1) << said(r);
  nlohmann::json result = nlohmann::json::parse(r.out);
  EXPECT_EQ(result["anomalies"][0]["kind"], "G2-item");
  EXPECT_EQ(result["anomalies"][0]["evidence"]["cycle"].size(), 2u);
  r = check({"--model", "rw-register", "--consistency-model", "snapshot-isolation", write_skew});
  EXPECT_EQ(r.code, 0) << said(r);

  // Operations other than txn are ignored: a register history has nothing to judge.
  r = check({"--model", "list-append", example("register-valid.jsonl")});
  EXPECT_EQ(r.code, 2) << said(r);
  EXPECT_NE(r.out.find(": unknown: no ok transaction to check"), std::string::npos) << said(r);
}

TEST_F(cli, models_judge_their_workloads) {
  struct Case {
    std::string model, file;
    int code;
    std::string summary;
  };
  const std::vector<Case> cases = {
      {"set", "set-valid.jsonl", 0, "valid: 2 adds, 0 lost, 0 unexpected"},
      {"set", "set-lost.jsonl", 1, "invalid: 1 lost element (e.g. 2)"},
      {"counter", "counter-valid.jsonl", 0, "valid: 1 reads within bounds"},
      {"counter", "counter-out-of-bounds.jsonl", 1, "lines 5-6: read 3, allowed [1, 1]"},
      {"bank", "bank-valid.jsonl", 0, "valid: 2 reads, total 100 over 2 accounts"},
      {"bank", "bank-wrong-total.jsonl", 1, "1 wrong-total"},
      {"kv", "kv-valid.jsonl", 0, "valid: linearizable: 4 ops on 2 keys"},
      {"kv", "kv-stale-get.jsonl", 1, "key x: process 0: get -> \"a\" (ok, lines 5-6)"},
  };
  for (const Case& c : cases) {
    Result r = check({"--model", c.model, fixture(c.file)});
    EXPECT_EQ(r.code, c.code) << c.file << "\n" << said(r);
    EXPECT_NE(r.out.find(c.summary), std::string::npos) << c.file << "\n" << said(r);
  }
}

TEST_F(cli, malformed_input_exits_65_naming_file_and_line) {
  struct Case {
    std::vector<std::string> options;
    std::string file;
    int line;
    std::string message;  // what follows "FILE:LINE: "
  };
  const std::vector<std::string> jsonl, edn = {"--format", "edn"};
  const std::vector<Case> cases = {
      {jsonl, "truncated-json.jsonl", 3, "expected valid JSON"},
      {jsonl, "process-not-integer.jsonl", 2,
       "expected \"process\" to be an integer or \"nemesis\""},
      {jsonl, "type-unknown.jsonl", 2, "expected \"type\" to be one of \"invoke\", \"ok\""},
      {jsonl, "f-not-string.jsonl", 3, "expected \"f\" to be a string"},
      {jsonl, "time-not-integer.jsonl", 2, "expected \"time\" to be a non-negative integer"},
      {jsonl, "key-not-scalar.jsonl", 1, "expected \"key\" to be a string, a number or null"},
      {jsonl, "missing-process.jsonl", 2, "expected a \"process\" field"},
      {jsonl, "completion-without-invoke.jsonl", 3,
       "expected an invoke before this ok of process 1"},
      {jsonl, "duplicate-completion.jsonl", 3, "expected an invoke before this ok of process 0"},
      {jsonl, "double-invoke.jsonl", 2,
       "expected a completion (ok, fail or info) for process 0's write invoked at line 1, got "
       "another invoke"},
      {jsonl, "cas-not-pair.jsonl", 3, "cas of process 0: expected value [expected, new], got 5"},
      {{"--model", "counter"},
       "counter-add-not-integer.jsonl",
       3,
       "expected the value of add to be an integer delta (64-bit), got \"one\""},
      {{"--model", "list-append"},
       "list-append-bad-mop.jsonl",
       4,
       "expected a micro-operation [\"append\", key, integer] or [\"r\", key, null or "
       "[integers]], got [\"r\",\"x\",{\"a\":1}]"},
      {edn, "edn-syntax-error.edn", 4, "expected a decimal number that fits a double"},
      {{"--format", "edn", "--independent"},
       "edn-independent-not-tuple.edn",
       3,
       "expected :value to be an independent [key value] pair or nil"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = c.options;
    const std::string file = fixture("malformed/" + c.file);
    args.push_back(file);
    Result r = check(args);
    EXPECT_EQ(r.code, 65) << said(r);
    const std::string expected =
        "faultline check: " + file + ":" + std::to_string(c.line) + ": " + c.message;
    EXPECT_TRUE(r.err.starts_with(expected)) << "expected: " << expected << "\n" << said(r);
    EXPECT_EQ(r.out, "") << said(r);
  }
  // An unclosed EDN map is reported at the end of the input, naming where it opened.
  Result r = check({"--format", "edn", fixture("malformed/edn-unclosed-map.edn")});
  EXPECT_EQ(r.code, 65) << said(r);
  EXPECT_NE(r.err.find("expected '}' to close the operation map opened at line 2"),
            std::string::npos)
      << said(r);
}

TEST_F(cli, missing_file_or_directory_exits_66) {
  const std::string missing = (tmp_.path() / "no-such-history.jsonl").string();
  Result r = check({missing});
  EXPECT_EQ(r.code, 66) << said(r);
  EXPECT_EQ(r.err, "faultline check: " + missing + ": cannot open: No such file or directory\n");
  r = check({tmp_.path().string()});
  EXPECT_EQ(r.code, 66) << said(r);
  EXPECT_NE(r.err.find("is a directory"), std::string::npos) << said(r);
}

TEST_F(cli, bad_flags_exit_64) {
  const std::string valid = example("register-valid.jsonl");
  const std::vector<std::vector<std::string>> bad = {
      {},                                     // no subcommand
      {"frobnicate"},                         // no such subcommand
      {"check"},                              // no history
      {"check", "--no-such-flag", valid},     // unknown flag
      {"check", "--model", "queue", valid},   // unknown model
      {"check", "--format", "xml", valid},    // unknown format
      {"check", "--timeout", "0", valid},     // not positive
      {"check", "--timeout", "nan", valid},   // not a number
      {"check", "--timeout", "soon", valid},  // not a number
      {"check", "--max-memory", "0", valid},  // not positive
      {"check", "--threads", "-1", valid},    // not a count
      {"sim", "--nemesis-hold", "pause"},     // held but not planned
  };
  for (const auto& args : bad) {
    Result r = faultline(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.code, 64) << joined << "\n" << said(r);
    EXPECT_NE(r.err, "") << joined;
    EXPECT_EQ(r.out, "") << joined;
  }
}

TEST_F(cli, huge_budgets_mean_no_budget) {
  Result r = check({"--timeout", "1e300", "--max-memory", "18446744073709551615",
                    example("register-valid.jsonl")});
  EXPECT_EQ(r.code, 0) << said(r);
}

TEST_F(cli, tiny_timeout_on_a_hard_history_is_unknown) {
  Result r = check({"--timeout", "0.01", hard_history()});
  EXPECT_EQ(r.code, 2) << said(r);
  EXPECT_NE(r.out.find(": unknown: gave up in the search: timeout reached"), std::string::npos)
      << said(r);
}

TEST_F(cli, tiny_memory_limit_on_a_hard_history_is_unknown) {
  Result r = check({"--max-memory", "1", hard_history()});
  EXPECT_EQ(r.code, 2) << said(r);
  EXPECT_NE(r.out.find(": unknown: gave up in the "), std::string::npos) << said(r);
}

// The transactional checkers' budgets: 100,000 transactions (about 140 MB
// to check) under a 60 MB budget, or a 10 ms timeout, are unknown (exit 2).
TEST_F(cli, transactional_check_within_budgets) {
  const std::string file = (tmp_.path() / "txns.jsonl").string();
  Result gen = spawn(tmp_.path(), kGenTxnHistory, {"-n", "100000", "--seed", "1", "-o", file});
  ASSERT_EQ(gen.code, 0) << said(gen);
  Result r = check({"--model", "list-append", "--max-memory", "60", file});
  EXPECT_EQ(r.code, 2) << said(r);
  EXPECT_NE(r.out.find(": unknown: "), std::string::npos) << said(r);
  EXPECT_NE(r.out.find("out of memory (budget 60 MB)"), std::string::npos) << said(r);
  r = check({"--model", "list-append", "--timeout", "0.01", file});
  EXPECT_EQ(r.code, 2) << said(r);
  EXPECT_NE(r.out.find(": unknown: time budget exceeded"), std::string::npos) << said(r);
  r = check({"--model", "list-append", file});
  EXPECT_EQ(r.code, 0) << said(r);
}

// Under `ulimit -v` (as in a CI job's container), a history whose search
// needs gigabytes ends with exit 2 and says it ran out of memory: from the
// default budget (derived from the limit), and from the address-space cap
// when the budget given is above the limit. Never a signal.
TEST_F(cli, memory_budget_holds_under_ulimit_v) {
  const std::string file = (tmp_.path() / "appends.jsonl").string();
  Result gen = spawn(tmp_.path(), kGenHistory,
                     {"--model", "kv", "--kv-values", "unique", "-p", "30", "-k", "1", "-n", "3000",
                      "--mix", "get=5,append=4,put=1", "--seed", "1", "--out", file});
  ASSERT_EQ(gen.code, 0) << said(gen);
  for (std::string budget : {"", "--max-memory=100000"}) {
    SCOPED_TRACE("budget flag: " + budget);
    Result r = spawn(
        tmp_.path(), "/bin/sh",
        {"-c",
         "ulimit -v 1500000 && exec \"$0\" check --model kv --timeout 300 " + budget + " \"$1\"",
         kFaultline, file});
    EXPECT_EQ(r.code, 2) << said(r);
    EXPECT_NE(r.out.find(": unknown: gave up in the search: out of memory ("), std::string::npos)
        << said(r);
  }
}

TEST_F(cli, db_records_runs_events_results_and_anomalies) {
  const fs::path db = tmp_.path() / "runs.db";
  // A malformed history records nothing; the two others a run each.
  Result r =
      check({"--db", db.string(), example("register-valid.jsonl"),
             example("register-stale-read.jsonl"), fixture("malformed/double-invoke.jsonl")});
  EXPECT_EQ(r.code, 65) << said(r);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM runs"), 2);
  EXPECT_EQ(query_int(db,
                      "SELECT count(*) FROM runs WHERE kind = 'check' AND status = 'done' AND "
                      "ended_at IS NOT NULL AND model = 'register'"),
            2);
  EXPECT_EQ(query_int(db,
                      "SELECT count(*) FROM runs WHERE verdict = 'invalid' AND name LIKE "
                      "'%register-stale-read.jsonl'"),
            1);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM events"), 19 + 6);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM nemesis_events"), 2);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM checker_results WHERE checker = 'linearizable'"),
            2);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM anomalies WHERE kind = 'nonlinearizable'"), 1);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM anomalies"), 1);

  // Values that do not fit the model abort the run: events, but no result.
  r = check(
      {"--db", db.string(), "-m", "counter", fixture("malformed/counter-add-not-integer.jsonl")});
  EXPECT_EQ(r.code, 65) << said(r);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM runs WHERE status = 'aborted' AND verdict IS NULL"),
            1);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM events"), 19 + 6 + 4);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM checker_results"), 2);
}

TEST_F(cli, db_that_cannot_be_opened_exits_3) {
  const fs::path db = tmp_.path() / "no-such-dir" / "runs.db";
  Result r = check({"--db", db.string(), example("register-valid.jsonl")});
  EXPECT_EQ(r.code, 3) << said(r);
  EXPECT_EQ(r.out, "");  // nothing is checked
  EXPECT_NE(r.err.find("cannot open the store"), std::string::npos) << said(r);
}

TEST_F(cli, version_and_help_exit_0) {
  Result r = faultline({"--version"});
  EXPECT_EQ(r.code, 0) << said(r);
  EXPECT_EQ(r.out, "faultline 0.1.0\n");
  r = faultline({"--help"});
  EXPECT_EQ(r.code, 0) << said(r);
  EXPECT_NE(r.out.find("check"), std::string::npos) << said(r);
  r = faultline({"check", "--help"});
  EXPECT_EQ(r.code, 0) << said(r);
  for (const char* flag :
       {"--model", "--format", "--independent", "--timeout", "--max-memory", "--threads",
        "--no-optimizations", "--json", "--db", "--consistency-model"})
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
}

}  // namespace
