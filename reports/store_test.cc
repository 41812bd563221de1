#include "reports/store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "history/reader.h"
#include "reports/sqlite.h"
#include "reports/store_schema.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

// Nemesis events, string and numeric keys, structured values, an absent time
// and a file-given index: everything an event row has to carry.
constexpr const char* kHistory =
    R"({"process":0,"type":"invoke","f":"write","key":"x","value":1,"time":10}
{"process":1,"type":"invoke","f":"read","key":3,"time":11}
{"process":"nemesis","type":"info","f":"start-partition","value":{"halves":[["n1"],["n2","n3"]]},"time":12}
{"process":0,"type":"ok","f":"write","key":"x","value":1,"time":13}
{"process":1,"type":"ok","f":"read","key":3,"value":[1,"two",null],"time":14}

{"process":2,"type":"invoke","f":"cas","value":[1,2],"index":40}
{"process":"nemesis","type":"info","f":"stop-partition","time":16}
{"process":2,"type":"fail","f":"cas","value":[1,2],"time":17}
)";

History parse(const char* text) {
  History h;
  Status st = parse_jsonl(text, "test.jsonl", &h);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return h;
}

// `n` write invokes and completions over 10 keys, with a fault every 1000.
History large_history(size_t n) {
  History h;
  h.source = "generated";
  const uint32_t write = h.functions.intern("write");
  const uint32_t fault = h.functions.intern("kill");
  for (size_t i = 0; i < n; ++i) {
    Event e;
    e.index = static_cast<int64_t>(i);
    e.time = static_cast<int64_t>(i) * 1000;
    e.line = static_cast<uint32_t>(i + 1);
    if (i % 1000 == 999) {
      e.process = kNemesisProcess;
      e.type = EventType::kInfo;
      e.f = fault;
    } else {
      e.process = static_cast<int64_t>(i % 5);
      e.type = i % 2 == 0 ? EventType::kInvoke : EventType::kOk;
      e.f = write;
      e.key = h.keys.intern(std::to_string(i % 10));
      e.value = h.values.intern(std::to_string(i));
    }
    h.events.push_back(e);
  }
  return h;
}

RunInfo run_info(RunKind kind, std::string name, int64_t started_at_ms = 0) {
  RunInfo info;
  info.kind = kind;
  info.name = std::move(name);
  info.started_at_ms = started_at_ms;
  return info;
}

RunInfo test_run(std::string name) { return run_info(RunKind::kTest, std::move(name)); }

// Commits every `n` events, and never for lack of time.
StoreOptions batches_of(size_t n) {
  StoreOptions options;
  options.batch_events = n;
  options.commit_interval = std::chrono::hours(1);
  return options;
}

