// Wal: the write-ahead log of a Raft node's durable state — log entries, hard
// state and snapshot markers — in segment files (format: wal_format.h), with
// group commit and crash recovery. README.md describes the recovery rules.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "targets/common/env.h"
#include "targets/raftkv/raft/messages.h"

namespace faultline::raft::storage {

struct WalOptions {
  // A record is written to a new segment once the current one holds at least
  // this many bytes. Old segments can only be deleted whole.
  uint64_t segment_bytes = 4 << 20;
  // Each new segment is created holding segment_bytes zeros, durably
  // (Env::new_preallocated_file), and records overwrite them in place, so
  // that a sync changes neither the file's size nor its allocation: on ext4,
  // fdatasync then writes no inode and commits no journal transaction
  // (README.md, "Preallocated segments"). Recovery takes the zeros after the
  // last record as the end.
  bool preallocate = false;
};

// What the log holds after recovery: the state after its last complete record.
struct WalState {
  HardState hard_state;
  SnapshotMetadata snapshot;   // the latest snapshot recorded; index 0: none
  std::vector<Entry> entries;  // the log after it: indexes snapshot.index + 1, ...
  std::string torn_tail;       // what recovery discarded at the end, if anything
};

class Wal {
 public:
  // Replays every segment in `dir` (which must exist) into `*state`. A torn
  // tail at the end of the last segment is cut off (durably) and described
  // in state->torn_tail; any other damage is an error naming the file and
  // the offset of the bad record, and nothing is modified.
  static Status open(common::Env* env, const std::string& dir, const WalOptions& options,
                     std::unique_ptr<Wal>* wal, WalState* state);

  // Buffer changes for the next sync(), in memory; the rules are
  // MemoryStorage's. append(): contiguous entries; those the snapshot covers
  // are skipped, the first other one must be at most last index + 1, and the
  // entries from its index on are replaced.
  // install_snapshot(): the log is replaced by a snapshot at an index at least
  // the current snapshot's (and not 0, which means "no snapshot"). compact(): a snapshot at an
  // index in the log (past the current snapshot) now covers the entries up to it.
  Status append(const std::vector<Entry>& entries);
  void set_hard_state(const HardState& state);
  Status install_snapshot(const SnapshotMetadata& snapshot);
  Status compact(const SnapshotMetadata& snapshot);

  // Group commit: writes everything buffered since the previous sync() as one
  // record and makes it durable with a single fdatasync (plus a directory
  // sync when a new segment was started). NOTHING buffered is durable before
  // sync() returns OK; after that, all of it is, and recovery applies a
  // record all or nothing. Call it once per Ready, before sending messages.
  // After a failed sync() the Wal refuses all further writes: what reached
  // the disk is unknown until recovery decides.
  Status sync();

  // Deletes the oldest segments whose entries are all covered by a snapshot
  // at `snapshot_index` (its marker must be durable: call after sync()), and
  // syncs the directory. The segment being written is never deleted.
  Status remove_obsolete_segments(uint64_t snapshot_index);

  // The segment files, oldest first (for tests and diagnostics).
  std::vector<std::string> segment_names() const;

  // Where the log ends (as written, or with the buffered changes): what a
  // segment header records and what each change is checked against.
  struct Position {
    uint64_t next_index = 1;  // last index + 1
    SnapshotMetadata snapshot{};
    HardState hard_state{};
  };

 private:
  struct Segment {
    uint64_t seq;
    uint64_t next_index;  // from its header
  };

  Wal(common::Env* env, std::string dir, const WalOptions& options)
      : env_(env), dir_(std::move(dir)), options_(options) {}
  Status replay(WalState* state);
  // The sequence numbers of the segments in dir_, in order; fails on a gap.
  Status list_segments(std::vector<uint64_t>* seqs) const;
  Status write(const std::string& bytes, bool new_segment);
  std::string path(uint64_t seq) const;

  common::Env* env_;
  std::string dir_;
  WalOptions options_;
  std::vector<Segment> segments_;
  std::unique_ptr<common::WritableFile> file_;  // the last segment; null before the first sync
  // Where its records end (a preallocated segment has zeros after them).
  uint64_t file_size_ = 0;
  Position written_;   // as of the last record written
  Position buffered_;  // written_ plus pending_
  std::string pending_;
  Status failed_;  // the error of a failed sync(), if any
};

// The name of segment `seq`: "wal-0000000000000012.log".
std::string wal_segment_name(uint64_t seq);

}  // namespace faultline::raft::storage
