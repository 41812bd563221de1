// A keyed record log: the durable KeyedStore of faultline-dht (the replica
// log) and faultline-paxos (the acceptor log), one append-only file in one
// directory, after LevelDB's log, with group commit, crash recovery and
// compaction.
//
// The file is a sequence of records in the checksummed framing of
// record_format.h; each record is one sync() (one group commit) and is
// applied at recovery all or nothing. Its payload is a sequence of items;
// numbers are unsigned LEB128 varints and strings a varint length then the
// bytes (targets/kvstate/byte_codec.h):
//
//   item := type u8 | fields (by type):
//     1 kHeader  format varint (= kKeyedLogFormat): the first item of the
//                first record, and nowhere else
//     2 kPut     key string | the value's fields (log_fields.h): the key's
//                value is now this one (the last one wins)
//     3 kIssued  counter varint: the issued counter is now at least this
//
// The group-commit contract: put() and set_issued_counter() change the
// in-memory state (which get() serves) and buffer the change; NOTHING is
// durable before sync() returns OK, then all of it is. The servers call
// sync() after handling a batch of inputs and before sending any message or
// reply the batch produced, so nothing is acknowledged that a crash could
// lose. After a failed sync() every further sync() fails: what reached the
// disk is unknown until recovery decides.
//
// Recovery: a torn tail (the file ends inside a record, or in zeros) is cut
// off durably and described in recovery_note(); any other damage (a
// checksum mismatch anywhere, an item that does not decode, no header) is an
// error naming the file and the offset of the bad record, and nothing is
// modified. Compaction: once the log passes compact_bytes and twice the live
// state, sync() writes the live state (header, puts, issued counter) to
// NAME.tmp, syncs it, renames it over the log and syncs the directory; a
// NAME.tmp found at startup is an unfinished compaction and is deleted.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/string_map.h"
#include "targets/common/env.h"
#include "targets/common/keyed_store.h"
#include "targets/common/log_fields.h"
#include "targets/kvstate/byte_codec.h"

namespace faultline::common {

inline constexpr uint64_t kKeyedLogFormat = 1;

struct KeyedLogOptions {
  // sync() compacts the log once it exceeds this size and is more than twice
  // the size of the live state.
  uint64_t compact_bytes = 16 << 20;
};

// The file side: items, records, recovery, rewrite. DurableKeyedStore keeps
// the values.
class KeyedLog {
 public:
  // Replays one put item: its key, and `in` at the value's fields.
  using ReadPut = std::function<Status(std::string key, kv::ByteReader& in)>;
  // Calls `emit` with every live key and its value's encoded fields.
  using ForEachLive =
      std::function<void(const std::function<void(std::string_view key, std::string_view value)>&)>;

  KeyedLog(Env* env, std::string dir, std::string name)
      : env_(env), dir_(std::move(dir)), name_(std::move(name)) {}

  // Opens (creating when absent) the log in the directory, which must exist,
  // replaying its puts through `read_put` and its issued counters into
  // `issued` (the highest).
  Status recover(const ReadPut& read_put, uint64_t* issued);
  void buffer_put(std::string_view key, std::string_view value);
  void buffer_issued(uint64_t counter);
  bool has_unsynced() const { return !pending_.empty(); }
  // Group commit; then compaction when the log passes the thresholds.
  Status sync(uint64_t compact_bytes, uint64_t live_bytes, const ForEachLive& live,
              uint64_t issued);
  // sync() in three steps, so that a server can wait for the disk on another
  // thread: write_pending() writes what is buffered as one record (*written:
  // whether there was any; if not, nothing is to be synced);
  // sync_written() makes it durable and is the only step that may run on
  // another thread, while this one may buffer more but calls nothing else;
  // finish_sync() takes its result (a failure fails every later sync) and
  // compacts. Nothing in the record is durable before sync_written() is OK.
  Status write_pending(bool* written);
  Status sync_written();
  Status finish_sync(Status synced, uint64_t compact_bytes, uint64_t live_bytes,
                     const ForEachLive& live, uint64_t issued);

  const std::string& recovery_note() const { return recovery_note_; }
  uint64_t bytes() const { return file_size_; }