// Field by field, comparing interned ids by their text.
void expect_same_events(const History& want, const History& got, size_t count) {
  ASSERT_GE(want.events.size(), count);
  ASSERT_EQ(got.events.size(), count);
  for (size_t i = 0; i < count; ++i) {
    const Event& a = want.events[i];
    const Event& b = got.events[i];
    SCOPED_TRACE("event " + std::to_string(i));
    EXPECT_EQ(a.index, b.index);
    EXPECT_EQ(a.time, b.time);
    EXPECT_EQ(a.process, b.process);
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(want.function_name(a), got.function_name(b));
    EXPECT_EQ(want.keys.text(a.key), got.keys.text(b.key));
    EXPECT_EQ(want.values.text(a.value), got.values.text(b.value));
    EXPECT_EQ(a.line, b.line);
  }
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("faultline_store_test_" + std::to_string(getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "faultline.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Store> open(const StoreOptions& options = StoreOptions()) {
    std::unique_ptr<Store> store;
    Status st = Store::open(path_, options, &store);
    EXPECT_TRUE(st.is_ok()) << st.message();
    return store;
  }

  // The first column of the first row of `sql`, read on a connection of its
  // own, as text ("" for none).
  std::string query(const std::string& sql) {
    sqlite3* raw = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite::Connection db(raw);
    sqlite::Statement stmt;
    Status st = sqlite::Statement::prepare(raw, sql, &stmt, sql);
    EXPECT_TRUE(st.is_ok()) << st.message();
    bool row = false;
    st = stmt.step(&row, sql);
    EXPECT_TRUE(st.is_ok()) << st.message();
    std::string out = row ? std::string(stmt.column_text(0)) : "";
    stmt.reset();
    return out;
  }

  // The query plan of `sql`, its steps joined by "; ".
  std::string plan(const std::string& sql) {
    sqlite3* raw = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite::Connection db(raw);
    sqlite::Statement stmt;
    Status st = sqlite::Statement::prepare(raw, "EXPLAIN QUERY PLAN " + sql, &stmt, sql);
    EXPECT_TRUE(st.is_ok()) << st.message();
    std::string out;
    for (bool row = true; row;) {
      EXPECT_TRUE(stmt.step(&row, sql).is_ok());
      if (row) out += std::string(stmt.column_text(3)) + "; ";
    }
    return out;
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(StoreTest, CreatesTheSchemaInWalMode) {
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(query("PRAGMA user_version"), std::to_string(store_schema::kVersion));
  EXPECT_EQ(query("PRAGMA application_id"), std::to_string(store_schema::kApplicationId));
  EXPECT_EQ(query("PRAGMA journal_mode"), "wal");
  for (const char* table : {"runs", "events", "checker_results", "anomalies"})
    EXPECT_EQ(query(std::string("SELECT type FROM sqlite_schema WHERE name = '") + table + "'"),
              "table")
        << table;
  EXPECT_EQ(query("SELECT type FROM sqlite_schema WHERE name = 'nemesis_events'"), "view");
}

// The run browser's queries stay fast on big stores: none scans a whole table.
TEST_F(StoreTest, BrowserQueriesUseTheirIndexes) {
  ASSERT_TRUE(open());
  EXPECT_NE(plan("SELECT * FROM runs ORDER BY started_at DESC, id DESC LIMIT 50")
                .find("SCAN runs USING INDEX runs_by_start; "),
            std::string::npos);
  EXPECT_NE(plan("SELECT * FROM runs WHERE name = 'a' ORDER BY started_at DESC")
                .find("USING INDEX runs_by_name (name=?)"),
            std::string::npos);
  EXPECT_NE(plan("SELECT * FROM events WHERE run_id = 1 AND key = 'x' ORDER BY seq")
                .find("USING INDEX events_by_key (run_id=? AND key=?)"),
            std::string::npos);
  EXPECT_NE(plan("SELECT * FROM nemesis_events WHERE run_id = 1 ORDER BY seq")
                .find("USING INDEX events_by_process (run_id=? AND process=?)"),
            std::string::npos);
  EXPECT_NE(plan("SELECT * FROM events WHERE run_id = 1 ORDER BY seq")
                .find("USING PRIMARY KEY (run_id=?)"),
            std::string::npos);
  EXPECT_NE(plan("SELECT * FROM anomalies WHERE kind = 'lost'").find("anomalies_by_kind"),
            std::string::npos);
}

TEST_F(StoreTest, ReopeningKeepsSchemaAndData) {
  int64_t run_id = 0;
  {
    auto store = open();
    ASSERT_TRUE(store->begin_run(test_run("etcd-register"), &run_id).is_ok());
  }
  const std::string objects = query("SELECT count(*) FROM sqlite_schema");
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(query("SELECT count(*) FROM sqlite_schema"), objects);
  std::vector<RunRecord> runs;
  ASSERT_TRUE(store->list_runs(RunFilter(), &runs).is_ok());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].id, run_id);
  EXPECT_EQ(runs[0].info.name, "etcd-register");
  EXPECT_EQ(runs[0].status, RunStatus::kRunning);
}

TEST_F(StoreTest, HistoryRoundTrips) {
  History h = parse(kHistory);
  ASSERT_EQ(h.events.size(), 8u);
  auto store = open();
  int64_t run_id = 0;
  RunInfo info = run_info(RunKind::kCheck, "test.jsonl");
  info.source = "/tmp/test.jsonl";
  ASSERT_TRUE(store->begin_run(info, &run_id).is_ok());
  Status st = store->append_events(run_id, h);
  ASSERT_TRUE(st.is_ok()) << st.message();
  ASSERT_TRUE(store->flush().is_ok());
  store.reset();

  store = open();
  History back;
  st = store->read_events(run_id, &back);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(back.source, "/tmp/test.jsonl");
  expect_same_events(h, back, h.events.size());

  // The columns read as docs/store.md promises.
  const std::string run = std::to_string(run_id);
  EXPECT_EQ(query("SELECT count(*) FROM nemesis_events WHERE run_id = " + run), "2");
  EXPECT_EQ(query("SELECT value FROM nemesis_events WHERE run_id = " + run + " ORDER BY seq"),
            R"({"halves":[["n1"],["n2","n3"]]})");
  EXPECT_EQ(query("SELECT count(*) FROM events WHERE run_id = " + run + " AND key = 'x'"), "2");
  EXPECT_EQ(query("SELECT count(*) FROM events WHERE run_id = " + run + " AND key = 3"), "2");
  EXPECT_EQ(query("SELECT count(*) FROM events WHERE run_id = " + run + " AND key IS NULL"), "4");
  EXPECT_EQ(query("SELECT key_json FROM events WHERE key = 'x'"), "\"x\"");
  EXPECT_EQ(query("SELECT idx FROM events WHERE seq = 5"), "40");
  EXPECT_EQ(query("SELECT time IS NULL FROM events WHERE seq = 5"), "1");
  EXPECT_EQ(query("SELECT line FROM events WHERE seq = 5"), "7");
  EXPECT_EQ(query("SELECT value ->> '$[1]' FROM events WHERE seq = 4"), "two");
}

TEST_F(StoreTest, ResultsAnomaliesAndRunStateAreStored) {
  auto store = open();
  RunInfo info = run_info(RunKind::kTest, "etcd-register", 1700000000000);
  info.target = "etcd";
  info.workload = "register";
  info.nemesis = "partition";
  info.model = "register";
  info.seed = 42;
  info.config = {{"nodes", 5}};
  info.store_dir = "store/etcd/1";
  int64_t run_id = 0;
  ASSERT_TRUE(store->begin_run(info, &run_id).is_ok());
  CheckResult result;
  result.checker = "linearizable";
  result.verdict = Verdict::kInvalid;
  result.summary = "invalid: 2 of 10 keys";
  result.details = {{"ops", 1000}, {"keys", 10}};
  result.anomalies.push_back(
      {"nonlinearizable", "x", "read 3 after write 4 completed", {{"ops", {1, 2}}}});
  result.anomalies.push_back({"nonlinearizable", "", "keyless", nullptr});
  Status st = store->record_result(run_id, result);
  ASSERT_TRUE(st.is_ok()) << st.message();
  ASSERT_TRUE(store->finish_run(run_id, RunStatus::kDone, Verdict::kInvalid).is_ok());

  std::vector<CheckResult> results;
  st = store->read_results(run_id, &results);
  ASSERT_TRUE(st.is_ok()) << st.message();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].to_json(), result.to_json());
  EXPECT_EQ(query("SELECT count(*) FROM anomalies WHERE kind = 'nonlinearizable'"), "2");
  EXPECT_EQ(query("SELECT count(*) FROM anomalies WHERE key IS NULL"), "1");

  std::vector<RunRecord> runs;
  ASSERT_TRUE(store->list_runs(RunFilter(), &runs).is_ok());
  ASSERT_EQ(runs.size(), 1u);
  const RunRecord& r = runs[0];
  EXPECT_EQ(r.status, RunStatus::kDone);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  ASSERT_TRUE(r.ended_at_ms.has_value());
  EXPECT_GT(*r.ended_at_ms, info.started_at_ms);
  EXPECT_EQ(r.info.target, "etcd");
  EXPECT_EQ(r.info.nemesis, "partition");
  EXPECT_EQ(r.info.seed, 42);
  EXPECT_EQ(r.info.config, info.config);
  EXPECT_EQ(r.info.store_dir, "store/etcd/1");
}

