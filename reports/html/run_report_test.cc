#include "reports/html/run_report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "reports/html/html_report.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kRunDir =
    std::string(FAULTLINE_REPORTS_TESTDATA) + "/store/raftkv-register/20261126T113300Z";

json build(const std::string& out_html, const RunReportOptions& options = {}) {
  json data;
  Status st = build_run_report_data(kRunDir, out_html, options, &data);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return data;
}

TEST(RunReport, HoldsTheCheckReportAndTheRun) {
  const json data = build(kRunDir + "/report.html");
  EXPECT_EQ(data["verdict"], "invalid");
  EXPECT_EQ(data["title"], "raftkv-register · run 7 · 2026-11-26 11:33:00");
  EXPECT_EQ(data["config"]["concurrency"], 3);
  ASSERT_EQ(data["results"].size(), 1u);
  EXPECT_EQ(data["results"][0]["checker"], "linearizable");
  ASSERT_EQ(data["linearizability"].size(), 1u);  // the stale read, resolved to its op
  EXPECT_EQ(data["stats"]["ops"], 7);
  EXPECT_EQ(data["nemesis"].size(), 1u);
  const json& run = data["run"];
  EXPECT_EQ(run["run_id"], 7);
  EXPECT_EQ(run["target"], "raftkv");
  EXPECT_EQ(run["nemesis"], "partition-random-node");
  EXPECT_EQ(run["seed"], 42);
  EXPECT_EQ(run["started_at"], "2026-11-26 11:33:00 UTC");
  EXPECT_EQ(run["duration"], "3.1 s");
  EXPECT_EQ(run["ops"]["fail"], 1);
}

TEST(RunReport, LinksTheRunsFilesRelativeToTheReport) {
  json data = build(kRunDir + "/report.html");
  ASSERT_EQ(data["files"].size(), 3u);  // history.jsonl, faultline.log, run.json; no junit.xml
  EXPECT_EQ(data["files"][0], json({{"name", "history.jsonl"}, {"href", "./history.jsonl"}}));
  ASSERT_EQ(data["nodes"].size(), 3u);
  EXPECT_EQ(data["nodes"][1]["name"], "n2");
  EXPECT_EQ(data["nodes"][1]["logs"][0],
            json({{"name", "raftkv.log"}, {"href", "./nodes/n2/raftkv.log"}}));
  // Written elsewhere, the links lead back into the run directory.
  const fs::path elsewhere = fs::path(kRunDir).parent_path() / "reports" / "r.html";
  data = build(elsewhere.string());
  EXPECT_EQ(data["files"][0]["href"], "../20261126T113300Z/history.jsonl");
  EXPECT_EQ(data["nodes"][0]["logs"][0]["href"], "../20261126T113300Z/nodes/n1/raftkv.log");
}

TEST(RunReport, PlacesTheNodesImportantLinesOnTheHistorysClock) {
  const json data = build(kRunDir + "/report.html");
  const json& lines = data["log_lines"];
  // n1: restart x2, election x2, leader, warning, follower; n2: restart x2,
  // follower, election x2, leader; n3: restart x2, follower x2, restart x2, error.
  EXPECT_EQ(data["log_sampling"], json({{"total", 20}, {"shown", 20}}));
  ASSERT_EQ(lines.size(), 20u);
  for (size_t i = 1; i < lines.size(); ++i) EXPECT_LE(lines[i - 1][0], lines[i][0]);
  // n2 became leader at 11:33:01.190, 1.19 s after the run started, while n1
  // was partitioned (the fault runs from 1 s to 2 s).
  const json n2_leader = {
      1'190'000'000, 1, "leader", "info", "node 2: leader in term 2, leader 2", 0, 6};
  EXPECT_NE(std::find(lines.begin(), lines.end(), n2_leader), lines.end()) << lines.dump(1);
  EXPECT_EQ(lines[0][0], -500'000'000);  // n1 starting, before the run
  EXPECT_EQ(lines.back()[2], "error");
  EXPECT_EQ(lines.back()[4], "entry 5 (term 2) does not apply: <script>alert(\"log\")</script>");
}

TEST(RunReport, KeepsElectionsAndErrorsBeforeWarningsWhenCapped) {
  RunReportOptions options;
  options.max_log_lines = 19;
  const json data = build(kRunDir + "/report.html", options);
  EXPECT_EQ(data["log_sampling"], json({{"total", 20}, {"shown", 19}}));
  for (const json& line : data["log_lines"]) EXPECT_NE(line[2], "warning");
}

TEST(RunReport, TheLogsTextIsNotMarkupInThePage) {
  const std::string page = render_html_report(build(kRunDir + "/report.html"));
  EXPECT_EQ(page.find("<script>alert(\"log\")"), std::string::npos);
  EXPECT_NE(page.find("\\u003cscript\\u003ealert(\\\"log\\\")"), std::string::npos);
}

TEST(RunReport, MissingOrBrokenRunDirectoriesAreErrorsNamingTheFile) {
  json data;
  Status st = build_run_report_data("/nonexistent/run", "/tmp/r.html", {}, &data);
  EXPECT_EQ(st.code(), Status::Code::kIoError);
  EXPECT_NE(st.message().find("/nonexistent/run/run.json"), std::string::npos) << st.message();
  // A directory with run.json but no history.
  st = build_run_report_data(kRunDir + "/nodes", "/tmp/r.html", {}, &data);
  EXPECT_EQ(st.code(), Status::Code::kIoError);
}

// JavaScript's numbers hold integers exactly only up to 2^53: a 64-bit seed
// goes to the page as text.
TEST(RunReport, LargeIntegersReachThePageExactly) {
  const fs::path dir = fs::path(testing::TempDir()) / "run-report-seed";
  fs::remove_all(dir);
  fs::copy(kRunDir, dir, fs::copy_options::recursive);
  json manifest = json::parse(std::ifstream(dir / "run.json"));
  manifest["seed"] = 11628423121856202837ull;
  manifest["config"]["seed"] = 11628423121856202837ull;
  manifest["config"]["small"] = 42;
  std::ofstream(dir / "run.json") << manifest.dump();
  json data;
  Status st = build_run_report_data(dir.string(), (dir / "report.html").string(), {}, &data);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(data["run"]["seed"], "11628423121856202837");
  EXPECT_EQ(data["config"]["seed"], "11628423121856202837");
  EXPECT_EQ(data["config"]["small"], 42);
  EXPECT_EQ(data["config"]["concurrency"], 3);
  fs::remove_all(dir);
}

TEST(RunReport, HrefsAreRelativeAndEncoded) {
  EXPECT_EQ(relative_href("nodes/n1/raftkv.log"), "./nodes/n1/raftkv.log");
  EXPECT_EQ(relative_href("../x/a b#?.log"), "../x/a%20b%23%3F.log");
  EXPECT_EQ(relative_href("javascript:alert(1)"), "./javascript%3Aalert%281%29");
  EXPECT_EQ(relative_href("é"), "./%C3%A9");
}

}  // namespace
}  // namespace faultline
