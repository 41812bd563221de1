// Storage: the durable part of a Raft node — hard state, the log after the
// latest snapshot, and that snapshot — in the style of LogCabin's Storage/Log.h.
//
// Who calls what:
//  - The core (Raft) only reads it, except Raft::compact(), which calls
//    compact() after checking the index.
//  - The driver writes it when handling a Ready, through persist_ready() (or
//    the individual setters in the same order), before it sends the Ready's
//    messages.
// A Storage therefore always holds exactly what has been persisted: a crash
// loses everything the core holds beyond it, and a node restarts by
// constructing a new Raft over the same Storage.
//
// Indexes: the snapshot covers [1, snapshot().metadata.index]; the log holds
// [first_index(), last_index()], with first_index() == snapshot index + 1. An
// empty log has last_index() == first_index() - 1.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/status.h"
#include "targets/raftkv/raft/messages.h"

namespace faultline::raft {

struct Ready;

class Storage {
 public:
  virtual ~Storage() = default;

  virtual HardState hard_state() const = 0;
  virtual Snapshot snapshot() const = 0;  // metadata.index == 0: none yet
  virtual SnapshotMetadata snapshot_metadata() const = 0;
  virtual uint64_t first_index() const = 0;
  virtual uint64_t last_index() const = 0;
  // The term of the entry at `index`, for index in [first_index() - 1,
  // last_index()] (first_index() - 1 answers from the snapshot metadata);
  // nullopt outside that range.
  virtual std::optional<uint64_t> term(uint64_t index) const = 0;
  // Entries [lo, hi), lo >= first_index(), hi <= last_index() + 1. Stops early
  // once the total data size would exceed max_bytes (always returns at least
  // one entry when lo < hi).
  virtual std::vector<Entry> entries(uint64_t lo, uint64_t hi, uint64_t max_bytes) const = 0;

  // Appends entries, replacing any existing entries from entries.front().index
  // on (a follower's log conflict). The first index must be in [first_index(),
  // last_index() + 1] and indexes contiguous; entries already covered by the
  // snapshot are skipped.
  virtual Status append(const std::vector<Entry>& entries) = 0;
  virtual Status set_hard_state(const HardState& state) = 0;
  // Replaces the whole log with a snapshot received from the leader.
  virtual Status apply_snapshot(const Snapshot& snapshot) = 0;
  // Records a snapshot of the state machine at `index` (which must be in the
  // log) and discards the entries up to and including it.
  virtual Status compact(uint64_t index, std::string data) = 0;
};

// Persists a Ready's durable parts in the only safe order: snapshot (it
// replaces the log), then entries, then hard state (whose commit may refer to
// those entries). A file-backed Storage should make the three one atomic write.
Status persist_ready(const Ready& ready, Storage& storage);

}  // namespace faultline::raft