TEST_F(StoreTest, ListsRunsNewestFirstAndFilters) {
  auto store = open();
  int64_t ids[3];
  ASSERT_TRUE(store->begin_run(run_info(RunKind::kTest, "a", 1000), &ids[0]).is_ok());
  ASSERT_TRUE(store->begin_run(run_info(RunKind::kTest, "b", 3000), &ids[1]).is_ok());
  ASSERT_TRUE(store->begin_run(run_info(RunKind::kCheck, "a", 2000), &ids[2]).is_ok());
  std::vector<RunRecord> runs;
  ASSERT_TRUE(store->list_runs(RunFilter(), &runs).is_ok());
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].id, ids[1]);
  EXPECT_EQ(runs[1].id, ids[2]);
  EXPECT_EQ(runs[2].id, ids[0]);
  RunFilter filter;
  filter.name = "a";
  ASSERT_TRUE(store->list_runs(filter, &runs).is_ok());
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].id, ids[2]);
  filter.kind = RunKind::kTest;
  ASSERT_TRUE(store->list_runs(filter, &runs).is_ok());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].id, ids[0]);
  filter = RunFilter();
  filter.limit = 1;
  ASSERT_TRUE(store->list_runs(filter, &runs).is_ok());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].id, ids[1]);
}

TEST_F(StoreTest, BatchedWritesOfManyEvents) {
  constexpr size_t kEvents = 100'000;
  History h = large_history(kEvents);
  auto store = open(batches_of(4096));
  int64_t whole = 0, streamed = 0;
  ASSERT_TRUE(store->begin_run(test_run("whole"), &whole).is_ok());
  ASSERT_TRUE(store->append_events(whole, h).is_ok());
  // As `faultline run` streams them: one event per call.
  ASSERT_TRUE(store->begin_run(test_run("streamed"), &streamed).is_ok());
  for (size_t i = 0; i < kEvents; ++i) ASSERT_TRUE(store->append_events(streamed, h, i, 1).is_ok());
  ASSERT_TRUE(store->flush().is_ok());
  for (int64_t run : {whole, streamed}) {
    const std::string id = std::to_string(run);
    EXPECT_EQ(query("SELECT count(*) FROM events WHERE run_id = " + id), std::to_string(kEvents));
    EXPECT_EQ(query("SELECT count(*) FROM nemesis_events WHERE run_id = " + id), "100");
    EXPECT_EQ(query("SELECT count(*) FROM events WHERE run_id = " + id + " AND key = 9"), "9900");
  }
}

