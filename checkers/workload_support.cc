#include "checkers/workload_support.h"

#include <fmt/format.h>

#include <limits>

namespace faultline {
uint32_t invoke_value(const History& history, const Operation& op) {
  return history.events[op.invoke].value;
}

uint32_t completion_value(const History& history, const Operation& op) {
  return op.pending() ? ValueTable::kNull : history.events[op.completion].value;
}

bool json_int64(const nlohmann::json& v, int64_t* out) {
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
    *out = static_cast<int64_t>(u);
    return true;
  }
  if (!v.is_number_integer()) return false;
  *out = v.get<int64_t>();
  return true;
}

std::string source_line(const History& history, uint32_t line) {
  if (history.source.empty()) return fmt::format("line {}", line);
  return fmt::format("{}:{}", history.source, line);
}

std::string excerpt(std::string_view text, size_t max_chars) {
  if (text.size() <= max_chars) return std::string(text);
  return std::string(text.substr(0, max_chars)) + "...";
}

CheckResult input_error_result(std::string checker, std::string error) {
  CheckResult result;
  result.checker = std::move(checker);
  result.verdict = Verdict::kUnknown;
  result.summary = "malformed input: " + error;
  result.input_error = std::move(error);
  return result;
}

CheckResult deadline_result(std::string checker) {
  CheckResult result;
  result.checker = std::move(checker);
  result.verdict = Verdict::kUnknown;
  result.summary = "time budget exceeded before the check finished";
  return result;
}

void AnomalyCollector::add(Anomaly anomaly) {
  if (++counts_[anomaly.kind] > kMaxPerKind) {
    truncated_ = true;
    return;
  }
  kept_.push_back(std::move(anomaly));
}

void AnomalyCollector::move_into(CheckResult* result) {
  result->anomalies = std::move(kept_);
  kept_.clear();
  if (truncated_) result->details["anomalies_truncated"] = true;
}

}  // namespace faultline
