#include "reports/browser/run_browser.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "reports/browser/browser_pages.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

const fs::path kRunDir =
    fs::path(FAULTLINE_REPORTS_TESTDATA) / "store/raftkv-register/20261126T113300Z";

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// A store with four runs: two of the test raftkv-register (the older valid,
// the newer invalid, a copy of the fixture run directory with a report), a
// test with a hostile name, and a check without a store directory. Next to
// the run directory is a secret no request may read.
class RunBrowserTest : public testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(testing::TempDir()) / ("run-browser-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    run_dir_ = root_ / "store/raftkv-register/20261126T113300Z";
    fs::create_directories(run_dir_.parent_path());
    fs::copy(kRunDir, run_dir_, fs::copy_options::recursive);
    std::ofstream(run_dir_ / "report.html") << "<!DOCTYPE html><title>report</title>";
    std::ofstream(root_ / "secret.txt") << "TOP-SECRET";
    fs::create_symlink(root_ / "secret.txt", run_dir_ / "escape.log");
    fs::create_symlink(root_, run_dir_ / "nodes/up");
    ASSERT_TRUE(Store::open((root_ / "faultline.db").string(), &store_).is_ok());
    older_ = add("raftkv-register", Verdict::kValid, run_dir_.string(), 1795692000000);
    newer_ = add("raftkv-register", Verdict::kInvalid, run_dir_.string(), 1795692780000);
    hostile_ = add("<script>alert(1)</script>", Verdict::kUnknown, "", 1795692790000);
    RunInfo check;
    check.kind = RunKind::kCheck;
    check.name = "h.jsonl";
    check.started_at_ms = 1795692800000;
    ASSERT_TRUE(store_->begin_run(check, &check_).is_ok());
    browser_ = std::make_unique<RunBrowser>(*store_);
  }
  void TearDown() override {
    browser_.reset();
    store_.reset();
    fs::remove_all(root_);
  }

  int64_t add(const std::string& name, Verdict verdict, const std::string& dir, int64_t start) {
    RunInfo info;
    info.name = name;
    info.target = "raftkv";
    info.workload = "register";
    info.nemesis = "partition";
    info.store_dir = dir;
    info.started_at_ms = start;
    int64_t id = 0;
    EXPECT_TRUE(store_->begin_run(info, &id).is_ok());
    EXPECT_TRUE(store_->finish_run(id, RunStatus::kDone, verdict).is_ok());
    return id;
  }

  HttpResponse get(const std::string& target) { return browser_->handle("GET", target); }
  std::string run_path(int64_t id, const std::string& rest) {
    return "/runs/" + std::to_string(id) + "/" + rest;
  }

  fs::path root_, run_dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<RunBrowser> browser_;
  int64_t older_ = 0, newer_ = 0, hostile_ = 0, check_ = 0;
};

TEST_F(RunBrowserTest, IndexListsRunsNewestFirstWithTheTrendPerTest) {
  HttpResponse r = get("/");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(count(r.body, "<tr class=\"run\""), 4u);
  const size_t check = r.body.find("data-run-id=\"" + std::to_string(check_) + "\"");
  const size_t newer = r.body.find("data-run-id=\"" + std::to_string(newer_) + "\"");
  const size_t older = r.body.find("data-run-id=\"" + std::to_string(older_) + "\"");
  ASSERT_NE(older, std::string::npos);
  EXPECT_LT(check, newer);
  EXPECT_LT(newer, older);
  // The fixture's run.json counts 7 ops; the report and the files are linked.
  EXPECT_NE(r.body.find("<td class=\"num\" title=\"5 ok, 1 fail, 1 info, 0 pending\">7</td>"),
            std::string::npos);
  EXPECT_NE(r.body.find("href=\"" + run_path(newer_, "report.html") + "\""), std::string::npos);
  EXPECT_NE(r.body.find("href=\"" + run_path(newer_, "") + "\""), std::string::npos);
  EXPECT_NE(r.body.find("data-verdict=\"running\""), std::string::npos);  // the check
  // The trend: tests only, oldest first, each square linking to its report.
  EXPECT_EQ(count(r.body, "<tr class=\"trend\""), 2u);
  const size_t valid_square = r.body.find("class=\"sq valid\" href=\"" + run_path(older_, ""));
  const size_t invalid_square = r.body.find("class=\"sq invalid\" href=\"" + run_path(newer_, ""));
  ASSERT_NE(valid_square, std::string::npos) << r.body;
  EXPECT_LT(valid_square, invalid_square);
  EXPECT_NE(r.body.find("<td class=\"num\">1/2</td>"), std::string::npos);
  EXPECT_EQ(r.body.find("http"), std::string::npos) << "nothing is fetched from elsewhere";
}

