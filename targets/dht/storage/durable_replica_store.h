// DurableReplicaStore: the ReplicaStore of faultline-dht, kept in one
// directory as an append-only replica log (format: replica_log_format.h),
// with group commit, crash recovery and compaction. README.md (targets/dht)
// describes the recovery rules.
//
// The group-commit contract, as for raftkv's WAL: put() and
// set_issued_counter() change the in-memory state (which get() serves) and
// buffer the change; NOTHING is durable before sync() returns OK, then all of
// it is. The server calls sync() after handling a batch of inputs and before
// sending any message or client reply that the batch produced, so a replica
// never acknowledges a store (and a coordinator never sends a version) that a
// crash could lose. After a failed sync() the store refuses every further
// sync(): what reached the disk is unknown until recovery decides.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "targets/common/env.h"
#include "targets/dht/core/replica_store.h"

namespace faultline::dht {

struct DurableReplicaStoreOptions {
  // sync() compacts the log once it exceeds this size and is more than twice
  // the size of the live records.
  uint64_t compact_bytes = 16 << 20;
};

class DurableReplicaStore final : public ReplicaStore {
 public:
  // Opens (creating when absent) the store in `dir`, which must exist, and
  // recovers what it holds. A torn tail is cut off (durably) and described in
  // recovery_note(); any other damage is an error naming the file and the
  // offset of the bad record, and nothing is modified.
  static Status open(common::Env* env, const std::string& dir,
                     const DurableReplicaStoreOptions& options,
                     std::unique_ptr<DurableReplicaStore>* out);

  Record get(std::string_view key) const override;
  void put(const std::string& key, const Record& record) override;
  uint64_t issued_counter() const override { return issued_counter_; }
  void set_issued_counter(uint64_t counter) override;

  // Group commit: one record, one fdatasync, for everything since the last.
  Status sync();
  bool has_unsynced() const { return !pending_.empty(); }

  // What recovery repaired ("" when the log was intact).
  const std::string& recovery_note() const { return recovery_note_; }
  size_t size() const { return records_.size(); }
  uint64_t log_bytes() const { return file_size_; }

 private:
  DurableReplicaStore(common::Env* env, std::string dir, const DurableReplicaStoreOptions& options)
      : env_(env), dir_(std::move(dir)), options_(options) {}
  Status recover();
  // Writes a fresh log holding only the live state (or, when `live` is
  // false, only the header) to the temp file and renames it into place.
  Status rewrite(bool live);
  std::string log_path() const;

  common::Env* env_;
  std::string dir_;
  DurableReplicaStoreOptions options_;
  std::map<std::string, Record, std::less<>> records_;
  uint64_t issued_counter_ = 0;
  uint64_t live_bytes_ = 0;  // the encoded size of records_ and issued_counter_
  std::unique_ptr<common::WritableFile> file_;
  uint64_t file_size_ = 0;
  std::string pending_;  // encoded items not yet written
  Status failed_;
  std::string recovery_note_;
};

}  // namespace faultline::dht
