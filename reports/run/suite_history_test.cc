#include "reports/run/suite_history.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace faultline {
namespace {

namespace fs = std::filesystem;

class SuiteHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::temp_directory_path() / ("faultline_history_" + std::to_string(getpid()) + ".db");
    ASSERT_TRUE(Store::open(path_.string(), &store_).is_ok());
  }
  void TearDown() override {
    store_.reset();
    fs::remove(path_);
    fs::remove(path_.string() + "-wal");
    fs::remove(path_.string() + "-shm");
  }
  // One finished run of `c` in suite run `run` with `verdict`; an invalid
  // one carries a core whose first op was invoked at `detected_s`.
  void add(const std::string& run, const std::string& revision, const std::string& c,
           const std::string& expect, Verdict verdict, double detected_s = 0) {
    RunInfo info;
    info.name = c;
    info.suite = "nightly";
    info.suite_run = run;
    info.suite_case = c;
    info.revision = revision;
    info.started_at_ms = ++clock_ms_;
    info.config = {{"expect", expect}};
    int64_t id = 0;
    ASSERT_TRUE(store_->begin_run(info, &id).is_ok());
    CheckResult r;
    r.checker = "linearizable";
    r.verdict = verdict;
    if (verdict == Verdict::kInvalid) {
      nlohmann::json core =
          nlohmann::json::array({{{"time", static_cast<int64_t>(detected_s * 1e9)}},
                                 {{"time", int64_t{99'000'000'000}}}});
      r.anomalies.push_back(Anomaly{"nonlinearizable", "", "stale", {{"core", core}}});
    }
    ASSERT_TRUE(store_->record_result(id, r).is_ok());
    ASSERT_TRUE(store_->finish_run(id, RunStatus::kDone, verdict).is_ok());
  }
  const CaseHistory& find(const std::vector<CaseHistory>& h, const std::string& c) {
    for (const CaseHistory& x : h)
      if (x.suite_case == c) return x;
    ADD_FAILURE() << "no case " << c;
    return h.front();
  }

  fs::path path_;
  std::unique_ptr<Store> store_;
  int64_t clock_ms_ = 1'000'000;
};

TEST_F(SuiteHistoryTest, FlagsNewFailuresDroppedDetectionAndFlakes) {
  // Night 1 (rev a): all good. Night 2 (rev b): "register" fails, the
  // failpoint is caught in 1 of 2 runs instead of 2 of 2. "counter" is valid
  // on rev a in night 1 and invalid on rev a again in a rerun: flaky.
  add("n1", "a", "register", "valid", Verdict::kValid);
  add("n1", "a", "counter", "valid", Verdict::kValid);
  add("n1", "a", "stale", "invalid", Verdict::kInvalid, 6.0);
  add("n1", "a", "stale", "invalid", Verdict::kInvalid, 8.0);
  add("n2", "b", "register", "valid", Verdict::kInvalid, 3.0);
  add("n2", "b", "stale", "invalid", Verdict::kInvalid, 12.0);
  add("n2", "b", "stale", "invalid", Verdict::kValid);
  add("n3", "a", "counter", "valid", Verdict::kInvalid, 1.0);
  std::vector<CaseHistory> h;
  ASSERT_TRUE(suite_history(*store_, "nightly", &h).is_ok());
  ASSERT_EQ(h.size(), 3u);
  const CaseHistory& reg = find(h, "register");
  ASSERT_EQ(reg.points.size(), 2u);
  EXPECT_TRUE(reg.newly_failing);
  EXPECT_FALSE(reg.flaky);  // different revisions
  const CaseHistory& stale = find(h, "stale");
  EXPECT_EQ(stale.expect, "invalid");
  ASSERT_EQ(stale.points.size(), 2u);
  EXPECT_EQ(stale.points[0].invalid, 2);
  EXPECT_EQ(stale.points[1].invalid, 1);
  EXPECT_TRUE(stale.detection_dropped);
  EXPECT_TRUE(stale.newly_failing);
  EXPECT_EQ(stale.points[0].detection_s, (std::vector<double>{6.0, 8.0}));
  const CaseHistory& counter = find(h, "counter");
  EXPECT_TRUE(counter.flaky);
  const std::string table = suite_history_table(h);
  EXPECT_TRUE(stale.flaky);  // rev b: caught once, missed once
  EXPECT_NE(table.find("| stale | invalid | `+~` | 1/2 met (b) | 1/2 (was 2/2) | 12.0 | NEWLY "
                       "FAILING, DETECTION DROPPED, flaky |"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("| counter | valid | `+x` | 0/1 met (a) | 1/1 (was 0/1) | 1.0 | NEWLY "
                       "FAILING, flaky |"),
            std::string::npos)
      << table;
  std::vector<CaseHistory> none;
  ASSERT_TRUE(suite_history(*store_, "smoke", &none).is_ok());
  EXPECT_TRUE(none.empty());
}

TEST(SuiteHistory, VerdictsMeetExpectations) {
  EXPECT_TRUE(verdict_meets("valid", "valid"));
  EXPECT_FALSE(verdict_meets("valid", "invalid"));
  EXPECT_TRUE(verdict_meets("any", "invalid"));
  EXPECT_FALSE(verdict_meets("any", "unknown"));
  EXPECT_FALSE(verdict_meets("invalid", "aborted"));
}

}  // namespace
}  // namespace faultline
