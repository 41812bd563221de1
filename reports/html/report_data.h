// The data an HTML report draws (docs/reports.md): one JSON object built from a
// history, its paired operations and the checkers' results. It is compact
// (operations as arrays, names in tables) and bounded in size: a long history
// is downsampled to at most max_drawn_ops operations, always keeping the ops
// that anomalies name and the failing key's ops around a linearizability
// failure. The page (report.js) only renders it.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "checkers/checker.h"
#include "history/history.h"

namespace faultline {

struct ReportOptions {
  size_t max_drawn_ops = 50000;     // operations drawn on the timeline and latency plot
  size_t throughput_buckets = 200;  // throughput is counted over every op, in this many buckets
  size_t max_value_chars = 160;     // longer value texts are cut (at a UTF-8 boundary) with "…"
  size_t max_window_ops = 300;      // ops of the failing key shown around a linearizability failure
};

// Columns of each row of data["ops"] (report.js reads them by these positions).
namespace report_column {
inline constexpr int kProcess = 0;
inline constexpr int kFunction = 1;  // index into data["functions"]
inline constexpr int kType = 2;      // 0 ok, 1 fail, 2 info, 3 pending
inline constexpr int kStart = 3;     // invoke time (ns, or event position without times)
inline constexpr int kEnd = 4;       // completion time, null when pending
inline constexpr int kKey = 5;       // index into data["keys"]
inline constexpr int kValue = 6;     // the invoke's value, canonical JSON text
inline constexpr int kResult = 7;    // the completion's value, null when pending
inline constexpr int kLine = 8;      // the invoke's line in the history file
inline constexpr int kEndLine = 9;   // the completion's line, null when pending
inline constexpr int kFlags = 10;    // kFlagAnomaly | kFlagWindow
// Only in rows whose completion carries the recorder's notes (else absent):
inline constexpr int kError = 11;  // why it failed or is unknown, or null
inline constexpr int kNode = 12;   // the node that served it (or was last tried), or null
}  // namespace report_column
inline constexpr int kFlagAnomaly = 1;  // named by some anomaly's evidence
inline constexpr int kFlagWindow = 2;   // in a linearizability failure's window

// `config` describes how the history was checked (model, options); it is shown
// as given. `title` names the history (its path).
nlohmann::json build_report_data(const History& history, const std::vector<Operation>& ops,
                                 const std::vector<CheckResult>& results,
                                 const nlohmann::json& config, const std::string& title,
                                 const ReportOptions& options = {});

// `text` cut to at most `max_chars` bytes at a UTF-8 character boundary, with
// "…" appended when it was cut.
std::string truncate_utf8(const std::string& text, size_t max_chars);

}  // namespace faultline
