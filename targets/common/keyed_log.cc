#include "targets/common/keyed_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "targets/common/record_format.h"

namespace faultline::common {

namespace {

enum ItemType : uint8_t { kHeader = 1, kPut = 2, kIssued = 3 };

// Compaction writes the live state in records of about this payload size.
constexpr size_t kRewriteRecordBytes = 1 << 20;

void encode_number(ItemType type, uint64_t n, std::string* out) {
  out->push_back(static_cast<char>(type));
  kv::put_varint(out, n);
}

void encode_put(std::string_view key, std::string_view value, std::string* out) {
  out->push_back(static_cast<char>(kPut));
  kv::put_bytes(out, key);
  out->append(value);
}

Status corrupt(const std::string& file, uint64_t offset, std::string_view problem) {
  return Status::malformed(
      fmt::format("{}: corrupt record at offset {}: {}", file, offset, problem));
}

}  // namespace

Status KeyedLog::apply(std::string_view payload, bool first_record, const ReadPut& read_put,
                       uint64_t* issued) {
  if (payload.empty()) return Status::malformed("empty record");
  kv::ByteReader in(payload);
  for (bool first = first_record; in.remaining() > 0; first = false) {
    const size_t start = in.offset();
    auto bad = [&](std::string_view what) {
      return Status::malformed(fmt::format("item at payload offset {}: {}", start, what));
    };
    uint8_t type = 0;
    uint64_t n = 0;
    in.read_u8(&type);
    if (type != kHeader && type != kPut && type != kIssued) {
      return bad(fmt::format("unknown item type {}", type));
    }
    if (first != (type == kHeader)) {
      return Status::malformed(first ? "the log does not start with a header item"
                                     : "a header item past the start of the log");
    }
    if (type == kPut) {
      std::string key;
      if (!in.read_bytes(&key)) return bad("truncated or bad varint");
      if (Status s = read_put(std::move(key), in); !s.is_ok()) return bad(s.message());
      continue;
    }
    if (!in.read_varint(&n)) return bad("truncated or bad varint");
    if (type == kHeader && n != kKeyedLogFormat) {
      return Status::malformed(
          fmt::format("format {}, this server reads format {}", n, kKeyedLogFormat));
    }
    if (type == kIssued) *issued = std::max(*issued, n);
  }
  return Status::ok();
}

Status KeyedLog::recover(const ReadPut& read_put, uint64_t* issued) {
  std::vector<std::string> names;
  if (Status s = env_->list_dir(dir_, &names); !s.is_ok()) return s;
  if (std::count(names.begin(), names.end(), name_) == 0) {
    return rewrite(nullptr, 0);  // a fresh store (a lone .tmp: the first rewrite died)
  }
  const std::string file = path();
  std::string contents;
  if (Status s = env_->read_file(file, &contents); !s.is_ok()) return s;
  const ScanResult scan = scan_records(contents);
  if (scan.end == ScanEnd::kCorrupt) return corrupt(file, scan.end_offset, scan.problem);
  for (size_t r = 0; r < scan.records.size(); ++r) {
    if (Status s = apply(scan.records[r].payload, r == 0, read_put, issued); !s.is_ok()) {
      return corrupt(file, scan.records[r].offset, s.message());
    }
  }
  if (std::count(names.begin(), names.end(), name_ + ".tmp") > 0) {
    // An unfinished compaction: the rename never happened, the log is current.
    if (Status s = env_->remove_file(temp_path()); !s.is_ok()) return s;
    if (Status s = env_->sync_dir(dir_); !s.is_ok()) return s;
  }
  if (scan.end == ScanEnd::kTornTail) {
    recovery_note_ = fmt::format("{}: cut off a torn tail at offset {} ({})", file, scan.end_offset,
                                 scan.problem);
  }
  if (scan.records.empty()) {
    // Not even the header survived (the log is created whole, by a rename,
    // so only a tool could have emptied it): start it afresh.
    if (recovery_note_.empty()) recovery_note_ = file + ": empty log; started afresh";
    return rewrite(nullptr, 0);
  }
  if (scan.end == ScanEnd::kTornTail) {
    if (Status s = env_->truncate_file(file, scan.end_offset); !s.is_ok()) return s;
  }
  file_size_ = scan.end_offset;
  return env_->reopen_for_append(file, &file_);
}

void KeyedLog::buffer_put(std::string_view key, std::string_view value) {
  encode_put(key, value, &pending_);
}

void KeyedLog::buffer_issued(uint64_t counter) { encode_number(kIssued, counter, &pending_); }

Status KeyedLog::rewrite(const ForEachLive* live, uint64_t issued) {
  std::vector<std::string> payloads(1);
  encode_number(kHeader, kKeyedLogFormat, &payloads.back());
  if (live != nullptr) {
    (*live)([&payloads](std::string_view key, std::string_view value) {
      if (payloads.back().size() >= kRewriteRecordBytes) payloads.emplace_back();
      encode_put(key, value, &payloads.back());
    });
    encode_number(kIssued, issued, &payloads.back());
  }
  std::unique_ptr<WritableFile> file;
  if (Status s = env_->new_writable_file(temp_path(), &file); !s.is_ok()) return s;
  uint64_t size = 0;
  for (const std::string& payload : payloads) {
    const std::string bytes = encode_record(payload);
    if (Status s = file->append(bytes); !s.is_ok()) return s;
    size += bytes.size();
  }
  if (Status s = file->sync(); !s.is_ok()) return s;
  if (Status s = env_->rename_file(temp_path(), path()); !s.is_ok()) return s;
  if (Status s = env_->sync_dir(dir_); !s.is_ok()) return s;
  file_size_ = size;
  return env_->reopen_for_append(path(), &file_);
}

Status KeyedLog::sync(uint64_t compact_bytes, uint64_t live_bytes, const ForEachLive& live,
                      uint64_t issued) {
  bool written = false;
  Status s = write_pending(&written);
  if (!s.is_ok() || !written) return s;
  return finish_sync(sync_written(), compact_bytes, live_bytes, live, issued);
}

Status KeyedLog::write_pending(bool* written) {
  *written = false;
  if (!failed_.is_ok()) return failed_;
  if (pending_.empty()) return Status::ok();
  const std::string bytes = encode_record(pending_);
  if (Status s = file_->append(bytes); !s.is_ok()) {
    failed_ = s;
    return s;
  }
  file_size_ += bytes.size();
  pending_.clear();
  *written = true;
  return Status::ok();
}

Status KeyedLog::sync_written() { return file_->sync(); }

Status KeyedLog::finish_sync(Status synced, uint64_t compact_bytes, uint64_t live_bytes,
                             const ForEachLive& live, uint64_t issued) {
  Status s = std::move(synced);
  if (s.is_ok() && file_size_ > compact_bytes && file_size_ > 2 * live_bytes) {
    s = rewrite(&live, issued);
  }
  if (!s.is_ok()) failed_ = s;
  return s;
}

}  // namespace faultline::common
