#include "harness/suite/suite_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/exit_codes.h"
#include "harness/suite/suite_runner.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

class SuiteFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("faultline_suite_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Status read(const std::string& text, Suite* out) {
    const std::string path = (dir_ / "s.toml").string();
    std::ofstream(path) << text;
    return read_suite_file(path, out);
  }
  std::vector<std::string> ids(const Suite& s) {
    std::vector<std::string> out;
    for (const SuiteCase& c : s.cases) out.push_back(c.id);
    return out;
  }

  fs::path dir_;
};

TEST_F(SuiteFileTest, ArraysMakeAMatrixAndRepeatsFollowEachOther) {
  Suite s;
  Status st = read(R"(name = "smoke"
[defaults]
nodes = 3
time-limit = 20
[[case]]
workload = ["register", "counter"]
nemesis = ["partition", "kill,pause"]
[[case]]
name = "stale"
nemesis = "partition"
expect = "invalid"
repeat = 2
tags = ["failpoint"]
[case.opt]
failpoint = ["stale-read", "lease-read"]
)",
                   &s);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(s.name, "smoke");
  EXPECT_EQ(ids(s), (std::vector<std::string>{
                        "raftkv-register-partition", "raftkv-counter-partition",
                        "raftkv-register-kill+pause", "raftkv-counter-kill+pause",
                        "stale-failpoint=stale-read#1", "stale-failpoint=stale-read#2",
                        "stale-failpoint=lease-read#1", "stale-failpoint=lease-read#2"}));
  const SuiteCase& first = s.cases[0];
  EXPECT_EQ(first.config.nodes, 3);  // from [defaults]
  EXPECT_EQ(first.config.time_limit_s, 20);
  EXPECT_EQ(first.expect, "valid");
  EXPECT_EQ(first.config.name, "raftkv-register-partition");
  const SuiteCase& last = s.cases.back();
  EXPECT_EQ(last.config.opts.at("failpoint"), "lease-read");
  EXPECT_EQ(last.config.nemesis, "partition");
  EXPECT_EQ(last.expect, "invalid");
  EXPECT_EQ(last.tags, std::vector<std::string>{"failpoint"});
  EXPECT_EQ(last.config.name, "stale-failpoint=lease-read");  // repeats share the test name
  EXPECT_EQ(cases_tagged(s.cases, {"failpoint"}).size(), 4u);
  EXPECT_EQ(cases_tagged(s.cases, {}).size(), 8u);
}

TEST_F(SuiteFileTest, ShardsPartitionTheCases) {
  Suite s;
  ASSERT_TRUE(read("[[case]]\nworkload = \"register\"\nrepeat = 7\n", &s).is_ok());
  std::vector<std::string> all;
  for (int i = 1; i <= 3; ++i)
    for (const SuiteCase& c : shard_cases(s.cases, i, 3)) all.push_back(c.id);
  std::sort(all.begin(), all.end());
  std::vector<std::string> expected = ids(s);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(all, expected);  // each case in exactly one shard
  EXPECT_EQ(shard_cases(s.cases, 1, 3).size(), 3u);
  EXPECT_EQ(shard_cases(s.cases, 3, 3).size(), 2u);
}

TEST_F(SuiteFileTest, CasesAreSelectedById) {
  Suite s;
  ASSERT_TRUE(read("[[case]]\nworkload = [\"register\", \"counter\", \"set\"]\n", &s).is_ok());
  std::vector<SuiteCase> cases = s.cases;
  ASSERT_TRUE(select_cases({"raftkv-set-partition+kill", "raftkv-register-partition+kill"}, &cases)
                  .is_ok());
  std::vector<std::string> kept;
  for (const SuiteCase& c : cases) kept.push_back(c.id);
  EXPECT_EQ(kept, (std::vector<std::string>{"raftkv-register-partition+kill",
                                            "raftkv-set-partition+kill"}));  // file order
  cases = s.cases;
  const Status st = select_cases({"raftkv-bank-none"}, &cases);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("--case raftkv-bank-none: no such case"), std::string::npos)
      << st.message();
  EXPECT_EQ(cases.size(), 3u);  // nothing dropped on an error
}

// A case's target-file is found next to the suite file and read (checked)
// with the suite, before anything runs.
TEST_F(SuiteFileTest, TargetFilesAreResolvedAndCheckedWithTheSuite) {
  std::ofstream(dir_ / "kv.toml") << "[target]\nname = \"kv\"\ndir = \"/root/kv\"\nport = 1\n"
                                     "start = [\"kv\"]\n[target.protocol]\nkind = \"etcd-v3\"\n";
  Suite s;
  Status st = read("[[case]]\ntarget-file = \"kv.toml\"\n", &s);
  ASSERT_TRUE(st.is_ok()) << st.message();
  ASSERT_EQ(s.cases.size(), 1u);
  EXPECT_EQ(s.cases[0].config.target, "kv");
  EXPECT_EQ(s.cases[0].config.target_file, (dir_ / "kv.toml").string());
  ASSERT_NE(s.cases[0].config.target_def, nullptr);
  std::ofstream(dir_ / "bad.toml") << "[target]\nname = \"kv\"\n";
  st = read("[[case]]\ntarget-file = \"bad.toml\"\n", &s);
  EXPECT_EQ(st.code(), Status::Code::kMalformed);
  EXPECT_NE(st.message().find("bad.toml:1: target needs 'dir'"), std::string::npos) << st.message();
}

