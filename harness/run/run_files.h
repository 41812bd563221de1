// The files and database rows of a run (the layout is in reports/run/run_dir.h):
// its store directory, faultline.log, run.json, the runs row, and the
// summary printed at the end.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <ostream>
#include <string>

#include "base/status.h"
#include "harness/run/progress.h"
#include "harness/run/test_config.h"
#include "history/history.h"
#include "reports/run/run_dir.h"
#include "reports/store.h"

namespace faultline {

// Creates <store>/<test name>/<YYYYmmddTHHMMSSZ>/ (with a -2, -3, ... suffix
// if a run of the same test started in the same second).
Status make_run_dir(const TestConfig& config, std::string* dir);

// While alive, the default spdlog logger writes everything (debug and up) to
// `path` and, on stderr, warnings (verbose: info; quiet: errors only).
class RunLogger {
 public:
  RunLogger(const std::string& path, Verbosity verbosity);
  ~RunLogger();

 private:
  std::shared_ptr<spdlog::logger> previous_;
};

// Records the run in the database (status running), fills `manifest` with
// what is known at the start and writes run.json.
Status begin_run(const TestConfig& config, const std::string& dir, Store& store,
                 RunManifest* manifest);
// Fills in the end time and op counts, records the checkers' results and the
// run's end in the database.
Status finish_run(const History& history, int exit_code, Store& store, RunManifest* manifest);

// run.json, replaced atomically.
Status write_run_manifest(const std::string& dir, const RunManifest& manifest);
Status write_text_file(const std::string& path, const std::string& text);

// The verdict, one line per checker, and where the report is.
void print_summary(const TestConfig& config, const RunManifest& manifest, int exit_code,
                   const std::string& report, std::ostream& out);

}  // namespace faultline
