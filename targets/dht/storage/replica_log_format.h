// The on-disk format of a DHT replica's durable state: one directory per
// node holds replicas.log, a keyed record log (targets/common/keyed_log.h:
// records, items, recovery and compaction) whose put items carry a Record:
//
//   kPut  key string | counter varint | node varint | present u8 (0 or 1) |
//         value string (only when present = 1)
//         the replica now holds this record of `key` (present = 0: a
//         tombstone, the key was deleted at that version)
//
// A replica only logs a record newer than the one it held, so the last one
// wins at replay; kIssued is the highest version counter this node issued.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "targets/dht/core/messages.h"
#include "targets/kvstate/byte_codec.h"

namespace faultline::dht {

// The Codec of common::DurableKeyedStore for Records.
struct ReplicaLogCodec {
  static constexpr const char* kLogName = "replicas.log";
  static constexpr uint64_t kFormat = 1;

  static void encode(const Record& record, std::string* out);
  static Status decode(kv::ByteReader& in, Record* record);
  static uint64_t approx_size(const Record& record) {
    return (record.value ? record.value->size() : 0) + 24;
  }
};

}  // namespace faultline::dht
