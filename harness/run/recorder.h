// Recorder: where a run's events go as they happen. The interpreter's loop
// thread hands each event to record() (cheap: a move into a queue); a writer
// thread appends the queued events, in order, to history.jsonl every
// `flush_interval` and to the SQLite store at a bounded rate (the rest at
// close). So a controller killed mid-run leaves a readable history of
// everything up to its last flush (and the store a prefix of it), and the
// loop thread never waits for the disk.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "harness/generator/scheduler.h"
#include "history/history.h"
#include "reports/store.h"

namespace faultline {

// The JSON-lines text of one event (docs/history.md): index, time, process
// ("nemesis" for kNemesisProcess), type, f, key (when not null), value,
// error and node (when set).
std::string history_line(const Op& event, int64_t index);

// Appends `event` to `history` as its next event (index and 1-based line =
// its position), interning its f, key, value, error and node as reading its
// history_line back would, and that line to `*jsonl` unless it is null.
void append_event(const Op& event, History* history, std::string* jsonl);

struct RecorderCounts {
  int64_t invokes = 0, ok = 0, fail = 0, info = 0;  // client operations' events
  std::set<std::string> active_faults;  // begun by a nemesis start-X and not yet stopped
};

struct RecorderOptions {
  std::chrono::milliseconds flush_interval{100};
  bool write_jsonl = true;  // off: only the store (and the in-memory history)
  // The store gets at most this many events per second while the run goes
  // (0: no limit) and the rest at close(): its B-trees cost several times
  // what a JSON line does, and must not slow a fast test down. history.jsonl
  // always has every event within flush_interval.
  size_t store_events_per_second = 5000;
};

class Recorder : public HistorySink {
 public:
  // Creates (truncates) `jsonl_path` unless options say not to. `store` may
  // be null (no database); it must outlive the recorder and is used only by
  // the writer thread until close().
  static Status open(const std::string& jsonl_path, Store* store, int64_t run_id,
                     const RecorderOptions& options, std::unique_ptr<Recorder>* out);
  ~Recorder() override;  // close()s if not yet closed

  void record(const Op& event) override;

  // What has been recorded so far (thread-safe; for the progress line).
  RecorderCounts counts() const;

  // Writes what is queued, stops the writer, and moves the whole history
  // into `history` (if not null). The first write error seen (disk full, store
  // failure) is returned here; recording went on in memory regardless.
  Status close(History* history);

 private:
  Recorder(Store* store, int64_t run_id, RecorderOptions options, int fd);
  void writer_loop();
  // Appends `batch` to the file and the history.
  void write_batch(const std::vector<Op>& batch);
  // Appends up to `limit` of the events not yet in the store to it.
  void store_backlog(size_t limit);
  size_t store_quota() const;

  Store* store_;
  int64_t run_id_;
  RecorderOptions options_;
  int fd_;  // -1 when not writing JSON lines

  mutable std::mutex mutex_;  // guards queue_, counts_, closing_
  std::condition_variable wake_;
  std::vector<Op> queue_;
  RecorderCounts counts_;
  bool closing_ = false;

  // Owned by the writer thread (then by close()).
  History history_;
  Status error_;
  size_t stored_ = 0;  // events of history_ appended to the store
  std::string buffer_;
  std::thread writer_;
  bool closed_ = false;
};

}  // namespace faultline
