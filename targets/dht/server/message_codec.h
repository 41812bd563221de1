// How dht::Messages travel between faultline-dht servers: a Ready's messages
// to one peer are one batch (targets/common/message_batch.h), the payload of
// one frame of the shared FrameTransport (targets/common/frame_transport.h:
// version, length, CRC-32C); each message of the batch is
//
//   message := type u8 | from | to | op | key | counter | node | present u8 | [value]
//
// numbers are varints and key/value length-prefixed strings
// (targets/kvstate/byte_codec.h); `value` is there only when present = 1.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "targets/dht/core/messages.h"

namespace faultline::dht {

std::string encode_message(const Message& message);
// Checks the type, the present flag, lengths within the input and no
// trailing bytes; kMalformed names the problem and its byte offset.
Status decode_message(std::string_view payload, Message* message);

}  // namespace faultline::dht
