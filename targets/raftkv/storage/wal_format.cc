#include "targets/raftkv/storage/wal_format.h"

#include <fmt/format.h>

namespace faultline::raft::storage {
namespace {

void put_u8(std::string* out, uint8_t v) { out->push_back(static_cast<char>(v)); }

void put_u32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

void put_u64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t get_le(std::string_view bytes, size_t offset, int width) {
  uint64_t v = 0;
  for (int i = 0; i < width; ++i) {
    v |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[offset + i])) << (8 * i);
  }
  return v;
}

// Reads fixed-width fields from a payload, remembering the first overrun.
class Decoder {
 public:
  explicit Decoder(std::string_view bytes) : bytes_(bytes) {}
  bool done() const { return pos_ == bytes_.size(); }
  size_t pos() const { return pos_; }
  bool ok() const { return ok_; }

  uint64_t u64() { return fixed(8); }
  uint32_t u32() { return static_cast<uint32_t>(fixed(4)); }
  uint8_t u8() { return static_cast<uint8_t>(fixed(1)); }
  std::string bytes(size_t n) {
    if (!take(n)) return {};
    return std::string(bytes_.substr(pos_ - n, n));
  }

 private:
  bool take(size_t n) {
    if (!ok_ || bytes_.size() - pos_ < n) return ok_ = false;
    pos_ += n;
    return true;
  }
  uint64_t fixed(int width) { return take(width) ? get_le(bytes_, pos_ - width, width) : 0; }

  std::string_view bytes_;
  size_t pos_ = 0;
  bool ok_ = true;
};

SnapshotMetadata get_snapshot_metadata(Decoder& d) {
  SnapshotMetadata m;
  m.index = d.u64();
  m.term = d.u64();
  return m;
}

}  // namespace

void encode_item(const WalItem& item, std::string* out) {
  if (const auto* h = std::get_if<SegmentHeader>(&item)) {
    put_u8(out, static_cast<uint8_t>(ItemType::kSegmentHeader));
    put_u64(out, h->seq);
    put_u64(out, h->next_index);
    put_u64(out, h->snapshot.index);
    put_u64(out, h->snapshot.term);
    put_u64(out, h->previous_segment_bytes);
  } else if (const auto* hs = std::get_if<HardState>(&item)) {
    put_u8(out, static_cast<uint8_t>(ItemType::kHardState));
    put_u64(out, hs->term);
    put_u64(out, hs->vote);
    put_u64(out, hs->commit);
  } else if (const auto* e = std::get_if<Entry>(&item)) {
    put_u8(out, static_cast<uint8_t>(ItemType::kEntry));
    put_u64(out, e->index);
    put_u64(out, e->term);
    put_u8(out, static_cast<uint8_t>(e->type));
    put_u32(out, static_cast<uint32_t>(e->data.size()));
    out->append(e->data);
  } else {
    const bool installed = std::holds_alternative<SnapshotInstalled>(item);
    const SnapshotMetadata& m = installed ? std::get<SnapshotInstalled>(item).snapshot
                                          : std::get<LogCompacted>(item).snapshot;
    put_u8(out, static_cast<uint8_t>(installed ? ItemType::kSnapshot : ItemType::kCompaction));
    put_u64(out, m.index);
    put_u64(out, m.term);
  }
}

void encode_record_end(std::string* out) {
  put_u8(out, static_cast<uint8_t>(ItemType::kRecordEnd));
}

Status decode_items(std::string_view payload, std::vector<WalItem>* items) {
  items->clear();
  if (payload.empty()) return Status::malformed("empty record");
  Decoder d(payload);
  while (!d.done()) {
    const size_t start = d.pos();
    const uint8_t type = d.u8();
    switch (static_cast<ItemType>(type)) {
      case ItemType::kSegmentHeader: {
        SegmentHeader h;
        h.seq = d.u64();
        h.next_index = d.u64();
        h.snapshot = get_snapshot_metadata(d);
        h.previous_segment_bytes = d.u64();
        items->push_back(h);
        break;
      }
      case ItemType::kHardState: {
        HardState hs;
        hs.term = d.u64();
        hs.vote = d.u64();
        hs.commit = d.u64();
        items->push_back(hs);
        break;
      }
      case ItemType::kEntry: {
        Entry& e = std::get<Entry>(items->emplace_back(std::in_place_type<Entry>));
        e.index = d.u64();
        e.term = d.u64();
        const uint8_t entry_type = d.u8();
        if (d.ok() && entry_type > static_cast<uint8_t>(EntryType::kNoop)) {
          return Status::malformed(
              fmt::format("item at payload offset {}: unknown entry type {}", start, entry_type));
        }
        e.type = static_cast<EntryType>(entry_type);
        e.data = d.bytes(d.u32());
        break;
      }
      // Items are built in place: a temporary variant trips a false
      // -Wmaybe-uninitialized in GCC 12.
      case ItemType::kSnapshot:
        items->emplace_back(std::in_place_type<SnapshotInstalled>, get_snapshot_metadata(d));
        break;
      case ItemType::kCompaction:
        items->emplace_back(std::in_place_type<LogCompacted>, get_snapshot_metadata(d));
        break;
      case ItemType::kRecordEnd:
        if (!d.done() || start == 0) {
          return Status::malformed(fmt::format(
              "item at payload offset {}: a record end that is not the last item after others",
              start));
        }
        break;
      default:
        return Status::malformed(
            fmt::format("item at payload offset {}: unknown item type {}", start, type));
    }
    if (!d.ok()) {
      return Status::malformed(fmt::format(
          "item at payload offset {}: truncated (payload has {} bytes)", start, payload.size()));
    }
  }
  return Status::ok();
}

}  // namespace faultline::raft::storage
