// The peer wire format of faultline-raftkv: how raft::Messages travel between
// servers over TCP.
//
//   frame   := targets/common/frame_format.h (version, length, CRC-32C)
//   payload := one encoded raft::Message (encode_message below)
//
// A frame that fails any check (frame_format.h, or a payload that does not
// decode to a valid Message) is a protocol error: the receiver closes the
// connection. Raft tolerates the loss of the messages involved.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "targets/raftkv/raft/messages.h"

namespace faultline::raftkv {

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
