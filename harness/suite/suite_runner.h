// SuiteRunner: one `faultline suite` (docs/suites.md): the cases of a suite
// file (or a shard of them) run one after another, or several at once, each
// a whole `faultline run` (harness/run/runner.h) recorded in the store with
// the suite's id, the case's id and the revision under test; then a summary
// table, JUnit XML with one test case per suite case, and an exit code:
//   0 every case met its expectation, 1 one did not (a verdict other than
//   expected, or unknown), 3 a case could not run (infrastructure),
//   130 interrupted (the running case heals and tears down first).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdio>
#include <functional>
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
  // Cases at once. Above 1 each case runs in a child process, because a run
  // owns process-wide state (the log, signal handling): `child_command`
  // (`faultline suite FILE` and the flags given) followed by
  // `--case ID --suite-id ID --quiet --result-file F --cluster C`, which
  // runs that case alone on local cluster C and writes its CaseResult to F
  // (write_case_result). The children's output goes to one log per case in
  // `log_dir` (default: faultline-suite-<suite id> in the temp directory).
  int parallel = 1;
  std::vector<std::string> child_command;
  std::string log_dir;
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

// A case's result as a JSON file, from a child process to the suite.
Status write_case_result(const std::string& path, const CaseResult& result);
Status read_case_result(const std::string& path, CaseResult* result);

// The name of the local cluster that parallel slot `slot` (0-based) uses:
// `base` cut to leave room for the slot's number, so it stays a valid
// cluster name (at most 8 characters), e.g. local -> local1, local2.
std::string slot_cluster_name(const std::string& base, int slot);

class SuiteRunner {
 public:
  SuiteRunner(std::string suite_name, std::vector<SuiteCase> cases, SuiteOptions options);
  // Runs every case; returns the exit code. Call once.
  int run();
  // Starts no more cases; the running ones stop early (heal, tear down).
  // Thread-safe.
  void interrupt();

  const std::string& suite_id() const { return options_.suite_id; }
  const std::vector<CaseResult>& results() const { return results_; }

  // The summary table (markdown), as printed at the end.
  static std::string summary(const std::vector<CaseResult>& results);

  // Where the results of child `index` go, and its log (parallel runs).
  std::string child_result_file(size_t index) const;
  std::string child_log(size_t index) const;

 private:
  CaseResult run_case(size_t index);
  void run_sequential();
  void run_parallel();  // suite_parallel.cc
  void announce(size_t index, const std::string& where) const;
  void finish(size_t index, CaseResult r);  // prints the outcome, keeps the result

  std::string suite_name_;
  std::vector<SuiteCase> cases_;
  SuiteOptions options_;
  std::vector<CaseResult> results_;  // in the order the cases finish
  std::atomic<bool> interrupted_{false};
  std::mutex mutex_;  // guards current_ and children_
  Runner* current_ = nullptr;
  std::vector<pid_t> children_;
};

}  // namespace faultline
