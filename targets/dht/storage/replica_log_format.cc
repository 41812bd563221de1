#include "targets/dht/storage/replica_log_format.h"

#include <fmt/format.h>

namespace faultline::dht {

void ReplicaLogCodec::encode(const Record& record, std::string* out) {
  kv::put_varint(out, record.version.counter);
  kv::put_varint(out, record.version.node);
  out->push_back(record.value ? 1 : 0);
  if (record.value) kv::put_bytes(out, *record.value);
}

Status ReplicaLogCodec::decode(kv::ByteReader& in, Record* record) {
  uint8_t present = 0;
  if (!in.read_varint(&record->version.counter) || !in.read_varint(&record->version.node) ||
      !in.read_u8(&present)) {
    return Status::malformed("truncated or bad varint");
  }
  if (present > 1) {
    return Status::malformed(fmt::format("present flag {}, expected 0 or 1", present));
  }
  if (present == 1) {
    std::string value;
    if (!in.read_bytes(&value)) return Status::malformed("truncated or bad varint");
    record->value = std::move(value);
  }
  return Status::ok();
}

}  // namespace faultline::dht
