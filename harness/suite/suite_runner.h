// SuiteRunner: one `faultline suite` (docs/suites.md): the cases of a suite
// file (or a shard of them) run one after another, each a whole `faultline
// run` (harness/run/runner.h) recorded in the store with the suite's id, the
// case's id and the revision under test; then a summary table, JUnit XML
// with one test case per suite case, and an exit code:
//   0 every case met its expectation, 1 one did not (a verdict other than
//   expected, or unknown), 3 a case could not run (infrastructure),
//   130 interrupted (the running case heals and tears down first).
#pragma once

#include <atomic>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "harness/run/progress.h"
#include "harness/suite/suite_file.h"

namespace faultline {

class Runner;

struct SuiteOptions {
  std::string suite_id;  // "" makes one: <suite name>-<UTC time>-<random>
  std::string junit;     // "" for none
  Verbosity verbosity = Verbosity::kNormal;
};

struct CaseResult {
  std::string id;
  std::string expect;
  std::string verdict;  // "valid", "invalid", "unknown", or "error" when it could not run
  int exit_code = 0;
  bool met = false;
  double seconds = 0;
  std::optional<double> detection_s;  // invalid: invocation of the earliest op in evidence
  double ops_per_s = 0;
  std::string store_dir;
};

// Whether a case expecting `expect` passes with a run that exited `exit_code`.
bool meets(const std::string& expect, int exit_code);

class SuiteRunner {
 public:
  SuiteRunner(std::string suite_name, std::vector<SuiteCase> cases, SuiteOptions options);
  // Runs every case; returns the exit code. Call once.
  int run();
  // Stops after the running case, which stops early too. Thread-safe.
  void interrupt();

  const std::string& suite_id() const { return options_.suite_id; }
  const std::vector<CaseResult>& results() const { return results_; }

  // The summary table (markdown), as printed at the end.
  static std::string summary(const std::vector<CaseResult>& results);

 private:
  CaseResult run_case(size_t index);

  std::string suite_name_;
  std::vector<SuiteCase> cases_;
  SuiteOptions options_;
  std::vector<CaseResult> results_;
  std::atomic<bool> interrupted_{false};
  std::mutex mutex_;  // guards current_
  Runner* current_ = nullptr;
};

}  // namespace faultline
