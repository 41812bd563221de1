// The run browser's HTML pages (run_browser.h serves them): self-contained
// (inline CSS, no script, nothing fetched from elsewhere) and built on the
// server with every value from the store HTML-escaped.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "reports/run/run_listing.h"
#include "reports/run/suite_history.h"

namespace faultline {

// One run in a test's trend, oldest first.
struct TrendPoint {
  int64_t id = 0;
  int64_t started_at_ms = 0;
  std::string verdict;  // "valid", "invalid", "unknown", or the status when not done
  bool has_report = false;
};

struct IndexPage {
  std::string store_path;
  std::map<std::string, std::string> filters;  // name, target, workload, verdict, limit as given
  std::set<std::string> names, targets, workloads;  // every value in the store, for the filters
  struct Row {
    RunListing listing;
    bool has_report = false;  // <store_dir>/report.html exists
  };
  std::vector<Row> runs;  // newest first, as filtered
  int64_t limit = 0;
  std::map<std::string, std::vector<TrendPoint>> trends;  // per test name, its latest runs
  std::set<std::string> suites;  // suites with runs in the store (links to their registry)
};

// &, <, >, " and ' as entities, for text and attribute values in HTML.
std::string html_escape(std::string_view text);
// Escapes everything but unreserved characters, for a query value or a path segment.
std::string percent_encode(std::string_view text);

std::string render_index_page(const IndexPage& page);

// A suite's regression registry (suite_history.h): each case's strip over
// its suite runs, latest outcome, detection rate and flags.
std::string render_suite_page(const std::string& suite, const std::vector<CaseHistory>& cases);

// The files of a run's store directory (paths relative to it, sorted).
std::string render_files_page(const RunListing& run, const std::vector<std::string>& files);

// A short page for an error status ("404 Not Found: ...").
std::string render_error_page(int status, const std::string& message);

}  // namespace faultline
