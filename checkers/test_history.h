// For checker tests: builds a small history as JSON lines and reads it back
// through parse_jsonl and pair_operations, so tests check exactly what the
// readers hand to a checker.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checkers/checker.h"
#include "history/history.h"
#include "history/reader.h"

namespace faultline {

struct TestHistory {
  History history;
  std::vector<Operation> ops;
};

// Each call appends one event (one line); `value` and `key` are JSON texts, an
// empty key leaves the field out. Times are 1000 ns per line.
class HistoryBuilder {
 public:
  HistoryBuilder& invoke(int process, std::string_view f, std::string_view value = "null",
                         std::string_view key = "") {
    return event(process, "invoke", f, value, key);
  }
  HistoryBuilder& ok(int process, std::string_view f, std::string_view value = "null",
                     std::string_view key = "") {
    return event(process, "ok", f, value, key);
  }
  HistoryBuilder& fail(int process, std::string_view f, std::string_view value = "null",
                       std::string_view key = "") {
    return event(process, "fail", f, value, key);
  }
  HistoryBuilder& info(int process, std::string_view f, std::string_view value = "null",
                       std::string_view key = "") {
    return event(process, "info", f, value, key);
  }
  // An invoke, then its completion of `type`: "ok", "fail" or "info" (any
  // other type leaves the operation pending).
  HistoryBuilder& op(int process, std::string_view f, std::string_view value, std::string_view type,
                     std::string_view key = "") {
    invoke(process, f, value, key);
    if (type == "ok" || type == "fail" || type == "info") event(process, type, f, value, key);
    return *this;
  }
  HistoryBuilder& nemesis(std::string_view f) {
    text_ += "{\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"" + std::string(f) + "\"}\n";
    ++lines_;
    return *this;
  }
  // A builder holding `jsonl` as if its lines had been appended one by one.
  static HistoryBuilder from_text(std::string jsonl) {
    HistoryBuilder b;
    for (char c : jsonl) b.lines_ += c == '\n';
    b.text_ = std::move(jsonl);
    return b;
  }
  // The line the next event will be on.
  uint32_t next_line() const { return lines_ + 1; }
  const std::string& text() const { return text_; }

  // Parses and pairs the events; a parse error fails the current test.
  std::unique_ptr<TestHistory> build() const {
    auto out = std::make_unique<TestHistory>();
    Status st = parse_jsonl(text_, "test.jsonl", &out->history);
    EXPECT_TRUE(st.is_ok()) << st.message() << "\n" << text_;
    st = pair_operations(out->history, &out->ops);
    EXPECT_TRUE(st.is_ok()) << st.message() << "\n" << text_;
    return out;
  }

 private:
  HistoryBuilder& event(int process, std::string_view type, std::string_view f,
                        std::string_view value, std::string_view key) {
    ++lines_;
    text_ += "{\"process\":" + std::to_string(process) + ",\"type\":\"" + std::string(type) +
             "\",\"f\":\"" + std::string(f) + "\",\"value\":" + std::string(value);
    if (!key.empty()) text_ += ",\"key\":" + std::string(key);
    text_ += ",\"time\":" + std::to_string(lines_ * 1000) + "}\n";
    return *this;
  }

  std::string text_;
  uint32_t lines_ = 0;
};

// Options whose deadline passed a second ago.
inline CheckOptions past_deadline() {
  CheckOptions options;
  options.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  return options;
}

// What a workload checker given past_deadline() must return: unknown for lack
// of time, which is not an input error.
inline void expect_out_of_time(const CheckResult& r) {
  EXPECT_EQ(r.verdict, Verdict::kUnknown);
  EXPECT_EQ(r.summary, "time budget exceeded before the check finished");
  EXPECT_TRUE(r.input_error.empty());
}

}  // namespace faultline