TEST_F(SuiteFileTest, ErrorsNameTheLine) {
  struct Bad {
    const char* text;
    const char* message;
  } bad[] = {
      {"[[case]]\nworkload = \"register\"\nfrobnicate = 3\n", "s.toml:3: unknown key 'frobnicate'"},
      {"[[case]]\nexpect = \"maybe\"\n", "s.toml:2: expect: expected"},
      {"[[case]]\nworkload = []\n", "s.toml:2: workload: an empty array gives no runs"},
      {"[[case]]\nnodes = [3, \"five\"]\n", "s.toml:2: nodes = five: expected a number"},
      {"[[case]]\nrepeat = 0\n", "s.toml:2: repeat: expected a whole number"},
      {"[[case]]\nnemesis = \"\"\n", "s.toml:2: nemesis: expected a non-empty string"},
      {"[[case]]\nworkload = \"register\"\n[[case]]\nworkload = \"register\"\n",
       "s.toml:3: case raftkv-register-partition+kill is also made by the case at line 1"},
      {"name = \"x\"\n", "no [[case]]"},
      {"cases = 1\n[[case]]\n", "s.toml:1: unknown key 'cases'"},
      {"[defaults]\nnodes = 0\n[[case]]\n", "s.toml:2: nodes = 0: expected a number"},
  };
  for (const Bad& b : bad) {
    Suite s;
    Status st = read(b.text, &s);
    EXPECT_EQ(st.code(), Status::Code::kMalformed) << b.text;
    EXPECT_NE(st.message().find(b.message), std::string::npos) << st.message();
  }
}

TEST(SuiteRunner, ExpectationsAndSummary) {
  EXPECT_TRUE(meets("valid", 0));
  EXPECT_FALSE(meets("valid", 1));
  EXPECT_TRUE(meets("invalid", 1));
  EXPECT_FALSE(meets("invalid", 0));
  EXPECT_TRUE(meets("any", 0));
  EXPECT_TRUE(meets("any", 1));
  for (int code : {2, 3, 64, 130}) {  // unknown, infrastructure, usage, interrupted
    EXPECT_FALSE(meets("any", code)) << code;
    EXPECT_FALSE(meets("valid", code)) << code;
  }
  CaseResult r;
  r.id = "stale#1";
  r.expect = "invalid";
  r.verdict = "valid";
  r.seconds = 12.5;
  const std::string table = SuiteRunner::summary({r});
  EXPECT_NE(table.find("| stale#1 | valid | invalid | **no** | — | 0 | 12.5 |"), std::string::npos)
      << table;
  EXPECT_NE(table.find("0 of 1 case(s) met"), std::string::npos) << table;
}

TEST(SuiteRunner, ParallelSlotsGetValidClusterNames) {
  EXPECT_EQ(slot_cluster_name("local", 0), "local1");
  EXPECT_EQ(slot_cluster_name("abcdefgh", 0), "abcdefg1");  // at most 8 characters
  EXPECT_EQ(slot_cluster_name("abcdefgh", 11), "abcdef12");
  EXPECT_NE(slot_cluster_name("abcdefgh", 0), slot_cluster_name("abcdefgh", 1));
}

// In parallel, a case that ends in error shows the end of its log, where
// the reason is (here a child that only prints and exits 3, with no result).
TEST(SuiteRunner, AParallelCaseInErrorShowsTheEndOfItsLog) {
  SuiteCase c;
  c.id = "broken";
  c.expect = "valid";
  c.config.cluster = "local";
  SuiteOptions o;
  o.suite_id = "tail";
  o.parallel = 2;
  o.log_dir = ::testing::TempDir() + "/suite-tail";
  o.child_command = {"/bin/sh", "-c",
                     "for i in $(seq 12); do echo line $i; done; echo 'cluster up: boom'; exit 3",
                     "sh"};
  SuiteRunner runner("mini", {c}, o);
  ::testing::internal::CaptureStderr();
  const int code = runner.run();
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, exit_code::kInfrastructure) << err;
  EXPECT_NE(err.find("case broken ended in error; the end of " + o.log_dir + "/broken.log:\n"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("    line 4\n"), std::string::npos) << err;  // the last 10 lines
  EXPECT_EQ(err.find("    line 3\n"), std::string::npos) << err;
  EXPECT_NE(err.find("    cluster up: boom\n"), std::string::npos) << err;
  std::filesystem::remove_all(o.log_dir);
}

TEST(SuiteRunner, CaseResultsSurviveTheFileBetweenProcesses) {
  const std::string path = ::testing::TempDir() + "/case-result.json";
  CaseResult r;
  r.id = "stale#2";
  r.expect = "invalid";
  r.verdict = "invalid";
  r.exit_code = 1;
  r.met = true;
  r.seconds = 21.5;
  r.detection_s = 3.25;
  r.ops_per_s = 180;
  r.store_dir = "store/stale/20261206T000000Z";
  ASSERT_TRUE(write_case_result(path, r).is_ok());
  CaseResult back;
  ASSERT_TRUE(read_case_result(path, &back).is_ok());
  EXPECT_EQ(back.id, r.id);
  EXPECT_EQ(back.verdict, r.verdict);
  EXPECT_EQ(back.exit_code, 1);
  EXPECT_TRUE(back.met);
  EXPECT_EQ(back.detection_s, std::optional<double>(3.25));
  EXPECT_EQ(back.store_dir, r.store_dir);
  r.detection_s.reset();
  ASSERT_TRUE(write_case_result(path, r).is_ok());
  ASSERT_TRUE(read_case_result(path, &back).is_ok());
  EXPECT_FALSE(back.detection_s.has_value());
  std::ofstream(path) << "{\"id\": 3}";
  EXPECT_EQ(read_case_result(path, &back).code(), Status::Code::kMalformed);
  EXPECT_EQ(read_case_result(path + ".missing", &back).code(), Status::Code::kIoError);
}

}  // namespace
}  // namespace faultline
