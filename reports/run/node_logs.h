// The lines of a node's log that a person looking at a failed run needs:
// elections, leader changes, restarts, errors and warnings, each with its
// time on the history's clock (ns since the run started), so that a report
// draws them next to the operations and the faults (docs/reports.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace faultline {

// What a log line says, by pattern (see classify_log_line).
enum class LogKind { kLeader, kElection, kFollower, kRestart, kError, kWarning };

std::string_view to_string(LogKind kind);

struct LogLine {
  int64_t time_ns = 0;  // ns since the run started; negative before it
  LogKind kind = LogKind::kWarning;
  std::string level;    // as written: "info", "warning", "error", ...
  std::string message;  // the text after the time, level and "[node N]" tag
  uint32_t line = 0;    // 1-based line in the log file
};

// A timestamped log line split into its parts. Two layouts are read, both in
// UTC wall-clock time with any number of fractional-second digits:
//   spdlog's default:  [2026-11-26 11:33:00.123] [info] message
//   raftkv's pattern:  2026-11-26T11:33:00.123 info [node 1] message
struct ParsedLogLine {
  int64_t unix_ns = 0;
  std::string_view level;
  std::string_view message;
};
// nullopt for a line that does not start with a time (a continuation line,
// a banner).
std::optional<ParsedLogLine> parse_log_line(std::string_view line);

// The kind of a line worth showing, or nullopt. Errors and warnings by level
// (error, critical, fatal; warn, warning); by message, raftkv's role changes
// ("node 1: leader in term 3, leader 1", candidate and pre-candidate are
// elections, follower a leader change) and its restarts ("recovered term",
// "serving clients on", "shutting down", "recovery:"); for other systems,
// messages naming an election, a new leader or a start/stop.
std::optional<LogKind> classify_log_line(std::string_view level, std::string_view message);

// The important lines of one log, in file order. `started_at_unix_ms` is the
// run's start: a line's time_ns is its wall time minus it.
std::vector<LogLine> important_log_lines(std::string_view text, int64_t started_at_unix_ms);

}  // namespace faultline
