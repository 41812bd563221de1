#include "harness/run/recorder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "history/reader.h"

namespace faultline {
namespace {

class RecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("faultline-recorder-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

Op event(EventType type, int64_t process, int64_t time, std::string f, nlohmann::json value,
         nlohmann::json key = nullptr) {
  Op op;
  op.type = type;
  op.process = process;
  op.time = time;
  op.f = std::move(f);
  op.value = std::move(value);
  op.key = std::move(key);
  return op;
}

TEST_F(RecorderTest, FileStoreAndMemoryHoldTheSameHistory) {
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::open(path("runs.db"), &store).is_ok());
  RunInfo info;
  int64_t run_id = 0;
  ASSERT_TRUE(store->begin_run(info, &run_id).is_ok());
  std::unique_ptr<Recorder> recorder;
  ASSERT_TRUE(Recorder::open(path("history.jsonl"), store.get(), run_id, {}, &recorder).is_ok());
  recorder->record(event(EventType::kInvoke, 0, 10, "write", 1, "k1"));
  recorder->record(event(EventType::kInvoke, kNemesisProcess, 11, "start-partition", "halves"));
  Op info_op = event(EventType::kInfo, kNemesisProcess, 12, "start-partition", {{"cut", 2}});
  recorder->record(info_op);
  Op ok = event(EventType::kOk, 0, 20, "write", 1, "k1");
  ok.node = "n1";
  recorder->record(ok);
  recorder->record(event(EventType::kInvoke, 1, 21, "read", nullptr, "k1"));
  Op lost = event(EventType::kInfo, 1, 30, "read", nullptr, "k1");
  lost.error = "timeout after 1000 ms";
  recorder->record(lost);
  RecorderCounts counts = recorder->counts();
  EXPECT_EQ(counts.invokes, 2);  // the nemesis's events are not counted
  EXPECT_EQ(counts.ok, 1);
  EXPECT_EQ(counts.info, 1);
  EXPECT_EQ(counts.active_faults, std::set<std::string>{"partition"});
  recorder->record(event(EventType::kInvoke, kNemesisProcess, 40, "stop-partition", nullptr));
  recorder->record(event(EventType::kInfo, kNemesisProcess, 41, "stop-partition", nullptr));
  EXPECT_TRUE(recorder->counts().active_faults.empty());

  History memory;
  ASSERT_TRUE(recorder->close(&memory).is_ok());
  ASSERT_EQ(memory.events.size(), 8u);

  History file;
  std::vector<Operation> ops;
  Status st = read_history(path("history.jsonl"), ReadOptions(), &file, &ops);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(ops.size(), 2u);  // nemesis events are not operations
  History db;
  ASSERT_TRUE(store->read_events(run_id, &db).is_ok());
  for (const History* h : {&file, &db}) {
    ASSERT_EQ(h->events.size(), memory.events.size());
    for (size_t i = 0; i < memory.events.size(); ++i) {
      const Event& a = memory.events[i];
      const Event& b = h->events[i];
      EXPECT_EQ(a.process, b.process) << i;
      EXPECT_EQ(a.type, b.type) << i;
      EXPECT_EQ(a.time, b.time) << i;
      EXPECT_EQ(memory.function_name(a), h->function_name(b)) << i;
      EXPECT_EQ(memory.key_name(a.key), h->key_name(b.key)) << i;
      EXPECT_EQ(memory.values.text(a.value), h->values.text(b.value)) << i;
    }
  }
  // The history in memory is the file's read back: notes and positions too
  // (append_event, which `faultline sim` builds its histories with).
  for (size_t i = 0; i < memory.events.size(); ++i) {
    const Event& a = memory.events[i];
    const Event& b = file.events[i];
    EXPECT_EQ(a.index, b.index) << i;
    EXPECT_EQ(a.line, b.line) << i;
    EXPECT_EQ(memory.notes.text(a.error), file.notes.text(b.error)) << i;
    EXPECT_EQ(memory.notes.text(a.node), file.notes.text(b.node)) << i;
  }
  EXPECT_EQ(memory.notes.text(memory.events[3].node), "n1");
  // The recorder's own fields are in the file for people and reports.
  std::ifstream in(path("history.jsonl"));
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("\"node\":\"n1\""), std::string::npos);
  EXPECT_NE(text.str().find("\"error\":\"timeout after 1000 ms\""), std::string::npos);
  EXPECT_NE(text.str().find("\"process\":\"nemesis\""), std::string::npos);
}

TEST_F(RecorderTest, EventsReachTheFileBeforeClose) {
  RecorderOptions options;
  options.flush_interval = std::chrono::milliseconds(10);
  std::unique_ptr<Recorder> recorder;
  ASSERT_TRUE(Recorder::open(path("h.jsonl"), nullptr, 0, options, &recorder).is_ok());
  recorder->record(event(EventType::kInvoke, 0, 1, "read", nullptr));
  // A controller killed now must leave this event on disk: wait for a flush.
  History h;
  for (int i = 0; i < 500 && h.events.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    h = History();
    std::vector<Operation> ops;
    ASSERT_TRUE(read_history(path("h.jsonl"), ReadOptions(), &h, &ops).is_ok());
  }
  EXPECT_EQ(h.events.size(), 1u);
  EXPECT_TRUE(recorder->close(nullptr).is_ok());
}

TEST_F(RecorderTest, StoreFillsAtItsRateAndGetsTheRestAtClose) {
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::open(path("runs.db"), &store).is_ok());
  int64_t run_id = 0;
  ASSERT_TRUE(store->begin_run(RunInfo(), &run_id).is_ok());
  RecorderOptions options;
  options.flush_interval = std::chrono::milliseconds(10);
  options.store_events_per_second = 1000;  // 10 per flush
  std::unique_ptr<Recorder> recorder;
  ASSERT_TRUE(Recorder::open(path("h.jsonl"), store.get(), run_id, options, &recorder).is_ok());
  for (int i = 0; i < 1000; ++i) {
    recorder->record(event(EventType::kInvoke, i, i, "read", nullptr));
    recorder->record(event(EventType::kOk, i, i, "read", nullptr));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // Another connection sees what was committed so far: a prefix, far from all.
  std::unique_ptr<Store> reader;
  ASSERT_TRUE(Store::open(path("runs.db"), &reader).is_ok());
  History partial;
  ASSERT_TRUE(reader->read_events(run_id, &partial).is_ok());
  EXPECT_GT(partial.events.size(), 0u);
  EXPECT_LT(partial.events.size(), 1000u);  // 2000 events at 1000/s: at most ~200 by now
  History memory;
  ASSERT_TRUE(recorder->close(&memory).is_ok());
  History all;
  ASSERT_TRUE(reader->read_events(run_id, &all).is_ok());
  EXPECT_EQ(all.events.size(), 2000u);
  EXPECT_EQ(memory.events.size(), 2000u);
}

TEST_F(RecorderTest, ValuesThatAreNotUtf8AreReplacedNotThrown) {
  std::unique_ptr<Recorder> recorder;
  ASSERT_TRUE(Recorder::open(path("h.jsonl"), nullptr, 0, {}, &recorder).is_ok());
  recorder->record(event(EventType::kInvoke, 0, 1, "write", std::string("\xff\xfe")));
  History memory;
  ASSERT_TRUE(recorder->close(&memory).is_ok());
  History file;
  std::vector<Operation> ops;
  Status st = read_history(path("h.jsonl"), ReadOptions(), &file, &ops);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(file.values.text(file.events[0].value), memory.values.text(memory.events[0].value));
}

// Plain values are written without nlohmann's dump(), byte for byte as it
// writes them; the rest through it.
TEST_F(RecorderTest, ValuesAreWrittenAsDumpWritesThem) {
  const nlohmann::json values[] = {
      nullptr,
      0,
      -17,
      int64_t{-9223372036854775807} - 1,
      uint64_t{18446744073709551615u},
      true,
      false,
      "",
      "plain text ~!",
      "quote \" and backslash \\",
      "tab\tnewline\n",
      "\x7f del",
      "caf\xc3\xa9",
      "\xff\xfe",
      1.5,
      nlohmann::json::array({1, "two", nullptr, nlohmann::json::array({3, false})}),
      nlohmann::json::array({1, "\"x\"", 2.25}),
      nlohmann::json::object({{"b", 1}, {"a", nlohmann::json::array({1})}}),
  };
  for (const nlohmann::json& v : values) {
    const std::string line = history_line(event(EventType::kOk, 3, 5, "read", v, v), 0);
    const std::string text = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    const std::string key = v.is_null() ? "" : ",\"key\":" + text;  // a null key is left out
    EXPECT_NE(line.find(key + ",\"value\":" + text + "}\n"), std::string::npos)
        << line << " for " << text;
  }
}

TEST_F(RecorderTest, UnwritableFileIsAnError) {
  std::unique_ptr<Recorder> recorder;
  Status st = Recorder::open(path("missing/dir/h.jsonl"), nullptr, 0, {}, &recorder);
  EXPECT_EQ(st.code(), Status::Code::kIoError);
  EXPECT_NE(st.message().find("missing/dir/h.jsonl"), std::string::npos);
}

}  // namespace
}  // namespace faultline
