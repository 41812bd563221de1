// MemoryStorage: a Storage kept in memory, for the core's tests and the
// simulated cluster. "Persisted" here means "written into this object": a
// simulated crash discards the Raft object and keeps its MemoryStorage.
#pragma once

#include <vector>

#include "targets/raftkv/raft/storage.h"

namespace faultline::raft {

class MemoryStorage : public Storage {
 public:
  HardState hard_state() const override { return hard_state_; }
  Snapshot snapshot() const override { return snapshot_; }
  SnapshotMetadata snapshot_metadata() const override { return snapshot_.metadata; }
  uint64_t first_index() const override { return snapshot_.metadata.index + 1; }
  uint64_t last_index() const override { return snapshot_.metadata.index + entries_.size(); }
  std::optional<uint64_t> term(uint64_t index) const override;
  std::vector<Entry> entries(uint64_t lo, uint64_t hi, uint64_t max_bytes) const override;

  Status append(const std::vector<Entry>& entries) override;
  Status set_hard_state(const HardState& state) override;
  Status apply_snapshot(const Snapshot& snapshot) override;
  Status compact(uint64_t index, std::string data) override;

 private:
  HardState hard_state_;
  Snapshot snapshot_;
  std::vector<Entry> entries_;  // entries_[k].index == snapshot_.metadata.index + 1 + k
};

}  // namespace faultline::raft
