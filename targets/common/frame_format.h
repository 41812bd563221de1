// The frames the servers' peers exchange over TCP (FrameTransport):
//
//   frame := version:u8=1  length:u32le  crc:u32le  payload[length]
//            crc is the masked CRC-32C (crc32c.h) of the payload
//
// A frame that fails a check (version, length limit, checksum) is a protocol
// error: the receiver closes the connection. What a payload holds is the
// server's own (raftkv: targets/raftkv/server/wire_format.h; dht:
// targets/dht/server/message_codec.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace faultline::common {

inline constexpr uint8_t kFrameVersion = 1;
inline constexpr size_t kFrameHeaderBytes = 9;
// Large enough for a snapshot of a test-sized store, small enough that a
// corrupted length cannot make the receiver buffer gigabytes.
inline constexpr uint32_t kMaxFramePayload = 64u << 20;

// Appends one frame carrying `payload` (at most kMaxFramePayload bytes) to *out.
void append_frame(std::string* out, std::string_view payload);

enum class FrameResult {
  kFrame,     // *payload holds the first frame; *consumed bytes of `input` were used
  kNeedMore,  // `input` holds only part of a frame (a truncated stream)
  kError,     // bad version, oversized length or checksum mismatch; *error says which
};

// Decodes the first frame at the start of `input`, a stream's unconsumed bytes.
FrameResult decode_frame(std::string_view input, std::string* payload, size_t* consumed,
                         std::string* error);

}  // namespace faultline::common
