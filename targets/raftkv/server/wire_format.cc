#include "targets/raftkv/server/wire_format.h"

#include <fmt/format.h>

#include "targets/kvstate/byte_codec.h"

namespace faultline::raftkv {
namespace {

using raft::Entry;
using raft::EntryType;
using raft::Message;
using raft::MessageType;

constexpr uint8_t kLastMessageType = static_cast<uint8_t>(MessageType::kSnapshot);
constexpr uint8_t kLastEntryType = static_cast<uint8_t>(EntryType::kNoop);
// Smallest encoded entry: index, term, type, data length: one byte each.
constexpr size_t kMinEntryBytes = 4;

}  // namespace

std::string encode_message(const Message& m) {
  std::string out;
  out.push_back(static_cast<char>(m.type));
  for (uint64_t v : {m.from, m.to, m.term, m.index, m.log_term, m.commit}) kv::put_varint(&out, v);
  out.push_back(m.reject ? 1 : 0);
  for (uint64_t v : {m.conflict_term, m.conflict_index, m.context}) kv::put_varint(&out, v);
  kv::put_varint(&out, m.entries.size());
  for (const Entry& e : m.entries) {
    kv::put_varint(&out, e.index);
    kv::put_varint(&out, e.term);
    out.push_back(static_cast<char>(e.type));
    kv::put_bytes(&out, e.data);
  }
  kv::put_varint(&out, m.snapshot.metadata.index);
  kv::put_varint(&out, m.snapshot.metadata.term);
  kv::put_bytes(&out, m.snapshot.data);
  return out;
}

Status decode_message(std::string_view payload, Message* out) {
  kv::ByteReader r(payload);
  auto bad = [&](std::string_view what) {
    return Status::malformed(fmt::format("raft message: {} at byte {}", what, r.offset()));
  };
  Message m;
  uint8_t type = 0;
  if (!r.read_u8(&type)) return bad("missing message type");
  if (type > kLastMessageType) return bad(fmt::format("unknown message type {}", type));
  m.type = static_cast<MessageType>(type);
  for (uint64_t* v : {&m.from, &m.to, &m.term, &m.index, &m.log_term, &m.commit}) {
    if (!r.read_varint(v)) return bad("bad varint");
  }
  uint8_t reject = 0;
  if (!r.read_u8(&reject)) return bad("missing reject flag");
  if (reject > 1) return bad(fmt::format("reject flag {} is not 0 or 1", reject));
  m.reject = reject == 1;
  for (uint64_t* v : {&m.conflict_term, &m.conflict_index, &m.context}) {
    if (!r.read_varint(v)) return bad("bad varint");
  }
  uint64_t count = 0;
  if (!r.read_varint(&count)) return bad("bad entry count");
  // Checked against the bytes left, so a corrupted count never sizes an allocation.
  if (count > r.remaining() / kMinEntryBytes) return bad(fmt::format("entry count {}", count));
  m.entries.resize(count);
  for (Entry& e : m.entries) {
    uint8_t entry_type = 0;
    if (!r.read_varint(&e.index) || !r.read_varint(&e.term)) return bad("bad entry header");
    if (!r.read_u8(&entry_type)) return bad("missing entry type");
    if (entry_type > kLastEntryType) return bad(fmt::format("unknown entry type {}", entry_type));
    e.type = static_cast<EntryType>(entry_type);
    if (!r.read_bytes(&e.data)) return bad("bad entry data");
  }
  if (!r.read_varint(&m.snapshot.metadata.index) || !r.read_varint(&m.snapshot.metadata.term)) {
    return bad("bad snapshot metadata");
  }
  if (!r.read_bytes(&m.snapshot.data)) return bad("bad snapshot data");
  if (r.remaining() != 0) return bad(fmt::format("{} trailing bytes", r.remaining()));
  *out = std::move(m);
  return Status::ok();
}

}  // namespace faultline::raftkv
