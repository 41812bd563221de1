#include "targets/raftkv/storage/snapshot_file.h"

#include <fmt/format.h>

#include <charconv>

#include "targets/common/crc32c.h"

namespace faultline::raft::storage {
namespace {

constexpr std::string_view kMagic = "FLTSNAP1";
constexpr size_t kHeaderSize = 32;  // magic, index, term, data_size
constexpr size_t kCrcSize = 4;
constexpr std::string_view kPrefix = "snapshot-";
constexpr std::string_view kSuffix = ".snap";
constexpr size_t kDigits = 16;

void put_le(std::string* out, uint64_t v, int width) {
  for (int i = 0; i < width; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t get_le(std::string_view bytes, size_t offset, int width) {
  uint64_t v = 0;
  for (int i = 0; i < width; ++i) {
    v |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[offset + i])) << (8 * i);
  }
  return v;
}

bool parse_digits(std::string_view digits, uint64_t* value) {
  if (digits.size() != kDigits) return false;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *value);
  return ec == std::errc() && end == digits.data() + digits.size();
}

}  // namespace

std::string snapshot_file_name(const SnapshotMetadata& m) {
  return fmt::format("{}{:0{}}-{:0{}}{}", kPrefix, m.term, kDigits, m.index, kDigits, kSuffix);
}

std::optional<SnapshotMetadata> parse_snapshot_file_name(std::string_view name) {
  if (name.size() != kPrefix.size() + 2 * kDigits + 1 + kSuffix.size() ||
      !name.starts_with(kPrefix) || !name.ends_with(kSuffix) ||
      name[kPrefix.size() + kDigits] != '-') {
    return std::nullopt;
  }
  SnapshotMetadata m;
  if (!parse_digits(name.substr(kPrefix.size(), kDigits), &m.term) ||
      !parse_digits(name.substr(kPrefix.size() + kDigits + 1, kDigits), &m.index)) {
    return std::nullopt;
  }
  return m;
}

std::string encode_snapshot_file(const Snapshot& snapshot) {
  std::string out(kMagic);
  put_le(&out, snapshot.metadata.index, 8);
  put_le(&out, snapshot.metadata.term, 8);
  put_le(&out, snapshot.data.size(), 8);
  out += snapshot.data;
  put_le(&out, common::mask_crc(common::crc32c(out)), 4);
  return out;
}

Status decode_snapshot_file(const std::string& path, std::string_view bytes, Snapshot* snapshot) {
  auto corrupt = [&](size_t offset, std::string_view problem) {
    return Status::malformed(
        fmt::format("{}: corrupt snapshot at offset {}: {}", path, offset, problem));
  };
  if (bytes.size() < kHeaderSize + kCrcSize) {
    return corrupt(bytes.size(), fmt::format("the file ends after {} bytes, before the header "
                                             "and checksum ({} bytes)",
                                             bytes.size(), kHeaderSize + kCrcSize));
  }
  if (bytes.substr(0, kMagic.size()) != kMagic) return corrupt(0, "bad magic");
  const uint64_t data_size = get_le(bytes, 24, 8);
  if (data_size != bytes.size() - kHeaderSize - kCrcSize) {
    return corrupt(24, fmt::format("the header says {} data bytes, the file holds {}", data_size,
                                   bytes.size() - kHeaderSize - kCrcSize));
  }
  const size_t crc_offset = bytes.size() - kCrcSize;
  if (common::unmask_crc(static_cast<uint32_t>(get_le(bytes, crc_offset, 4))) !=
      common::crc32c(bytes.substr(0, crc_offset))) {
    return corrupt(crc_offset, fmt::format("checksum mismatch over bytes [0, {})", crc_offset));
  }
  const SnapshotMetadata metadata{get_le(bytes, 8, 8), get_le(bytes, 16, 8)};
  const std::string name = path.substr(path.find_last_of('/') + 1);
  const std::optional<SnapshotMetadata> named = parse_snapshot_file_name(name);
  if (!named || *named != metadata) {
    return corrupt(8, fmt::format("the file holds the snapshot at index {} term {}, which is not "
                                  "what its name says",
                                  metadata.index, metadata.term));
  }
  snapshot->metadata = metadata;
  snapshot->data = std::string(bytes.substr(kHeaderSize, data_size));
  return Status::ok();
}

Status save_snapshot_file(common::Env* env, const std::string& dir, const Snapshot& snapshot) {
  const std::string path = common::join_path(dir, snapshot_file_name(snapshot.metadata));
  const std::string temp = path + std::string(kTempSuffix);
  std::unique_ptr<common::WritableFile> file;
  if (Status s = env->new_writable_file(temp, &file); !s.is_ok()) return s;
  if (Status s = file->append(encode_snapshot_file(snapshot)); !s.is_ok()) return s;
  if (Status s = file->sync(); !s.is_ok()) return s;
  file.reset();
  if (Status s = env->rename_file(temp, path); !s.is_ok()) return s;
  return env->sync_dir(dir);
}

Status load_snapshot_file(common::Env* env, const std::string& path, Snapshot* snapshot) {
  std::string bytes;
  if (Status s = env->read_file(path, &bytes); !s.is_ok()) return s;
  return decode_snapshot_file(path, bytes, snapshot);
}

}  // namespace faultline::raft::storage
