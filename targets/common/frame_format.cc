#include "targets/common/frame_format.h"

#include <fmt/format.h>

#include "targets/common/crc32c.h"

namespace faultline::common {
namespace {

void put_u32le(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t get_u32le(std::string_view in, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(in[at + i])} << (8 * i);
  return v;
}

}  // namespace

void append_frame(std::string* out, std::string_view payload) {
  out->push_back(static_cast<char>(kFrameVersion));
  put_u32le(out, static_cast<uint32_t>(payload.size()));
  put_u32le(out, mask_crc(crc32c(payload)));
  out->append(payload);
}

FrameResult decode_frame(std::string_view input, std::string* payload, size_t* consumed,
                         std::string* error) {
  if (input.empty()) return FrameResult::kNeedMore;
  const uint8_t version = static_cast<uint8_t>(input[0]);
  if (version != kFrameVersion) {
    *error = fmt::format("unsupported frame version {} (expected {})", version, kFrameVersion);
    return FrameResult::kError;
  }
  if (input.size() < kFrameHeaderBytes) return FrameResult::kNeedMore;
  const uint32_t length = get_u32le(input, 1);
  if (length > kMaxFramePayload) {
    *error = fmt::format("frame length {} exceeds the limit {}", length, kMaxFramePayload);
    return FrameResult::kError;
  }
  if (input.size() - kFrameHeaderBytes < length) return FrameResult::kNeedMore;
  const std::string_view body = input.substr(kFrameHeaderBytes, length);
  const uint32_t crc = unmask_crc(get_u32le(input, 5));
  if (crc != crc32c(body)) {
    *error = fmt::format("frame checksum mismatch (length {})", length);
    return FrameResult::kError;
  }
  payload->assign(body);
  *consumed = kFrameHeaderBytes + length;
  return FrameResult::kFrame;
}

}  // namespace faultline::common
