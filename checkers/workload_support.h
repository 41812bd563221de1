// Helpers shared by the workload checkers (set, counter, bank): evidence for
// one operation, reading integers out of JSON values, the time budget, and a
// cap on how many anomalies of one kind a result carries.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "checkers/checker.h"
#include "history/history.h"

namespace faultline {

// Whether `e`'s function is `f`, an id from History::functions.find (-1 when
// the history never names that function).
inline bool has_f(const Event& e, int64_t f) { return f >= 0 && e.f == static_cast<uint64_t>(f); }

// The value of an operation's invoke event, and of its completion event (null
// for a pending operation).
uint32_t invoke_value(const History& history, const Operation& op);
uint32_t completion_value(const History& history, const Operation& op);

// The integer in `v` if it is a JSON integer in the int64 range.
bool json_int64(const nlohmann::json& v, int64_t* out);

// "file:line", or "line N" when the history has no source name.
std::string source_line(const History& history, uint32_t line);

// A JSON text cut to at most `max_chars` characters, for one-line messages.
std::string excerpt(std::string_view text, size_t max_chars = 60);

// The result for a history whose values do not fit the checker's model (a
// value of the wrong shape, sums beyond 64 bits), as the linearizability
// checker reports it: verdict unknown, input_error = `error` ("file:line:
// expected ..."), summary "malformed input: <error>".
CheckResult input_error_result(std::string checker, std::string error);

// The result for a check that ran out of time (CheckOptions::deadline):
// verdict unknown.
CheckResult deadline_result(std::string checker);

// Watches CheckOptions::deadline without reading the clock on every step:
// call expired() once per unit of work; it looks at the clock every kStride
// calls.
class DeadlineWatch {
 public:
  explicit DeadlineWatch(std::chrono::steady_clock::time_point deadline) : deadline_(deadline) {}
  bool expired() {
    if (++calls_ % kStride != 0) return false;
    return std::chrono::steady_clock::now() > deadline_;
  }

 private:
  static constexpr uint64_t kStride = 1024;
  std::chrono::steady_clock::time_point deadline_;
  uint64_t calls_ = 0;
};

// Collects anomalies, keeping at most kMaxPerKind of each kind so that a badly
// broken history still gives a readable result. Checkers report exact counts
// in CheckResult::details.
class AnomalyCollector {
 public:
  static constexpr size_t kMaxPerKind = 100;
  void add(Anomaly anomaly);
  // Moves the kept anomalies into `result` and, if any were dropped, sets
  // details["anomalies_truncated"] = true.
  void move_into(CheckResult* result);

 private:
  std::vector<Anomaly> kept_;
  std::map<std::string, size_t> counts_;
  bool truncated_ = false;
};

}  // namespace faultline
