#include "targets/dht/server/message_codec.h"

#include <fmt/format.h>

#include "targets/kvstate/byte_codec.h"

namespace faultline::dht {

std::string encode_message(const Message& m) {
  std::string out;
  out.push_back(static_cast<char>(m.type));
  kv::put_varint(&out, m.from);
  kv::put_varint(&out, m.to);
  kv::put_varint(&out, m.op);
  kv::put_bytes(&out, m.key);
  kv::put_varint(&out, m.record.version.counter);
  kv::put_varint(&out, m.record.version.node);
  out.push_back(m.record.value ? 1 : 0);
  if (m.record.value) kv::put_bytes(&out, *m.record.value);
  return out;
}

Status decode_message(std::string_view payload, Message* m) {
  kv::ByteReader in(payload);
  auto bad = [&](std::string_view what) {
    return Status::malformed(fmt::format("dht message: {} at byte {}", what, in.offset()));
  };
  uint8_t type = 0;
  if (!in.read_u8(&type)) return bad("missing type");
  if (type > static_cast<uint8_t>(MessageType::kStoreAck)) {
    return bad(fmt::format("unknown message type {}", type));
  }
  m->type = static_cast<MessageType>(type);
  uint8_t present = 0;
  if (!in.read_varint(&m->from) || !in.read_varint(&m->to) || !in.read_varint(&m->op) ||
      !in.read_bytes(&m->key) || !in.read_varint(&m->record.version.counter) ||
      !in.read_varint(&m->record.version.node) || !in.read_u8(&present)) {
    return bad("truncated field or bad varint");
  }
  if (present > 1) return bad(fmt::format("present flag {}, expected 0 or 1", present));
  m->record.value.reset();
  if (present == 1) {
    std::string value;
    if (!in.read_bytes(&value)) return bad("truncated value");
    m->record.value = std::move(value);
  }
  if (in.remaining() != 0) return bad(fmt::format("{} trailing bytes", in.remaining()));
  return Status::ok();
}

}  // namespace faultline::dht
