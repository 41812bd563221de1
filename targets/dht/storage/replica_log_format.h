// The on-disk format of a DHT replica's durable state (DurableReplicaStore),
// after LevelDB's log_format.h. One directory per node holds one file:
//
//   replicas.log  the replica log: a sequence of records in the checksummed
//                 framing of targets/common/record_format.h
//                   record := header_crc u32 | length u32 | payload_crc u32 |
//                             payload[length]     (CRC-32C, masked, little-endian)
//
// Each record is one DurableReplicaStore::sync() (one group commit) and is
// applied at recovery all or nothing. Its payload is a sequence of items;
// numbers are unsigned LEB128 varints and strings a varint length then the
// bytes (targets/kvstate/byte_codec.h):
//
//   payload := item+
//   item    := type u8 | fields (by type):
//     1 kHeader  format varint (= kReplicaLogFormat)
//                the first item of the first record, and nowhere else
//     2 kPut     key string | counter varint | node varint | present u8 (0 or 1) |
//                value string (only when present = 1)
//                the replica now holds this record of `key` (present = 0: a
//                tombstone, the key was deleted at that version)
//     3 kIssued  counter varint
//                the highest version counter this node has issued
//
// Replay applies items in order: kPut replaces the key's record (a replica
// only logs a record newer than the one it held, so the last one wins), and
// kIssued raises the issued counter.
//
// Compaction rewrites the live records into replicas.log.tmp (header, then
// the puts and the issued counter), syncs it, renames it over replicas.log
// and syncs the directory. A replicas.log.tmp found at startup is an
// unfinished compaction (the rename never happened) and is deleted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"
#include "targets/dht/core/messages.h"

namespace faultline::dht {

inline constexpr uint64_t kReplicaLogFormat = 1;
inline constexpr const char* kReplicaLogName = "replicas.log";
inline constexpr const char* kReplicaLogTempName = "replicas.log.tmp";

enum class ReplicaItemType : uint8_t {
  kHeader = 1,
  kPut = 2,
  kIssued = 3,
};

struct LogHeader {
  uint64_t format = kReplicaLogFormat;
  bool operator==(const LogHeader&) const = default;
};
struct LogPut {
  std::string key;
  Record record;
  bool operator==(const LogPut&) const = default;
};
struct LogIssued {
  uint64_t counter = 0;
  bool operator==(const LogIssued&) const = default;
};
using ReplicaLogItem = std::variant<LogHeader, LogPut, LogIssued>;

// Appends the encoding of `item` to `payload`.
void encode_replica_item(const ReplicaLogItem& item, std::string* payload);
// Decodes a record payload. A malformed payload (it passed its CRC, so it was
// written that way) is an error naming the offset within the payload.
Status decode_replica_items(std::string_view payload, std::vector<ReplicaLogItem>* items);

}  // namespace faultline::dht
