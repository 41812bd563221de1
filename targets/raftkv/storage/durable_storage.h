// DurableStorage: the raft::Storage of a raftkv server, kept in a directory: a
// write-ahead log (wal.h) plus the latest snapshot file (snapshot_file.h).
// README.md in this directory gives the formats and the recovery rules.
//
// Reads are served from memory (a MemoryStorage mirror, loaded at open()).
// The setters — called by persist_ready() and by Raft::compact() — check the
// change, apply it to the mirror and buffer it; sync() makes everything
// buffered durable at once (group commit). The driver's loop is therefore:
//
//   Ready rd = node->ready();
//   send rd.early_messages;
//   persist_ready(rd, storage);           // buffers; nothing is durable yet
//   if (rd.must_sync) storage.sync();     // one fdatasync for the whole Ready
//   send rd.messages; apply; node->advance(rd);
//
// and, after Raft::compact(), a sync() before the snapshot is relied on.
// Between a setter and sync() the mirror is ahead of the disk; that is safe
// because nothing that depends on the buffered change is sent or acknowledged
// until sync() returned (a Ready that need not sync only moves the commit
// index, which a crash may roll back: raft/raft.h, Ready). If sync()
// fails, the storage refuses all further writes: the process should exit and
// recover from the directory. Not thread-safe: one driver thread owns it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "targets/common/env.h"
#include "targets/raftkv/raft/memory_storage.h"
#include "targets/raftkv/storage/wal.h"

namespace faultline::raft::storage {

struct DurableStorageOptions {
  WalOptions wal;
};

class DurableStorage : public Storage {
 public:
  // Recovers the state in `dir` (created if missing; an empty directory is a
  // new node). Refuses, with a message naming the file and offset, to start
  // from a damaged log or snapshot; a torn tail is repaired (recovery_note()
  // says what was discarded).
  static Status open(common::Env* env, const std::string& dir, const DurableStorageOptions& options,
                     std::unique_ptr<DurableStorage>* out);

  HardState hard_state() const override { return mirror_.hard_state(); }
  Snapshot snapshot() const override { return mirror_.snapshot(); }
  SnapshotMetadata snapshot_metadata() const override { return mirror_.snapshot_metadata(); }
  uint64_t first_index() const override { return mirror_.first_index(); }
  uint64_t last_index() const override { return mirror_.last_index(); }
  std::optional<uint64_t> term(uint64_t index) const override { return mirror_.term(index); }
  std::vector<Entry> entries(uint64_t lo, uint64_t hi, uint64_t max_bytes) const override {
    return mirror_.entries(lo, hi, max_bytes);
  }

  Status append(const std::vector<Entry>& entries) override;
  Status set_hard_state(const HardState& state) override;
  Status apply_snapshot(const Snapshot& snapshot) override;
  Status compact(uint64_t index, std::string data) override;

  // Group commit: makes every change since the previous sync() durable. A new
  // snapshot is written first (temp file, fsync, rename, directory fsync),
  // then the WAL record that refers to it (one fdatasync); the record is the
  // commit point. Then the files the snapshot made obsolete are deleted.
  Status sync();

  // Non-empty when open() discarded a torn tail: what and where.
  const std::string& recovery_note() const { return recovery_note_; }
  // The WAL's segment files, oldest first.
  std::vector<std::string> segment_names() const { return wal_->segment_names(); }

 private:
  DurableStorage(common::Env* env, std::string dir) : env_(env), dir_(std::move(dir)) {}
  Status recover_snapshot(const SnapshotMetadata& recorded, Snapshot* snapshot);
  Status remove_snapshot_files(const SnapshotMetadata& keep);
  Status check_writable() const { return failed_; }

  common::Env* env_;
  std::string dir_;
  std::unique_ptr<Wal> wal_;
  MemoryStorage mirror_;
  std::optional<Snapshot> pending_snapshot_;  // the newest snapshot not yet on disk
  std::string recovery_note_;
  Status failed_;
};

}  // namespace faultline::raft::storage