TEST_F(StoreTest, ReaderSeesCommittedEventsOfARunningRun) {
  History h = large_history(250);
  auto writer = open(batches_of(100));
  int64_t run_id = 0;
  ASSERT_TRUE(writer->begin_run(test_run("live"), &run_id).is_ok());
  for (size_t i = 0; i < h.events.size(); ++i)
    ASSERT_TRUE(writer->append_events(run_id, h, i, 1).is_ok());

  auto reader = open();
  std::vector<RunRecord> runs;
  ASSERT_TRUE(reader->list_runs(RunFilter(), &runs).is_ok());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, RunStatus::kRunning);
  History seen;
  ASSERT_TRUE(reader->read_events(run_id, &seen).is_ok());
  expect_same_events(h, seen, 200);  // two full batches; the third is not committed yet

  ASSERT_TRUE(writer->flush().is_ok());
  seen = History();
  ASSERT_TRUE(reader->read_events(run_id, &seen).is_ok());
  expect_same_events(h, seen, 250);
}

TEST_F(StoreTest, KilledWriterLeavesItsCommittedEvents) {
  History h = large_history(250);
  const pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    // The writer: commits two batches of 100, then dies mid-batch without
    // flushing, finishing the run or running destructors.
    std::unique_ptr<Store> store;
    int64_t run_id = 0;
    if (!Store::open(path_, batches_of(100), &store).is_ok()) _exit(2);
    if (!store->begin_run(test_run("crashing"), &run_id).is_ok()) _exit(3);
    for (size_t i = 0; i < h.events.size(); ++i)
      if (!store->append_events(run_id, h, i, 1).is_ok()) _exit(4);
    _exit(0);
  }
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFEXITED(wstatus));
  ASSERT_EQ(WEXITSTATUS(wstatus), 0);

  auto store = open();
  std::vector<RunRecord> runs;
  ASSERT_TRUE(store->list_runs(RunFilter(), &runs).is_ok());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].info.name, "crashing");
  EXPECT_EQ(runs[0].status, RunStatus::kRunning);
  History seen;
  ASSERT_TRUE(store->read_events(runs[0].id, &seen).is_ok());
  expect_same_events(h, seen, 200);
}

