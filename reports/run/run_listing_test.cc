#include "reports/run/run_listing.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "history/reader.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

const std::string kRunDir =
    std::string(FAULTLINE_REPORTS_TESTDATA) + "/store/raftkv-register/20261126T113300Z";

class RunListingTest : public testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::path(testing::TempDir()) / ("run-listing-" + std::to_string(::getpid()) + ".db");
    fs::remove(path_);
    Status st = Store::open(path_.string(), &store_);
    ASSERT_TRUE(st.is_ok()) << st.message();
  }
  void TearDown() override {
    store_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path_.string() + suffix);
  }

  int64_t add_run(RunInfo info, std::optional<Verdict> verdict, const History* history) {
    int64_t id = 0;
    EXPECT_TRUE(store_->begin_run(info, &id).is_ok());
    if (history != nullptr) {
      EXPECT_TRUE(store_->append_events(id, *history).is_ok());
    }
    if (verdict) {
      EXPECT_TRUE(store_->finish_run(id, RunStatus::kDone, verdict).is_ok());
    }
    return id;
  }

  fs::path path_;
  std::unique_ptr<Store> store_;
};

TEST_F(RunListingTest, TakesATestRunsOpsFromRunJsonAndACheckRunsFromItsEvents) {
  RunInfo test;
  test.name = "raftkv-register";
  test.target = "raftkv";
  test.workload = "register";
  test.started_at_ms = 1795692780000;
  test.store_dir = kRunDir;
  const int64_t test_id = add_run(test, Verdict::kInvalid, nullptr);

  History history;
  Status st = parse_jsonl(
      "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n"
      "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":1}\n"
      "{\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"start-partition\",\"value\":null}\n"
      "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n"
      "{\"process\":1,\"type\":\"info\",\"f\":\"read\",\"value\":null}\n"
      "{\"process\":2,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n",
      "h.jsonl", &history);
  ASSERT_TRUE(st.is_ok()) << st.message();
  RunInfo check;
  check.kind = RunKind::kCheck;
  check.name = "h.jsonl";
  check.started_at_ms = 1795692790000;
  const int64_t check_id = add_run(check, std::nullopt, &history);

  std::vector<RunListing> runs;
  st = list_runs_with_ops(*store_, RunFilter(), &runs);
  ASSERT_TRUE(st.is_ok()) << st.message();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].run.id, check_id);  // newest first
  EXPECT_EQ(runs[0].ops.ok, 1);
  EXPECT_EQ(runs[0].ops.info, 1);
  EXPECT_EQ(runs[0].ops.pending, 1);
  EXPECT_EQ(runs[0].ops.total(), 3);
  EXPECT_FALSE(runs[0].duration_ms);  // still running
  EXPECT_EQ(runs[1].run.id, test_id);
  EXPECT_EQ(runs[1].ops.ok, 5);
  EXPECT_EQ(runs[1].ops.fail, 1);
  EXPECT_EQ(runs[1].ops.info, 1);
  ASSERT_TRUE(runs[1].duration_ms);

  nlohmann::json j = run_listing_json(runs[1]);
  EXPECT_EQ(j["id"], test_id);
  EXPECT_EQ(j["kind"], "test");
  EXPECT_EQ(j["verdict"], "invalid");
  EXPECT_EQ(j["ops"]["total"], 7);
  EXPECT_EQ(j["store_dir"], kRunDir);
  EXPECT_TRUE(j["nemesis"].is_null());
  EXPECT_TRUE(run_listing_json(runs[0])["verdict"].is_null());

  // A cache keeps the counts of finished runs only: a running run's grow.
  OpCountCache cache;
  ASSERT_TRUE(list_runs_with_ops(*store_, RunFilter(), &runs, &cache).is_ok());
  EXPECT_TRUE(cache.empty());  // the check is running; the test run's ops come from run.json
  ASSERT_TRUE(store_->finish_run(check_id, RunStatus::kAborted, std::nullopt).is_ok());
  ASSERT_TRUE(list_runs_with_ops(*store_, RunFilter(), &runs, &cache).is_ok());
  ASSERT_EQ(cache.count(check_id), 1u);
  EXPECT_EQ(cache[check_id].total(), 3);
  cache[check_id].ok = 100;  // what is cached is what is listed
  ASSERT_TRUE(list_runs_with_ops(*store_, RunFilter(), &runs, &cache).is_ok());
  EXPECT_EQ(runs[0].ops.ok, 100);
}

TEST_F(RunListingTest, FiltersByIdNameTargetWorkloadAndVerdict) {
  auto run = [&](const char* name, const char* target, const char* workload, Verdict v) {
    RunInfo info;
    info.name = name;
    info.target = target;
    info.workload = workload;
    return add_run(info, v, nullptr);
  };
  const int64_t a = run("nightly-etcd", "etcd", "register", Verdict::kValid);
  const int64_t b = run("nightly-etcd", "etcd", "set", Verdict::kInvalid);
  const int64_t c = run("nightly-raftkv", "raftkv", "register", Verdict::kInvalid);
  auto ids = [&](RunFilter filter) {
    std::vector<RunListing> runs;
    EXPECT_TRUE(list_runs_with_ops(*store_, filter, &runs).is_ok());
    std::vector<int64_t> out;
    for (const RunListing& r : runs) out.push_back(r.run.id);
    return out;
  };
  RunFilter by_name;
  by_name.name = "nightly-etcd";
  EXPECT_EQ(ids(by_name), (std::vector<int64_t>{b, a}));
  RunFilter by_target;
  by_target.target = "raftkv";
  EXPECT_EQ(ids(by_target), (std::vector<int64_t>{c}));
  RunFilter by_workload;
  by_workload.workload = "register";
  EXPECT_EQ(ids(by_workload), (std::vector<int64_t>{c, a}));
  RunFilter by_verdict;
  by_verdict.verdict = Verdict::kInvalid;
  by_verdict.target = "etcd";
  EXPECT_EQ(ids(by_verdict), (std::vector<int64_t>{b}));
  RunFilter by_id;
  by_id.id = a;
  EXPECT_EQ(ids(by_id), (std::vector<int64_t>{a}));
  RunFilter limited;
  limited.limit = 1;
  EXPECT_EQ(ids(limited).size(), 1u);
}

TEST(RunListingFormat, FormatsTimesInUtcAndDurations) {
  EXPECT_EQ(format_utc(1795692780123), "2026-11-26 11:33:00");
  EXPECT_EQ(format_duration_ms(850), "850 ms");
  EXPECT_EQ(format_duration_ms(3100), "3.1 s");
  EXPECT_EQ(format_duration_ms(184'000), "3 min 04 s");
  EXPECT_EQ(format_duration_ms(7'500'000), "2 h 05 min");
}

}  // namespace
}  // namespace faultline
