#include "targets/common/record_format.h"

#include <fmt/format.h>

#include <algorithm>

#include "targets/common/crc32c.h"

namespace faultline::common {
namespace {

void put_u32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t get_le(std::string_view bytes, size_t offset, int width) {
  uint64_t v = 0;
  for (int i = 0; i < width; ++i) {
    v |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[offset + i])) << (8 * i);
  }
  return v;
}

}  // namespace

std::string encode_record(std::string_view payload) {
  std::string out;
  out.reserve(kRecordHeaderSize + payload.size());
  std::string fields;
  put_u32(&fields, static_cast<uint32_t>(payload.size()));
  put_u32(&fields, mask_crc(crc32c(payload)));
  put_u32(&out, mask_crc(crc32c(fields)));
  out += fields;
  out += payload;
  return out;
}

std::optional<uint64_t> intact_record_size(std::string_view bytes) {
  if (bytes.size() < kRecordHeaderSize ||
      unmask_crc(static_cast<uint32_t>(get_le(bytes, 0, 4))) != crc32c(bytes.substr(4, 8))) {
    return std::nullopt;
  }
  return kRecordHeaderSize + get_le(bytes, 4, 4);
}

ScanResult scan_records(std::string_view file) {
  ScanResult result;
  size_t pos = 0;
  auto stop = [&](ScanEnd end, std::string problem) {
    result.end = end;
    result.end_offset = pos;
    result.problem = std::move(problem);
    return result;
  };
  while (pos < file.size()) {
    const std::string_view rest = file.substr(pos);
    if (std::all_of(rest.begin(), rest.end(), [](char c) { return c == 0; })) {
      return stop(ScanEnd::kTornTail, fmt::format("{} zero bytes at the end", rest.size()));
    }
    if (rest.size() < kRecordHeaderSize) {
      return stop(ScanEnd::kTornTail, fmt::format("incomplete header ({} of {} bytes)", rest.size(),
                                                  kRecordHeaderSize));
    }
    const uint32_t header_crc = static_cast<uint32_t>(get_le(rest, 0, 4));
    if (unmask_crc(header_crc) != crc32c(rest.substr(4, 8))) {
      return stop(ScanEnd::kCorrupt, "header checksum mismatch");
    }
    const uint64_t length = get_le(rest, 4, 4);
    if (rest.size() - kRecordHeaderSize < length) {
      return stop(ScanEnd::kTornTail, fmt::format("incomplete record ({} of {} payload bytes)",
                                                  rest.size() - kRecordHeaderSize, length));
    }
    const std::string_view payload = rest.substr(kRecordHeaderSize, length);
    if (unmask_crc(static_cast<uint32_t>(get_le(rest, 8, 4))) != crc32c(payload)) {
      return stop(ScanEnd::kCorrupt, "payload checksum mismatch");
    }
    result.records.push_back({pos, payload});
    pos += kRecordHeaderSize + length;
  }
  return stop(ScanEnd::kClean, "");
}

}  // namespace faultline::common
