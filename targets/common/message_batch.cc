#include "targets/common/message_batch.h"

#include "targets/kvstate/byte_codec.h"

namespace faultline::common {

void append_to_batch(std::string* batch, std::string_view message) {
  if (batch->empty()) batch->push_back(static_cast<char>(kBatchTag));
  kv::put_bytes(batch, message);
}

Status split_batch(std::string_view payload, std::vector<std::string_view>* messages) {
  messages->clear();
  if (payload.empty()) return Status::malformed("message batch: empty payload");
  const uint8_t tag = static_cast<uint8_t>(payload[0]);
  if (tag != kBatchTag) {
    return Status::malformed(fmt::format(
        "not a message batch: first byte {:#04x}, expected {:#04x} (a peer running a build "
        "that sends one bare message per frame?)",
        tag, kBatchTag));
  }
  size_t pos = 1;
  if (pos == payload.size()) return Status::malformed("message batch: no message after the tag");
  while (pos < payload.size()) {
    kv::ByteReader length_reader(payload.substr(pos));
    uint64_t length = 0;
    if (!length_reader.read_varint(&length)) {
      return Status::malformed(fmt::format("message batch: bad length varint at byte {}", pos));
    }
    const size_t start = pos + length_reader.offset();
    if (length == 0) {
      return Status::malformed(fmt::format("message batch: empty message at byte {}", pos));
    }
    if (length > payload.size() - start) {
      return Status::malformed(
          fmt::format("message batch: message at byte {} is {} bytes, only {} follow (truncated)",
                      pos, length, payload.size() - start));
    }
    messages->push_back(payload.substr(start, length));
    pos = start + length;
  }
  return Status::ok();
}

}  // namespace faultline::common
