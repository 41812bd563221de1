#include "targets/dht/storage/durable_replica_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "targets/common/record_format.h"
#include "targets/dht/storage/replica_log_format.h"

namespace faultline::dht {

using common::join_path;

namespace {

// Compaction writes the live state in records of about this payload size.
constexpr size_t kRewriteRecordBytes = 1 << 20;

// An estimate of a record's share of the log, for the compaction threshold.
uint64_t approx_size(std::string_view key, const Record& record) {
  return key.size() + (record.value ? record.value->size() : 0) + 24;
}

Status corrupt(const std::string& file, uint64_t offset, std::string_view problem) {
  return Status::malformed(
      fmt::format("{}: corrupt record at offset {}: {}", file, offset, problem));
}

}  // namespace

Status DurableReplicaStore::open(common::Env* env, const std::string& dir,
                                 const DurableReplicaStoreOptions& options,
                                 std::unique_ptr<DurableReplicaStore>* out) {
  std::unique_ptr<DurableReplicaStore> store(new DurableReplicaStore(env, dir, options));
  if (Status s = store->recover(); !s.is_ok()) return s;
  *out = std::move(store);
  return Status::ok();
}

std::string DurableReplicaStore::log_path() const { return join_path(dir_, kReplicaLogName); }

Status DurableReplicaStore::recover() {
  std::vector<std::string> names;
  if (Status s = env_->list_dir(dir_, &names); !s.is_ok()) return s;
  const bool has_log = std::count(names.begin(), names.end(), kReplicaLogName) > 0;
  const bool has_temp = std::count(names.begin(), names.end(), kReplicaLogTempName) > 0;
  if (!has_log) {
    // A temp file without a log: the very first rewrite(false) never finished.
    return rewrite(/*live=*/false);
  }
  const std::string path = log_path();
  std::string contents;
  if (Status s = env_->read_file(path, &contents); !s.is_ok()) return s;
  const common::ScanResult scan = common::scan_records(contents);
  if (scan.end == common::ScanEnd::kCorrupt) {
    return corrupt(path, scan.end_offset, scan.problem);
  }
  // Decode everything before changing anything: a refused start modifies nothing.
  std::vector<ReplicaLogItem> items;
  for (size_t r = 0; r < scan.records.size(); ++r) {
    const auto& record = scan.records[r];
    if (Status s = decode_replica_items(record.payload, &items); !s.is_ok()) {
      return corrupt(path, record.offset, s.message());
    }
    for (size_t i = 0; i < items.size(); ++i) {
      const bool first = r == 0 && i == 0;
      if (const auto* h = std::get_if<LogHeader>(&items[i])) {
        if (!first) return corrupt(path, record.offset, "a header item past the start of the log");
        if (h->format != kReplicaLogFormat) {
          return corrupt(
              path, record.offset,
              fmt::format("format {}, this server reads format {}", h->format, kReplicaLogFormat));
        }
      } else if (first) {
        return corrupt(path, record.offset, "the log does not start with a header item");
      } else if (auto* p = std::get_if<LogPut>(&items[i])) {
        auto [it, inserted] = records_.try_emplace(p->key);
        if (!inserted) live_bytes_ -= approx_size(it->first, it->second);
        live_bytes_ += approx_size(p->key, p->record);
        it->second = std::move(p->record);
      } else {
        issued_counter_ = std::max(issued_counter_, std::get<LogIssued>(items[i]).counter);
      }
    }
  }
  live_bytes_ += 16;  // the header and the issued counter
  if (has_temp) {
    // An unfinished compaction: the rename never happened, the log is current.
    if (Status s = env_->remove_file(join_path(dir_, kReplicaLogTempName)); !s.is_ok()) return s;
    if (Status s = env_->sync_dir(dir_); !s.is_ok()) return s;
  }
  if (scan.end == common::ScanEnd::kTornTail) {
    recovery_note_ = fmt::format("{}: cut off a torn tail at offset {} ({})", path, scan.end_offset,
                                 scan.problem);
  }
  if (scan.records.empty()) {
    // Not even the header survived (the log is created whole, by a rename,
    // so only a tool could have emptied it): start it afresh.
    if (recovery_note_.empty()) recovery_note_ = path + ": empty log; started afresh";
    return rewrite(/*live=*/false);
  }
  if (scan.end == common::ScanEnd::kTornTail) {
    if (Status s = env_->truncate_file(path, scan.end_offset); !s.is_ok()) return s;
  }
  file_size_ = scan.end_offset;
  return env_->reopen_for_append(path, &file_);
}

Status DurableReplicaStore::rewrite(bool live) {
  std::vector<std::string> payloads(1);
  encode_replica_item(LogHeader{}, &payloads.back());
  if (live) {
    for (const auto& [key, record] : records_) {
      if (payloads.back().size() >= kRewriteRecordBytes) payloads.emplace_back();
      encode_replica_item(LogPut{key, record}, &payloads.back());
    }
    encode_replica_item(LogIssued{issued_counter_}, &payloads.back());
  }
  const std::string temp = join_path(dir_, kReplicaLogTempName);
  std::unique_ptr<common::WritableFile> file;
  if (Status s = env_->new_writable_file(temp, &file); !s.is_ok()) return s;
  uint64_t size = 0;
  for (const std::string& payload : payloads) {
    const std::string bytes = common::encode_record(payload);
    if (Status s = file->append(bytes); !s.is_ok()) return s;
    size += bytes.size();
  }
  if (Status s = file->sync(); !s.is_ok()) return s;
  if (Status s = env_->rename_file(temp, log_path()); !s.is_ok()) return s;
  if (Status s = env_->sync_dir(dir_); !s.is_ok()) return s;
  file_size_ = size;
  return env_->reopen_for_append(log_path(), &file_);
}

Record DurableReplicaStore::get(std::string_view key) const {
  auto it = records_.find(key);
  return it == records_.end() ? Record{} : it->second;
}

void DurableReplicaStore::put(const std::string& key, const Record& record) {
  auto [it, inserted] = records_.try_emplace(key);
  if (!inserted) live_bytes_ -= approx_size(key, it->second);
  live_bytes_ += approx_size(key, record);
  it->second = record;
  encode_replica_item(LogPut{key, record}, &pending_);
}

void DurableReplicaStore::set_issued_counter(uint64_t counter) {
  issued_counter_ = counter;
  encode_replica_item(LogIssued{counter}, &pending_);
}

Status DurableReplicaStore::sync() {
  if (!failed_.is_ok()) return failed_;
  if (pending_.empty()) return Status::ok();
  const std::string bytes = common::encode_record(pending_);
  Status s = file_->append(bytes);
  if (s.is_ok()) s = file_->sync();
  if (s.is_ok()) {
    file_size_ += bytes.size();
    pending_.clear();
    if (file_size_ > options_.compact_bytes && file_size_ > 2 * live_bytes_) s = rewrite(true);
  }
  if (!s.is_ok()) failed_ = s;
  return s;
}

}  // namespace faultline::dht