// Processes that open one new store at the same moment (the cases of a
// parallel suite) all get it: the one that creates it switches it to WAL
// and writes its schema while the others wait, however their steps
// interleave (a CI run lost a case to "database is locked" here).
TEST_F(StoreTest, ProcessesOpeningANewStoreAtOnceAllGetIt) {
  constexpr int kRounds = 25;
  constexpr int kProcesses = 6;
  for (int round = 0; round < kRounds; ++round) {
    const std::string path = (dir_ / ("race" + std::to_string(round) + ".db")).string();
    int go[2];
    ASSERT_EQ(pipe(go), 0);
    std::vector<pid_t> children;
    for (int k = 0; k < kProcesses; ++k) {
      const pid_t child = fork();
      ASSERT_NE(child, -1);
      if (child == 0) {
        close(go[1]);
        char c;
        (void)!read(go[0], &c, 1);  // all start when the parent closes the pipe
        std::unique_ptr<Store> store;
        int64_t run_id = 0;
        Status st = Store::open(path, StoreOptions(), &store);
        if (st.is_ok()) st = store->begin_run(test_run("racer"), &run_id);
        if (!st.is_ok()) fprintf(stderr, "round %d: %s\n", round, st.message().c_str());
        _exit(st.is_ok() ? 0 : 1);
      }
      children.push_back(child);
    }
    close(go[0]);
    close(go[1]);
    for (pid_t child : children) {
      int wstatus = 0;
      ASSERT_EQ(waitpid(child, &wstatus, 0), child);
      EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) << "round " << round;
    }
    std::unique_ptr<Store> store;
    ASSERT_TRUE(Store::open(path, StoreOptions(), &store).is_ok());
    std::vector<RunRecord> runs;
    ASSERT_TRUE(store->list_runs(RunFilter(), &runs).is_ok());
    EXPECT_EQ(runs.size(), static_cast<size_t>(kProcesses)) << "round " << round;
  }
}

TEST_F(StoreTest, BadPathsFailWithAClearError) {
  const std::string file = (dir_ / "a-file").string();
  std::ofstream(file) << "not a directory\n";
  // Run as root, a read-only directory would still be writable: these fail for anyone.
  for (const std::string& path :
       {file + "/faultline.db", (dir_ / "missing/faultline.db").string(), dir_.string(), file}) {
    std::unique_ptr<Store> store;
    Status st = Store::open(path, &store);
    ASSERT_FALSE(st.is_ok()) << path;
    EXPECT_EQ(st.code(), Status::Code::kIoError);
    EXPECT_EQ(st.message().rfind(path + ": cannot open the store: ", 0), 0u) << st.message();
    EXPECT_FALSE(store);
  }
  std::unique_ptr<Store> store;
  EXPECT_EQ(Store::open(file, &store).message(),
            file + ": cannot open the store: file is not a database");
  EXPECT_EQ(Store::open("", &store).code(), Status::Code::kInvalidArgument);
}

TEST_F(StoreTest, RefusesOtherDatabasesAndNewerSchemas) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &raw), SQLITE_OK);
  sqlite::Connection db(raw);
  ASSERT_TRUE(sqlite::exec(raw, "CREATE TABLE notes (text TEXT)", "create").is_ok());
  std::unique_ptr<Store> store;
  Status st = Store::open(path_, &store);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("not a faultline store"), std::string::npos) << st.message();
  db.reset();

  fs::remove(path_);
  ASSERT_TRUE(open());
  ASSERT_EQ(sqlite3_open(path_.c_str(), &raw), SQLITE_OK);
  db.reset(raw);
  ASSERT_TRUE(sqlite::exec(raw, "PRAGMA user_version = 99", "bump").is_ok());
  st = Store::open(path_, &store);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("schema version 99, newer"), std::string::npos) << st.message();
}

TEST_F(StoreTest, WritesToUnknownRunsAndDuplicateEventsFail) {
  History h = parse(kHistory);
  auto store = open();
  Status st = store->append_events(77, h);
  EXPECT_NE(st.message().find("FOREIGN KEY"), std::string::npos) << st.message();
  EXPECT_EQ(store->finish_run(77, RunStatus::kDone, Verdict::kValid).code(),
            Status::Code::kInvalidArgument);
  History none;
  EXPECT_EQ(store->read_events(77, &none).code(), Status::Code::kInvalidArgument);

  int64_t run_id = 0;
  ASSERT_TRUE(store->begin_run(test_run("dup"), &run_id).is_ok());
  ASSERT_TRUE(store->append_events(run_id, h, 0, 3).is_ok());
  st = store->append_events(run_id, h, 2, 2);
  EXPECT_NE(st.message().find("(event 2, line 3 of test.jsonl)"), std::string::npos)
      << st.message();
  EXPECT_FALSE(store->append_events(run_id, h, 8, 1).is_ok());  // past the end
  ASSERT_TRUE(store->flush().is_ok());
  History back;
  ASSERT_TRUE(store->read_events(run_id, &back).is_ok());
  expect_same_events(h, back, 3);
}

}  // namespace
}  // namespace faultline
