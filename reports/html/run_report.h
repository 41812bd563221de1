// The report of a test run (docs/reports.md): everything the report of a
// checked history has (report_data.h), plus what `faultline run` recorded in
// the run's store directory (run_dir.h): the run's configuration and checker
// results from run.json, its nodes with links to their logs, and the nodes'
// important log lines (node_logs.h) on the history's clock.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "reports/html/report_data.h"

namespace faultline {

struct RunReportOptions {
  ReportOptions report;
  size_t max_log_lines = 5000;      // log lines in the page; elections and errors before warnings
  size_t max_log_line_chars = 400;  // longer lines are cut with "…"
};

// The page's data for the run in `store_dir`; links to the run's files are
// relative to the directory `out_html` will be written to. Adds to
// build_report_data's object: "run" (run.json's fields but checkers and
// config), "files" and "nodes" ({name, href}), "log_lines" (rows [time_ns,
// node index, kind, level, text, file index within the node, line]) and
// "log_sampling" {total, shown}. The verdict is run.json's.
Status build_run_report_data(const std::string& store_dir, const std::string& out_html,
                             const RunReportOptions& options, nlohmann::json* out);

// Writes the report of the run in `store_dir` to `out_html`. Errors name the
// file: a missing run.json or history.jsonl is an io_error, a bad one malformed.
Status write_run_report(const std::string& store_dir, const std::string& out_html);

// A relative path with '/' separators as a relative URL: each segment
// percent-encoded, and "./" in front unless it starts with "..", so that no
// file name reads as a URL scheme ("javascript:x").
std::string relative_href(const std::string& path);

}  // namespace faultline
