#include "reports/store_merge.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "history/reader.h"
#include "reports/store.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

class StoreMergeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("faultline_merge_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // A store of `runs` test runs, each with a 4-event history and an invalid
  // checker result with one anomaly; names are prefix-i.
  void make_store(const std::string& file, const std::string& prefix, int runs) {
    std::unique_ptr<Store> store;
    ASSERT_TRUE(Store::open(path(file), &store).is_ok());
    History h;
    ASSERT_TRUE(parse_jsonl(R"({"process":0,"type":"invoke","f":"write","value":1}
{"process":0,"type":"ok","f":"write","value":1}
{"process":1,"type":"invoke","f":"read"}
{"process":1,"type":"ok","f":"read","value":2}
)",
                            "h.jsonl", &h)
                    .is_ok());
    for (int i = 0; i < runs; ++i) {
      RunInfo info;
      info.name = prefix + "-" + std::to_string(i);
      info.suite = "nightly";
      info.suite_run = "nightly-1";
      info.suite_case = "case-" + std::to_string(i);
      info.revision = "abc123";
      int64_t id = 0;
      ASSERT_TRUE(store->begin_run(info, &id).is_ok());
      ASSERT_TRUE(store->append_events(id, h).is_ok());
      CheckResult r;
      r.checker = "linearizable";
      r.verdict = Verdict::kInvalid;
      r.summary = "not linearizable";
      r.anomalies.push_back(Anomaly{"nonlinearizable", "", "read of 2", nlohmann::json{{"op", i}}});
      ASSERT_TRUE(store->record_result(id, r).is_ok());
      ASSERT_TRUE(store->finish_run(id, RunStatus::kDone, Verdict::kInvalid).is_ok());
    }
  }

  std::vector<RunRecord> runs(const std::string& file) {
    std::unique_ptr<Store> store;
    EXPECT_TRUE(Store::open(path(file), &store).is_ok());
    RunFilter all;
    all.limit = -1;
    std::vector<RunRecord> out;
    EXPECT_TRUE(store->list_runs(all, &out).is_ok());
    return out;
  }

  fs::path dir_;
};

TEST_F(StoreMergeTest, CopiesRunsWithEventsResultsAndAnomalies) {
  make_store("a.db", "a", 3);
  make_store("b.db", "b", 2);
  MergeStats stats;
  Status st = merge_stores(path("all.db"), {path("a.db"), path("b.db")}, &stats);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(stats.runs_added, 5);
  EXPECT_EQ(stats.runs_present, 0);
  EXPECT_EQ(stats.events, 5 * 4);
  std::vector<RunRecord> merged = runs("all.db");
  ASSERT_EQ(merged.size(), 5u);
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::open(path("all.db"), &store).is_ok());
  std::set<std::string> uids;
  for (const RunRecord& r : merged) {
    EXPECT_EQ(r.info.suite, "nightly");
    EXPECT_EQ(r.info.suite_run, "nightly-1");
    EXPECT_EQ(r.info.revision, "abc123");
    EXPECT_EQ(r.verdict, Verdict::kInvalid);
    uids.insert(r.info.uid);
    History h;
    ASSERT_TRUE(store->read_events(r.id, &h).is_ok());
    EXPECT_EQ(h.events.size(), 4u) << r.info.name;
    std::vector<CheckResult> results;
    ASSERT_TRUE(store->read_results(r.id, &results).is_ok());
    ASSERT_EQ(results.size(), 1u);
    ASSERT_EQ(results[0].anomalies.size(), 1u);
    EXPECT_EQ(results[0].anomalies[0].description, "read of 2");
  }
  EXPECT_EQ(uids.size(), 5u);  // every run keeps its own uid
  // The uids are the inputs' own.
  for (const RunRecord& r : runs("a.db")) EXPECT_TRUE(uids.count(r.info.uid)) << r.info.name;
}

TEST_F(StoreMergeTest, MergingAgainAddsNothing) {
  make_store("a.db", "a", 2);
  MergeStats stats;
  ASSERT_TRUE(merge_stores(path("all.db"), {path("a.db")}, &stats).is_ok());
  ASSERT_TRUE(merge_stores(path("all.db"), {path("a.db"), path("a.db")}, &stats).is_ok());
  EXPECT_EQ(stats.runs_added, 0);
  EXPECT_EQ(stats.runs_present, 4);
  EXPECT_EQ(runs("all.db").size(), 2u);
  // Merging the merged store back into an input adds only what it lacked.
  make_store("b.db", "b", 1);
  ASSERT_TRUE(merge_stores(path("all.db"), {path("b.db")}, &stats).is_ok());
  ASSERT_TRUE(merge_stores(path("b.db"), {path("all.db")}, &stats).is_ok());
  EXPECT_EQ(stats.runs_added, 2);
  EXPECT_EQ(runs("b.db").size(), 3u);
}

TEST_F(StoreMergeTest, MissingOrForeignInputIsAnErrorAndChangesNothing) {
  make_store("a.db", "a", 1);
  MergeStats stats;
  Status st = merge_stores(path("all.db"), {path("a.db"), path("missing.db")}, &stats);
  EXPECT_EQ(st.code(), Status::Code::kIoError) << st.message();
  EXPECT_NE(st.message().find("missing.db"), std::string::npos) << st.message();
  EXPECT_FALSE(fs::exists(path("all.db")));  // inputs are checked before anything is written
  std::ofstream(path("notes.txt")) << "not a database\n";
  st = merge_stores(path("all.db"), {path("notes.txt")}, &stats);
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("notes.txt"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace faultline
