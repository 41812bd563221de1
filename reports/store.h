// faultline's store: one SQLite file that records runs (a test run, or a
// check of a recorded history), every event of their histories, checker
// results and anomalies, for the run browser and for people with the sqlite3
// shell. docs/store.md describes the schema and the guarantees below.
//
// Crash safety: the file is in WAL mode with synchronous=NORMAL. Events are
// appended inside a transaction that commits every `batch_events` events,
// after `commit_interval` (see StoreOptions), on flush(), before any other
// write, and when the Store is destroyed. A process killed mid-run leaves every committed event
// readable and its run with status 'running'; it loses at most the uncommitted
// batch. Other processes may read (and write, waiting up to `busy_timeout`)
// the same file at the same time.
//
// A Store is one connection: use it from one thread at a time. Nothing here
// throws; every failure is a Status naming the file.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "checkers/checker.h"
#include "history/history.h"

namespace faultline {

enum class RunKind { kCheck, kTest };
enum class RunStatus { kRunning, kDone, kAborted };

std::string_view to_string(RunKind kind);
std::string_view to_string(RunStatus status);

// What a run is, as known when it starts. Empty strings are stored as NULL.
struct RunInfo {
  RunKind kind = RunKind::kTest;
  std::string name;      // the test's name; for a check, the history file as named by the user
  std::string source;    // the history file checked, or the test's definition file
  std::string target;    // the system under test, e.g. "etcd"
  std::string workload;  // e.g. "register"
  std::string nemesis;   // e.g. "partition-random-halves"
  std::string model;     // the checker's model, e.g. "register"
  std::optional<int64_t> seed;
  int64_t started_at_ms = 0;                         // Unix time in milliseconds; 0 means now
  nlohmann::json config = nlohmann::json::object();  // the full run configuration
  std::string store_dir;   // the directory holding the run's files (logs, history)
  std::string suite;       // the suite (faultline suite) this run is a case of, by name
  std::string suite_run;   // the run of that suite (its id: one per `faultline suite`)
  std::string suite_case;  // the case's id in the suite
  std::string revision;    // the system under test's revision, as the user named it
  std::string uid;         // unique across stores (faultline store merge); "" makes one
};

// One row of the runs table.
struct RunRecord {
  int64_t id = 0;
  RunInfo info;
  std::optional<int64_t> ended_at_ms;
  RunStatus status = RunStatus::kRunning;
  std::optional<Verdict> verdict;
};

// Which runs list_runs returns, newest first.
struct RunFilter {
  std::optional<int64_t> id;  // this run only
  std::optional<RunKind> kind;
  std::string name;  // "" for any; likewise target and workload
  std::string target;
  std::string workload;
  std::optional<Verdict> verdict;
  std::string suite;    // by name; "" for any
  int64_t limit = 100;  // at most this many; negative for all
};

// A run's client operations by outcome, counted from its events: an invoke
// without a completion is pending.
struct OpCounts {
  int64_t ok = 0, fail = 0, info = 0, pending = 0;
  int64_t total() const { return ok + fail + info + pending; }
};

struct StoreOptions {
  // Appended events are committed every `batch_events` events, or by the first
  // append that finds the batch older than `commit_interval`. A live run whose
  // events pause calls flush() to publish the ones it has.
  size_t batch_events = 4096;
  std::chrono::milliseconds commit_interval{1000};
  std::chrono::milliseconds busy_timeout{5000};  // wait this long for another writer's lock
};

class Store {
 public:
  // Opens (creating it if missing) the store at `path` and brings its schema
  // up to date.
  static Status open(const std::string& path, const StoreOptions& options,
                     std::unique_ptr<Store>* out);
  static Status open(const std::string& path, std::unique_ptr<Store>* out) {
    return open(path, StoreOptions(), out);
  }
  // Commits appended events (call flush() first to learn whether that works).
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& path() const;

  // Records a new run with status 'running'.
  Status begin_run(const RunInfo& info, int64_t* run_id);
  // Appends history.events[first, first + count) to the run; an event's
  // position in `history` is its `seq` in the store, so each may be appended
  // once. A long call commits every `batch_events` events as it goes. On
  // error, the events before the failing one (named in the message) stay
  // appended.
  Status append_events(int64_t run_id, const History& history, size_t first, size_t count);
  Status append_events(int64_t run_id, const History& history) {
    return append_events(run_id, history, 0, history.events.size());
  }
  // Commits the events appended so far.
  Status flush();
  // Records a checker's result for the run, replacing one recorded before
  // by the same checker (a verdict stored early, then its minimal core).
  Status record_result(int64_t run_id, const CheckResult& result);
  // Sets the run's status, verdict and end time (now).
  Status finish_run(int64_t run_id, RunStatus status, std::optional<Verdict> verdict);

  Status list_runs(const RunFilter& filter, std::vector<RunRecord>* out);
  // The run's events, as a History whose `source` is the run's source. Reads
  // see this connection's uncommitted events too.
  Status read_events(int64_t run_id, History* out);
  // Counts the run's operations (one scan of its events).
  Status count_ops(int64_t run_id, OpCounts* out);
  // The run's checker results with their anomalies, in the order recorded.
  Status read_results(int64_t run_id, std::vector<CheckResult>* out);

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace faultline
