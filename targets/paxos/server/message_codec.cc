#include "targets/paxos/server/message_codec.h"

#include <fmt/format.h>

#include "targets/kvstate/byte_codec.h"

namespace faultline::paxos {

std::string encode_message(const Message& m) {
  std::string out;
  // The type, the ok flag and eight varints of at most 10 bytes, two lengths.
  out.reserve(2 + 8 * 10 + 2 * 10 + m.key.size() + m.value.size());
  out.push_back(static_cast<char>(m.type));
  for (uint64_t n : {m.from, m.to, m.op}) kv::put_varint(&out, n);
  kv::put_bytes(&out, m.key);
  kv::put_varint(&out, m.ballot.counter);
  kv::put_varint(&out, m.ballot.node);
  out.push_back(m.ok ? 1 : 0);
  kv::put_varint(&out, m.accepted.counter);
  kv::put_varint(&out, m.accepted.node);
  kv::put_varint(&out, m.promised.counter);
  kv::put_varint(&out, m.promised.node);
  kv::put_bytes(&out, m.value);
  return out;
}

Status decode_message(std::string_view payload, Message* m) {
  kv::ByteReader in(payload);
  auto bad = [&](std::string_view what) {
    return Status::malformed(fmt::format("paxos message: {} at byte {}", what, in.offset()));
  };
  uint8_t type = 0, ok = 0;
  if (!in.read_u8(&type)) return bad("missing type");
  if (type > static_cast<uint8_t>(MessageType::kReadReply)) {
    return bad(fmt::format("unknown message type {}", type));
  }
  m->type = static_cast<MessageType>(type);
  if (!in.read_varint(&m->from) || !in.read_varint(&m->to) || !in.read_varint(&m->op) ||
      !in.read_bytes(&m->key) || !in.read_varint(&m->ballot.counter) ||
      !in.read_varint(&m->ballot.node) || !in.read_u8(&ok) ||
      !in.read_varint(&m->accepted.counter) || !in.read_varint(&m->accepted.node) ||
      !in.read_varint(&m->promised.counter) || !in.read_varint(&m->promised.node) ||
      !in.read_bytes(&m->value)) {
    return bad("truncated field or bad varint");
  }
  if (ok > 1) return bad(fmt::format("ok flag {}, expected 0 or 1", ok));
  m->ok = ok == 1;
  if (in.remaining() != 0) return bad(fmt::format("{} trailing bytes", in.remaining()));
  return Status::ok();
}

}  // namespace faultline::paxos
