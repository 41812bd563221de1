#include "targets/raftkv/storage/durable_storage.h"

#include <fmt/format.h>

#include <algorithm>

#include "targets/raftkv/raft/check.h"
#include "targets/raftkv/storage/snapshot_file.h"

namespace faultline::raft::storage {

Status DurableStorage::open(common::Env* env, const std::string& dir,
                            const DurableStorageOptions& options,
                            std::unique_ptr<DurableStorage>* out) {
  if (Status s = env->create_dir(dir); !s.is_ok()) return s;
  std::unique_ptr<DurableStorage> storage(new DurableStorage(env, dir));
  WalState state;
  if (Status s = Wal::open(env, dir, options.wal, &storage->wal_, &state); !s.is_ok()) return s;
  Snapshot snapshot;
  if (Status s = storage->recover_snapshot(state.snapshot, &snapshot); !s.is_ok()) return s;
  if (Status s = storage->remove_snapshot_files(state.snapshot); !s.is_ok()) return s;
  if (Status s = storage->wal_->remove_obsolete_segments(state.snapshot.index); !s.is_ok()) {
    return s;
  }

  MemoryStorage& mirror = storage->mirror_;
  Status s = snapshot.metadata.index > 0 ? mirror.apply_snapshot(snapshot) : Status::ok();
  if (s.is_ok()) s = mirror.append(state.entries);
  if (s.is_ok()) s = mirror.set_hard_state(state.hard_state);
  RAFT_CHECK(s.is_ok(), "{}: the replayed WAL does not load: {}", dir, s.message());
  storage->recovery_note_ = std::move(state.torn_tail);
  *out = std::move(storage);
  return Status::ok();
}

// The WAL is the authority on which snapshot is current: its record is the
// commit point of a snapshot, written after the snapshot file is durable.
Status DurableStorage::recover_snapshot(const SnapshotMetadata& recorded, Snapshot* snapshot) {
  if (recorded.index == 0) return Status::ok();
  const std::string path = common::join_path(dir_, snapshot_file_name(recorded));
  std::vector<std::string> names;
  if (Status s = env_->list_dir(dir_, &names); !s.is_ok()) return s;
  if (std::find(names.begin(), names.end(), snapshot_file_name(recorded)) == names.end()) {
    return Status::malformed(
        fmt::format("{}: missing, but the WAL records the snapshot at index {} term {} as current",
                    path, recorded.index, recorded.term));
  }
  return load_snapshot_file(env_, path, snapshot);
}

// Removes every snapshot file but `keep`: older ones are superseded; newer
// ones (and .tmp files) were written by a sync() that never reached its WAL
// record, so they were never acknowledged.
Status DurableStorage::remove_snapshot_files(const SnapshotMetadata& keep) {
  std::vector<std::string> names;
  if (Status s = env_->list_dir(dir_, &names); !s.is_ok()) return s;
  bool removed = false;
  for (const std::string& name : names) {
    std::string_view stem = name;
    if (stem.ends_with(kTempSuffix)) stem.remove_suffix(kTempSuffix.size());
    const std::optional<SnapshotMetadata> m = parse_snapshot_file_name(stem);
    if (!m || (*m == keep && stem.size() == name.size())) continue;
    if (Status s = env_->remove_file(common::join_path(dir_, name)); !s.is_ok()) return s;
    removed = true;
  }
  return removed ? env_->sync_dir(dir_) : Status::ok();
}

Status DurableStorage::append(const std::vector<Entry>& entries) {
  if (Status s = check_writable(); !s.is_ok()) return s;
  if (Status s = wal_->append(entries); !s.is_ok()) return s;
  const Status s = mirror_.append(entries);
  RAFT_CHECK(s.is_ok(), "the WAL accepted entries its mirror rejects: {}", s.message());
  return Status::ok();
}

Status DurableStorage::set_hard_state(const HardState& state) {
  if (Status s = check_writable(); !s.is_ok()) return s;
  wal_->set_hard_state(state);
  return mirror_.set_hard_state(state);
}

Status DurableStorage::apply_snapshot(const Snapshot& snapshot) {
  if (Status s = check_writable(); !s.is_ok()) return s;
  if (Status s = wal_->install_snapshot(snapshot.metadata); !s.is_ok()) return s;
  const Status s = mirror_.apply_snapshot(snapshot);
  RAFT_CHECK(s.is_ok(), "the WAL accepted a snapshot its mirror rejects: {}", s.message());
  pending_snapshot_ = snapshot;
  return Status::ok();
}

Status DurableStorage::compact(uint64_t index, std::string data) {
  if (Status s = check_writable(); !s.is_ok()) return s;
  // Outside the log term() is nullopt, and the WAL rejects the index anyway.
  const SnapshotMetadata metadata{index, mirror_.term(index).value_or(0)};
  if (Status s = wal_->compact(metadata); !s.is_ok()) return s;
  const Status s = mirror_.compact(index, std::move(data));
  RAFT_CHECK(s.is_ok(), "the WAL accepted a compaction its mirror rejects: {}", s.message());
  pending_snapshot_ = mirror_.snapshot();
  return Status::ok();
}

Status DurableStorage::sync() {
  if (Status s = check_writable(); !s.is_ok()) return s;
  Status s;
  if (pending_snapshot_) s = save_snapshot_file(env_, dir_, *pending_snapshot_);
  if (s.is_ok()) s = wal_->sync();
  if (s.is_ok() && pending_snapshot_) {
    const SnapshotMetadata saved = pending_snapshot_->metadata;
    pending_snapshot_.reset();
    s = remove_snapshot_files(saved);
    if (s.is_ok()) s = wal_->remove_obsolete_segments(saved.index);
  }
  if (!s.is_ok())
    failed_ = Status::io_error(fmt::format("storage failed earlier: {}", s.message()));
  return s;
}

}  // namespace faultline::raft::storage
