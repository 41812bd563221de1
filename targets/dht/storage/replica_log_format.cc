#include "targets/dht/storage/replica_log_format.h"

#include <fmt/format.h>

#include "targets/kvstate/byte_codec.h"

namespace faultline::dht {

void encode_replica_item(const ReplicaLogItem& item, std::string* out) {
  if (const auto* h = std::get_if<LogHeader>(&item)) {
    out->push_back(static_cast<char>(ReplicaItemType::kHeader));
    kv::put_varint(out, h->format);
  } else if (const auto* p = std::get_if<LogPut>(&item)) {
    out->push_back(static_cast<char>(ReplicaItemType::kPut));
    kv::put_bytes(out, p->key);
    kv::put_varint(out, p->record.version.counter);
    kv::put_varint(out, p->record.version.node);
    out->push_back(p->record.value ? 1 : 0);
    if (p->record.value) kv::put_bytes(out, *p->record.value);
  } else {
    out->push_back(static_cast<char>(ReplicaItemType::kIssued));
    kv::put_varint(out, std::get<LogIssued>(item).counter);
  }
}

Status decode_replica_items(std::string_view payload, std::vector<ReplicaLogItem>* items) {
  items->clear();
  if (payload.empty()) return Status::malformed("empty record");
  kv::ByteReader in(payload);
  while (in.remaining() > 0) {
    const size_t start = in.offset();
    auto truncated = [&] {
      return Status::malformed(
          fmt::format("item at payload offset {}: truncated or bad varint", start));
    };
    uint8_t type = 0;
    in.read_u8(&type);
    switch (static_cast<ReplicaItemType>(type)) {
      // Items are built in place: a temporary variant trips a false
      // -Wmaybe-uninitialized in GCC 12 (as in raftkv's wal_format.cc).
      case ReplicaItemType::kHeader: {
        auto& h = std::get<LogHeader>(items->emplace_back(std::in_place_type<LogHeader>));
        if (!in.read_varint(&h.format)) return truncated();
        break;
      }
      case ReplicaItemType::kPut: {
        auto& p = std::get<LogPut>(items->emplace_back(std::in_place_type<LogPut>));
        uint8_t present = 0;
        if (!in.read_bytes(&p.key) || !in.read_varint(&p.record.version.counter) ||
            !in.read_varint(&p.record.version.node) || !in.read_u8(&present)) {
          return truncated();
        }
        if (present > 1) {
          return Status::malformed(fmt::format(
              "item at payload offset {}: present flag {}, expected 0 or 1", start, present));
        }
        if (present == 1) {
          std::string value;
          if (!in.read_bytes(&value)) return truncated();
          p.record.value = std::move(value);
        }
        break;
      }
      case ReplicaItemType::kIssued: {
        auto& i = std::get<LogIssued>(items->emplace_back(std::in_place_type<LogIssued>));
        if (!in.read_varint(&i.counter)) return truncated();
        break;
      }
      default:
        return Status::malformed(
            fmt::format("item at payload offset {}: unknown item type {}", start, type));
    }
  }
  return Status::ok();
}

}  // namespace faultline::dht