 private:
  Status apply(std::string_view payload, bool first_record, const ReadPut& read_put,
               uint64_t* issued);
  // Writes a fresh log holding only the live state (or, when `live` is null,
  // only the header) to the temp file and renames it into place.
  Status rewrite(const ForEachLive* live, uint64_t issued);
  std::string path() const { return join_path(dir_, name_); }
  std::string temp_path() const { return join_path(dir_, name_ + ".tmp"); }

  Env* env_;
  std::string dir_;
  std::string name_;
  std::unique_ptr<WritableFile> file_;
  uint64_t file_size_ = 0;
  std::string pending_;  // encoded items not yet written
  Status failed_;
  std::string recovery_note_;
};

// A KeyedStore kept in a KeyedLog named `kLogName` in its directory, its
// values written as their log_fields() say (log_fields.h).
template <typename Value, const char* kLogName>
class DurableKeyedStore final : public KeyedStore<Value> {
 public:
  // Opens (creating when absent) the store in `dir`, which must exist, and
  // recovers what it holds (see the recovery rules above).
  static Status open(Env* env, const std::string& dir, const KeyedLogOptions& options,
                     std::unique_ptr<DurableKeyedStore>* out) {
    std::unique_ptr<DurableKeyedStore> store(new DurableKeyedStore(env, dir, options));
    auto read_put = [&store](std::string key, kv::ByteReader& in) {
      Value value;
      if (Status s = decode_fields(in, &value); !s.is_ok()) return s;
      store->set(key, std::move(value));
      return Status::ok();
    };
    if (Status s = store->log_.recover(read_put, &store->issued_counter_); !s.is_ok()) return s;
    *out = std::move(store);
    return Status::ok();
  }

  const Value* find(std::string_view key) const override {
    auto it = values_.find(key);
    return it == values_.end() ? nullptr : &it->second;
  }
  void put(std::string_view key, Value value) override {
    std::string fields;
    encode_fields(value, &fields);
    log_.buffer_put(key, fields);
    set(key, std::move(value));
  }
  uint64_t issued_counter() const override { return issued_counter_; }
  void set_issued_counter(uint64_t counter) override {
    issued_counter_ = counter;
    log_.buffer_issued(counter);
  }

  // Group commit: one record, one fdatasync, for everything since the last.
  Status sync() { return log_.sync(options_.compact_bytes, live_bytes_, live(), issued_counter_); }
  // sync() in steps (KeyedLog::write_pending above): sync_written() may run
  // on another thread while this one puts more, which waits for the next sync.
  Status write_pending(bool* written) { return log_.write_pending(written); }
  Status sync_written() { return log_.sync_written(); }
  Status finish_sync(Status synced) {
    return log_.finish_sync(std::move(synced), options_.compact_bytes, live_bytes_, live(),
                            issued_counter_);
  }
  bool has_unsynced() const { return log_.has_unsynced(); }

  // What recovery repaired ("" when the log was intact).
  const std::string& recovery_note() const { return log_.recovery_note(); }
  size_t size() const { return values_.size(); }
  uint64_t log_bytes() const { return log_.bytes(); }

 private:
  DurableKeyedStore(Env* env, const std::string& dir, const KeyedLogOptions& options)
      : options_(options), log_(env, dir, kLogName) {}

  KeyedLog::ForEachLive live() const {
    return [this](const std::function<void(std::string_view, std::string_view)>& emit) {
      for (const auto& [key, value] : values_) {
        std::string fields;
        encode_fields(value, &fields);
        emit(key, fields);
      }
    };
  }

  void set(std::string_view key, Value value) {
    auto it = values_.find(key);
    if (it == values_.end()) {
      it = values_.emplace(std::string(key), Value{}).first;
    } else {
      live_bytes_ -= key.size() + fields_size(it->second);
    }
    live_bytes_ += key.size() + fields_size(value);
    it->second = std::move(value);
  }

  KeyedLogOptions options_;
  KeyedLog log_;
  StringMap<Value> values_;
  uint64_t issued_counter_ = 0;
  uint64_t live_bytes_ = 16;  // about the encoded size of the live state: header, counter
};

}  // namespace faultline::common
