// RaftLog: the node's view of its log, stitched from what Storage already
// holds (durable) and what the core appended since the last Ready was
// acknowledged (unstable: entries, or a snapshot received from the leader,
// that the driver has not persisted yet). Also tracks the commit and applied
// indexes.
//
//   storage: [snapshot][first_index ... offset-1]      (durable)
//   unstable:                              [offset ... last_index]
//
// Storage entries at or past `offset` are stale (a conflicting suffix that
// the next Ready overwrites) and never read.
#pragma once

#include <optional>
#include <vector>

#include "targets/raftkv/raft/messages.h"
#include "targets/raftkv/raft/storage.h"

namespace faultline::raft {

class RaftLog {
 public:
  // Starts from what `storage` holds; applied is raised to the snapshot index.
  RaftLog(const Storage& storage, uint64_t applied);

  uint64_t first_index() const;  // first entry not covered by the snapshot
  uint64_t last_index() const { return offset_ + unstable_.size() - 1; }
  uint64_t last_term() const { return *term(last_index()); }
  // Term of the entry at `index` for index in [first_index() - 1, last_index()].
  std::optional<uint64_t> term(uint64_t index) const;
  bool match_term(uint64_t index, uint64_t term) const;
  // §5.4.1: is a log ending at (last_index, last_term) at least as up to date
  // as this one?
  bool is_up_to_date(uint64_t last_index, uint64_t last_term) const;
  // Entries [lo, hi), at most max_count of them and about max_bytes of data
  // (at least one when lo < hi). nullopt when lo is compacted or hi is past
  // the end.
  std::optional<std::vector<Entry>> slice(uint64_t lo, uint64_t hi, uint64_t max_count,
                                          uint64_t max_bytes) const;
  // The latest snapshot: the unstable one, else the storage's.
  Snapshot snapshot() const;
  uint64_t snapshot_index() const { return first_index() - 1; }

  uint64_t committed() const { return committed_; }
  uint64_t applied() const { return applied_; }
  void commit_to(uint64_t index);  // never lowers; index <= last_index()
  void applied_to(uint64_t index);

  // The first index of `entries` (contiguous) whose term differs from this
  // log's or that is past its end; 0 when the log already holds them all.
  uint64_t find_conflict(const std::vector<Entry>& entries) const;
  // Appends, replacing this log from entries.front().index on. The caller
  // ensures no committed entry is replaced and the log stays contiguous.
  void append(std::vector<Entry> entries);
  // Replaces the whole log with a snapshot from the leader (unstable until
  // persisted); commit moves to its index.
  void restore(Snapshot snapshot);

  const std::vector<Entry>& unstable_entries() const { return unstable_; }
  const std::optional<Snapshot>& unstable_snapshot() const { return unstable_snapshot_; }
  // The last index of this log that is durable (0 while a received snapshot is
  // not persisted yet).
  uint64_t durable_last_index() const { return unstable_snapshot_ ? 0 : offset_ - 1; }
  // The driver persisted entries up to (index, term): drops them from the
  // unstable part, unless the log changed there since.
  void stable_to(uint64_t index, uint64_t term);
  void stable_snapshot_to(uint64_t index);
  // Committed entries the state machine has not applied yet.
  std::vector<Entry> next_committed_entries() const;

 private:
  const Storage& storage_;
  std::optional<Snapshot> unstable_snapshot_;
  uint64_t offset_;              // index of unstable_[0]
  std::vector<Entry> unstable_;  // unstable_[k].index == offset_ + k
  uint64_t committed_;
  uint64_t applied_;
};

}  // namespace faultline::raft