TEST_F(RunBrowserTest, ValuesFromTheStoreAreEscaped) {
  HttpResponse r = get("/");
  EXPECT_EQ(r.body.find("<script"), std::string::npos);
  EXPECT_NE(r.body.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(r.body.find("/?name=%3Cscript%3Ealert%281%29%3C%2Fscript%3E"), std::string::npos);
}

TEST_F(RunBrowserTest, FiltersByNameTargetWorkloadAndVerdict) {
  EXPECT_EQ(count(get("/?verdict=invalid").body, "<tr class=\"run\""), 1u);
  EXPECT_EQ(count(get("/?name=raftkv-register").body, "<tr class=\"run\""), 2u);
  EXPECT_EQ(count(get("/?name=%3Cscript%3Ealert(1)%3C%2Fscript%3E").body, "<tr class=\"run\""), 1u);
  EXPECT_EQ(count(get("/?target=raftkv&workload=register&limit=2").body, "<tr class=\"run\""), 2u);
  EXPECT_EQ(count(get("/?target=etcd").body, "<tr class=\"run\""), 0u);
  // The chosen filter stays selected.
  EXPECT_NE(get("/?verdict=invalid").body.find("<option value=\"invalid\" selected>"),
            std::string::npos);
  EXPECT_EQ(get("/?verdict=bad").status, 400);
  EXPECT_EQ(get("/?limit=0").status, 400);
  EXPECT_EQ(get("/?limit=x").status, 400);
  EXPECT_EQ(get("/?name=%zz").status, 400);
}

TEST_F(RunBrowserTest, RunsAsJson) {
  HttpResponse r = get("/runs.json?verdict=invalid");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  const nlohmann::json runs = nlohmann::json::parse(r.body);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["id"], newer_);
  EXPECT_EQ(runs[0]["ops"]["total"], 7);
}

TEST_F(RunBrowserTest, ServesARunsFiles) {
  HttpResponse r = get(run_path(newer_, ""));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("href=\"" + run_path(newer_, "nodes/n2/raftkv.log") + "\""),
            std::string::npos);
  r = get(run_path(newer_, "nodes/n2/raftkv.log"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  EXPECT_NE(r.body.find("node 2: leader in term 2"), std::string::npos);
  r = get(run_path(newer_, "report.html"));
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(get(run_path(newer_, "run.json")).content_type, "application/json");
  EXPECT_EQ(browser_->handle("HEAD", run_path(newer_, "run.json")).status, 200);
}

TEST_F(RunBrowserTest, ServesNothingFromOutsideTheRunsDirectory) {
  for (const std::string& path :
       {std::string("../../../secret.txt"), std::string("%2e%2e/%2e%2e/%2E%2E/secret.txt"),
        std::string("nodes/../../../../secret.txt"), std::string("escape.log"),
        std::string("nodes/up/secret.txt"), "/" + (root_ / "secret.txt").string(),
        std::string("%2F") + (root_ / "secret.txt").string().substr(1)}) {
    HttpResponse r = get(run_path(newer_, path));
    EXPECT_EQ(r.status, 403) << path;
    EXPECT_EQ(r.body.find("TOP-SECRET"), std::string::npos) << path;
  }
  EXPECT_EQ(get(run_path(newer_, "history.jsonl%00.png")).status, 403);
  EXPECT_EQ(get(run_path(newer_, "missing.log")).status, 404);
  EXPECT_EQ(get(run_path(newer_, "nodes")).status, 404);  // only the run's own directory is listed
  EXPECT_EQ(get(run_path(9999, "run.json")).status, 404);
  EXPECT_EQ(get(run_path(hostile_, "run.json")).status, 404);  // no store directory
  EXPECT_EQ(get("/runs/x/run.json").status, 404);
  EXPECT_EQ(get("/etc/passwd").status, 404);
}

TEST_F(RunBrowserTest, ShowsASuitesRegistry) {
  for (const char* night : {"n1", "n2"}) {
    RunInfo info;
    info.name = "stale";
    info.suite = "night<ly>";
    info.suite_run = night;
    info.suite_case = "stale";
    info.revision = std::string("rev-") + night;
    info.config = {{"expect", "invalid"}};
    int64_t id = 0;
    ASSERT_TRUE(store_->begin_run(info, &id).is_ok());
    const Verdict v = std::string(night) == "n1" ? Verdict::kInvalid : Verdict::kValid;
    ASSERT_TRUE(store_->finish_run(id, RunStatus::kDone, v).is_ok());
  }
  const HttpResponse index = get("/");
  EXPECT_NE(index.body.find("<a href=\"/suites/night%3Cly%3E\">night&lt;ly&gt;</a>"),
            std::string::npos)
      << index.body;
  const HttpResponse page = get("/suites/night%3Cly%3E");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("<span class=\"sq valid\" title=\"n1: 1/1 met (rev-n1)\">"),
            std::string::npos)
      << page.body;
  EXPECT_NE(page.body.find("<span class=\"sq invalid\" title=\"n2: 0/1 met (rev-n2)\">"),
            std::string::npos)
      << page.body;
  EXPECT_NE(page.body.find("<b>newly failing</b> <b>detection dropped</b>"), std::string::npos)
      << page.body;
  EXPECT_EQ(get("/suites/none").status, 404);
}

TEST_F(RunBrowserTest, IsReadOnly) {
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH"})
    EXPECT_EQ(browser_->handle(method, "/").status, 405) << method;
}

TEST(RunBrowserHelpers, DecodesAndEncodes) {
  std::string out;
  EXPECT_TRUE(percent_decode("a%20b+c%2F", false, &out));
  EXPECT_EQ(out, "a b+c/");
  EXPECT_TRUE(percent_decode("a+b", true, &out));
  EXPECT_EQ(out, "a b");
  EXPECT_FALSE(percent_decode("%", false, &out));
  EXPECT_FALSE(percent_decode("%4", false, &out));
  EXPECT_FALSE(percent_decode("%g0", false, &out));
  EXPECT_EQ(percent_encode("a b/é"), "a%20b%2F%C3%A9");
  EXPECT_EQ(html_escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
}

}  // namespace
}  // namespace faultline
