#include "targets/paxos/storage/durable_acceptor_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "targets/common/record_format.h"
#include "targets/kvstate/byte_codec.h"

namespace faultline::paxos {

using common::join_path;

namespace {

enum ItemType : uint8_t { kHeader = 1, kState = 2, kIssued = 3 };

// Compaction writes the live state in records of about this payload size.
constexpr size_t kRewriteRecordBytes = 1 << 20;

uint64_t approx_size(std::string_view key, const AcceptorState& s) {
  return key.size() + s.value.size() + 40;
}

void encode_state(const std::string& key, const AcceptorState& s, std::string* out) {
  out->push_back(static_cast<char>(kState));
  kv::put_bytes(out, key);
  for (uint64_t n : {s.promised.counter, s.promised.node, s.accepted.counter, s.accepted.node}) {
    kv::put_varint(out, n);
  }
  kv::put_bytes(out, s.value);
}

void encode_number(ItemType type, uint64_t n, std::string* out) {
  out->push_back(static_cast<char>(type));
  kv::put_varint(out, n);
}

Status corrupt(const std::string& file, uint64_t offset, std::string_view problem) {
  return Status::malformed(
      fmt::format("{}: corrupt record at offset {}: {}", file, offset, problem));
}

}  // namespace

Status DurableAcceptorStore::open(common::Env* env, const std::string& dir, uint64_t compact_bytes,
                                  std::unique_ptr<DurableAcceptorStore>* out) {
  std::unique_ptr<DurableAcceptorStore> store(new DurableAcceptorStore(env, dir, compact_bytes));
  if (Status s = store->recover(); !s.is_ok()) return s;
  *out = std::move(store);
  return Status::ok();
}

std::string DurableAcceptorStore::log_path() const { return join_path(dir_, kAcceptorLogName); }

Status DurableAcceptorStore::apply(std::string_view payload, bool first_record) {
  kv::ByteReader in(payload);
  auto bad = [&](std::string_view what) {
    return Status::malformed(fmt::format("{} at payload byte {}", what, in.offset()));
  };
  for (bool first = first_record; in.remaining() > 0; first = false) {
    uint8_t type = 0;
    uint64_t n = 0;
    if (!in.read_u8(&type)) return bad("missing item type");
    if (first != (type == kHeader)) {
      return bad(first ? "the log does not start with a header item"
                       : "a header item past the start of the log");
    }
    if (type == kHeader || type == kIssued) {
      if (!in.read_varint(&n)) return bad("truncated number");
      if (type == kHeader && n != kAcceptorLogFormat) {
        return bad(fmt::format("format {}, this server reads format {}", n, kAcceptorLogFormat));
      }
      if (type == kIssued) issued_counter_ = std::max(issued_counter_, n);
    } else if (type == kState) {
      std::string key;
      AcceptorState s;
      if (!in.read_bytes(&key) || !in.read_varint(&s.promised.counter) ||
          !in.read_varint(&s.promised.node) || !in.read_varint(&s.accepted.counter) ||
          !in.read_varint(&s.accepted.node) || !in.read_bytes(&s.value)) {
        return bad("truncated state item");
      }
      set(key, std::move(s));
    } else {
      return bad(fmt::format("unknown item type {}", type));
    }
  }
  return Status::ok();
}

Status DurableAcceptorStore::recover() {
  std::vector<std::string> names;
  if (Status s = env_->list_dir(dir_, &names); !s.is_ok()) return s;
  if (std::count(names.begin(), names.end(), kAcceptorLogName) == 0) {
    return rewrite(/*live=*/false);  // a fresh store (a lone .tmp: the first rewrite died)
  }
  const std::string path = log_path();
  std::string contents;
  if (Status s = env_->read_file(path, &contents); !s.is_ok()) return s;
  const common::ScanResult scan = common::scan_records(contents);
  if (scan.end == common::ScanEnd::kCorrupt) return corrupt(path, scan.end_offset, scan.problem);
  for (size_t r = 0; r < scan.records.size(); ++r) {
    if (Status s = apply(scan.records[r].payload, r == 0); !s.is_ok()) {
      return corrupt(path, scan.records[r].offset, s.message());
    }
  }
  if (std::count(names.begin(), names.end(), kAcceptorLogTempName) > 0) {
    // An unfinished compaction: the rename never happened, the log is current.
    if (Status s = env_->remove_file(join_path(dir_, kAcceptorLogTempName)); !s.is_ok()) return s;
    if (Status s = env_->sync_dir(dir_); !s.is_ok()) return s;
  }
  if (scan.end == common::ScanEnd::kTornTail) {
    recovery_note_ = fmt::format("{}: cut off a torn tail at offset {} ({})", path, scan.end_offset,
                                 scan.problem);
  }
  if (scan.records.empty()) {
    if (recovery_note_.empty()) recovery_note_ = path + ": empty log; started afresh";
    return rewrite(/*live=*/false);
  }
  if (scan.end == common::ScanEnd::kTornTail) {
    if (Status s = env_->truncate_file(path, scan.end_offset); !s.is_ok()) return s;
  }
  file_size_ = scan.end_offset;
  return env_->reopen_for_append(path, &file_);
}

Status DurableAcceptorStore::rewrite(bool live) {
  std::vector<std::string> payloads(1);
  encode_number(kHeader, kAcceptorLogFormat, &payloads.back());
  if (live) {
    for (const auto& [key, state] : states_) {
      if (payloads.back().size() >= kRewriteRecordBytes) payloads.emplace_back();
      encode_state(key, state, &payloads.back());
    }
    encode_number(kIssued, issued_counter_, &payloads.back());
  }
  const std::string temp = join_path(dir_, kAcceptorLogTempName);
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

AcceptorState DurableAcceptorStore::get(std::string_view key) const {
  auto it = states_.find(key);
  return it == states_.end() ? AcceptorState{} : it->second;
}

void DurableAcceptorStore::set(const std::string& key, AcceptorState state) {
  auto [it, inserted] = states_.try_emplace(key);
  if (!inserted) live_bytes_ -= approx_size(key, it->second);
  live_bytes_ += approx_size(key, state);
  it->second = std::move(state);
}

void DurableAcceptorStore::put(const std::string& key, const AcceptorState& state) {
  set(key, state);
  encode_state(key, state, &pending_);
}

void DurableAcceptorStore::set_issued_counter(uint64_t counter) {
  issued_counter_ = counter;
  encode_number(kIssued, counter, &pending_);
}

Status DurableAcceptorStore::sync() {
  if (!failed_.is_ok()) return failed_;
  if (pending_.empty()) return Status::ok();
  const std::string bytes = common::encode_record(pending_);
  Status s = file_->append(bytes);
  if (s.is_ok()) s = file_->sync();
  if (s.is_ok()) {
    file_size_ += bytes.size();
    pending_.clear();
    if (file_size_ > compact_bytes_ && file_size_ > 2 * live_bytes_) s = rewrite(true);
  }
  if (!s.is_ok()) failed_ = s;
  return s;
}

}  // namespace faultline::paxos
