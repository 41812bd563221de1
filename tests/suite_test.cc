// `faultline suite` and `faultline store merge` end to end on a real local
// cluster (needs root: label cluster): a suite of three short cases, one of
// which expects the wrong verdict, its summary, exit code, JUnit, the store's
// suite columns, shards, and the merge of two shards' stores.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/run_support.h"

namespace {

using namespace run_support;

// One query's rows, columns joined by '|'.
std::vector<std::string> query(const fs::path& db, const std::string& sql) {
  std::vector<std::string> rows;
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(raw);
    ADD_FAILURE() << "cannot open " << db;
    return rows;
  }
  sqlite3_stmt* s = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(raw, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
  while (s && sqlite3_step(s) == SQLITE_ROW) {
    std::string row;
    for (int i = 0; i < sqlite3_column_count(s); ++i) {
      const unsigned char* t = sqlite3_column_text(s, i);
      row += (i ? "|" : "") + std::string(t ? reinterpret_cast<const char*>(t) : "");
    }
    rows.push_back(row);
  }
  sqlite3_finalize(s);
  sqlite3_close(raw);
  return rows;
}

class SuiteTest : public ClusterTest {
 protected:
  fs::path write_suite() {
    const fs::path file = tmp_.path() / "mini.toml";
    std::ofstream(file) << R"(name = "mini"
[defaults]
nodes = 3
time-limit = 3
rate = 100
[[case]]
workload = ["register", "counter"]
nemesis = "none"
[[case]]
name = "wrong"
workload = "register"
nemesis = "none"
expect = "invalid"  # a correct raftkv is valid: this case does not meet it
tags = ["odd"]
)";
    return file;
  }
  std::vector<std::string> suite_args(const fs::path& file, const fs::path& store,
                                      std::vector<std::string> more) {
    std::vector<std::string> a = {"suite",          file.string(), "--cluster", cluster_,
                                  "--cluster-root", clusters(),    "--store",   store.string(),
                                  "--revision",     "rev-1"};
    a.insert(a.end(), more.begin(), more.end());
    return a;
  }
};

TEST_F(SuiteTest, RunsTheMatrixRecordsTheSuiteAndSaysWhatWasNotMet) {
  const fs::path file = write_suite();
  const fs::path junit = tmp_.path() / "suite.xml";
  const Result r = faultline(suite_args(
      file, store(), {"--suite-id", "mini-1", "--suite-junit", junit.string(), "--quiet"}));
  EXPECT_EQ(r.code, 1) << said(r);  // the "wrong" case did not meet its expectation
  EXPECT_NE(r.out.find("| raftkv-register-none | valid | valid | yes |"), std::string::npos)
      << said(r);
  EXPECT_NE(r.out.find("| raftkv-counter-none | valid | valid | yes |"), std::string::npos)
      << said(r);
  EXPECT_NE(r.out.find("| wrong | valid | invalid | **no** |"), std::string::npos) << said(r);
  EXPECT_NE(r.out.find("2 of 3 case(s) met"), std::string::npos) << said(r);
  const std::string xml = read_file(junit);
  EXPECT_NE(xml.find("tests=\"3\" failures=\"1\" errors=\"0\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure type=\"valid\" message=\"valid, expected invalid (exit 0)\""),
            std::string::npos)
      << xml;
  EXPECT_EQ(query(store() / "faultline.db",
                  "SELECT suite, suite_run, suite_case, revision, verdict FROM runs ORDER BY id"),
            (std::vector<std::string>{"mini|mini-1|raftkv-register-none|rev-1|valid",
                                      "mini|mini-1|raftkv-counter-none|rev-1|valid",
                                      "mini|mini-1|wrong|rev-1|valid"}));
  // The registry: one suite run so far.
  const Result runs =
      faultline({"runs", "--db", (store() / "faultline.db").string(), "--suite", "mini"});
  EXPECT_EQ(runs.code, 0) << said(runs);
  EXPECT_NE(runs.out.find("| wrong | invalid | `x` | 0/1 met (rev-1) | 0/1 |"), std::string::npos)
      << said(runs);
  EXPECT_NE(runs.out.find("| raftkv-register-none | valid | `+` | 1/1 met (rev-1) |"),
            std::string::npos)
      << said(runs);
}

