// The peer wire format of faultline-raftkv: how raft::Messages travel between
// servers over TCP.
//
//   frame   := version:u8=1  length:u32le  crc:u32le  payload[length]
//              crc is the masked CRC-32C (storage/crc32c.h) of the payload
//   payload := one encoded raft::Message (encode_message below)
//
// A frame that fails any check (version, length limit, checksum, a payload
// that does not decode to a valid Message) is a protocol error: the receiver
// closes the connection. Raft tolerates the loss of the messages involved.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "harness/history/status.h"
#include "targets/raftkv/raft/messages.h"

namespace faultline::raftkv {

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

// The compact binary form of a Message: varints (targets/kvstate/byte_codec.h)
// for every number, length-prefixed strings for entry data and snapshots:
//   type:u8 from to term index log_term commit reject:u8 conflict_term
//   conflict_index context  entry_count (index term type:u8 data)*
//   snapshot_index snapshot_term snapshot_data
std::string encode_message(const raft::Message& message);

// Decodes and checks a payload: known message and entry types, a 0/1 reject
// flag, lengths within the input, no trailing bytes. kMalformed names the
// problem and its byte offset.
Status decode_message(std::string_view payload, raft::Message* message);

}  // namespace faultline::raftkv
