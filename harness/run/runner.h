// Runner: one `faultline run`, start to end (docs/cli.md, "faultline run"):
//
//   1. a store directory <store>/<test>/<timestamp>/ with faultline.log, a
//      row in the SQLite database, and run.json saying it is running;
//   2. the nodes (a local cluster, brought up if missing, or a nodes file),
//      the target deployed and started on them, a leader awaited;
//   3. the workload's clients and the nemesis driven by the interpreter for
//      the time limit at the given rate, every event streamed to
//      history.jsonl and the database as it happens;
//   4. a final phase: every fault healed, the cluster given time to serve
//      again, the workload's final reads;
//   5. teardown (faults healed again, node logs downloaded, servers stopped,
//      a cluster the run brought up taken down) on every path out — normal,
//      error or interrupt;
//   6. the checkers, results in run.json, the database and report.html
//      (and JUnit XML when asked).
//
// The exit code is check's: 0 valid, 1 invalid, 2 unknown, 3 infrastructure
// (could not deploy, the cluster never recovered), 64 usage, 130 interrupted.
#pragma once

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

#include "harness/generator/interpreter.h"
#include "harness/run/progress.h"
#include "harness/run/test_config.h"

namespace faultline {

class Runner {
 public:
  Runner(TestConfig config, Verbosity verbosity);
  // Runs the test; returns the exit code. Call once.
  int run();
  // Stops the test early (Ctrl-C, SIGTERM): stop generating, heal, tear
  // down, keep the history; run() then returns 130. Thread-safe.
  void interrupt();

  // The run's store directory ("" before it exists).
  const std::string& store_dir() const { return store_dir_; }

 private:
  struct State;
  // Each returns ok or the exit code that ends the run.
  int deploy(State& s);
  int drive(State& s);
  void teardown(State& s);
  int check(State& s, const History& history);
  void finish(State& s, const History& history, int code);

  TestConfig config_;
  Verbosity verbosity_;
  std::string store_dir_;
  std::atomic<bool> interrupted_{false};
  std::mutex interpreter_mutex_;  // guards interpreter_
  Interpreter* interpreter_ = nullptr;
};

}  // namespace faultline