TEST_F(SuiteTest, ShardsRunApartAndTheirStoresMerge) {
  const fs::path file = write_suite();
  const fs::path a = tmp_.path() / "a", b = tmp_.path() / "b";
  // Shard 1 of 2 holds cases 1 and 3, shard 2 case 2; only "wrong" misses.
  EXPECT_EQ(faultline(suite_args(file, a, {"--shard", "1/2", "--suite-id", "m", "-q"})).code, 1);
  const Result second = faultline(suite_args(file, b, {"--shard", "2/2", "--suite-id", "m", "-q"}));
  EXPECT_EQ(second.code, 0) << said(second);
  const fs::path all = tmp_.path() / "all.db";
  const std::string a_db = (a / "faultline.db").string(), b_db = (b / "faultline.db").string();
  Result merged = faultline({"store", "merge", a_db, b_db, "-o", all.string()});
  ASSERT_EQ(merged.code, 0) << said(merged);
  EXPECT_NE(merged.out.find("3 run(s) added"), std::string::npos) << said(merged);
  merged = faultline({"store", "merge", a_db, b_db, "-o", all.string()});  // again: nothing new
  EXPECT_NE(merged.out.find("0 run(s) added"), std::string::npos) << said(merged);
  EXPECT_EQ(query(all, "SELECT suite_case FROM runs WHERE suite_run = 'm' ORDER BY suite_case"),
            (std::vector<std::string>{"raftkv-counter-none", "raftkv-register-none", "wrong"}));
  auto events = [&](const fs::path& db) {
    return std::stoll(query(db, "SELECT count(*) FROM events").at(0));
  };
  EXPECT_GT(events(a_db), 0);
  EXPECT_EQ(events(all), events(a_db) + events(b_db));
}

TEST_F(SuiteTest, ParallelCasesRunOnClustersOfTheirOwnWithTheSameOutcome) {
  const fs::path file = write_suite();
  const Result r = faultline(suite_args(file, store(), {"--parallel", "2", "--suite-id", "par"}));
  EXPECT_EQ(r.code, 1) << said(r);  // as when run one after another: "wrong" is not met
  EXPECT_NE(r.out.find("| raftkv-register-none | valid | valid | yes |"), std::string::npos)
      << said(r);
  EXPECT_NE(r.out.find("| raftkv-counter-none | valid | valid | yes |"), std::string::npos)
      << said(r);
  EXPECT_NE(r.out.find("| wrong | valid | invalid | **no** |"), std::string::npos) << said(r);
  // Two slots, two clusters: the first two cases started at once.
  const std::string base = cluster_.substr(0, 7);
  EXPECT_NE(r.err.find("on cluster " + base + "1"), std::string::npos) << said(r);
  EXPECT_NE(r.err.find("on cluster " + base + "2"), std::string::npos) << said(r);
  EXPECT_EQ(query(store() / "faultline.db",
                  "SELECT suite_case, suite_run, revision FROM runs ORDER BY suite_case"),
            (std::vector<std::string>{"raftkv-counter-none|par|rev-1",
                                      "raftkv-register-none|par|rev-1", "wrong|par|rev-1"}));
  // Every case's output is kept in its own log, and no cluster is left up.
  const fs::path log_dir = fs::temp_directory_path() / "faultline-suite-par";
  for (const char* id : {"raftkv-register-none", "raftkv-counter-none", "wrong"})
    EXPECT_TRUE(fs::exists(log_dir / (std::string(id) + ".log"))) << id;
  fs::remove_all(log_dir);
  for (const char* slot : {"1", "2"}) {
    EXPECT_FALSE(fs::exists(fs::path(clusters()) / (base + slot))) << base + slot;
    faultline({"cluster", "down", "--name", base + slot, "--root", clusters()});  // if left
  }
}

TEST(SuiteCli, BadFilesAndFlagsAreUsageErrors) {
  TempDir tmp;
  const fs::path file = tmp.path() / "bad.toml";
  std::ofstream(file) << "[[case]]\nworkload = \"register\"\nbogus = 1\n";
  Result r = spawn(tmp.path(), kFaultline, {"suite", file.string()});
  EXPECT_EQ(r.code, 65) << said(r);
  EXPECT_NE(r.err.find("bad.toml:3: unknown key 'bogus'"), std::string::npos) << said(r);
  r = spawn(tmp.path(), kFaultline, {"suite", (tmp.path() / "missing.toml").string()});
  EXPECT_EQ(r.code, 66) << said(r);
  std::ofstream(file) << "[[case]]\nworkload = \"register\"\n";
  r = spawn(tmp.path(), kFaultline, {"suite", file.string(), "--shard", "0/2"});
  EXPECT_EQ(r.code, 64) << said(r);
  r = spawn(tmp.path(), kFaultline, {"suite", file.string(), "--case", "nope"});
  EXPECT_EQ(r.code, 64) << said(r);
  EXPECT_NE(r.err.find("--case nope: no such case"), std::string::npos) << said(r);
  r = spawn(tmp.path(), kFaultline,
            {"suite", file.string(), "--parallel", "2", "--nodes-file", "nodes.toml"});
  EXPECT_EQ(r.code, 64) << said(r);
  EXPECT_NE(r.err.find("a local cluster of its own"), std::string::npos) << said(r);
  r = spawn(tmp.path(), kFaultline, {"store", "merge", "nothing.db", "-o", "all.db"});
  EXPECT_EQ(r.code, 66) << said(r);
}

}  // namespace
