// DurableReplicaStore: the ReplicaStore of faultline-dht, the keyed record
// log replicas.log (targets/common/keyed_log.h: group commit, crash
// recovery, compaction) of Records, a put item being
//
//   key string | counter varint | node varint | present u8 (0 or 1) |
//   value string (only when present = 1; present = 0: a tombstone, the key
//   was deleted at that version)
//
// A replica only logs a record newer than the one it held, so the last one
// wins at replay. The server syncs before sending any message or client
// reply, so a replica never acknowledges a store (and a coordinator never
// sends a version) that a crash could lose.
#pragma once

#include <tuple>

#include "targets/common/keyed_log.h"
#include "targets/dht/core/replica_store.h"

namespace faultline::dht {

inline constexpr char kReplicaLogName[] = "replicas.log";

// A Record's fields in the log (targets/common/log_fields.h).
inline auto log_fields(Record& r) { return std::tie(r.version.counter, r.version.node, r.value); }

using DurableReplicaStore = common::DurableKeyedStore<Record, kReplicaLogName>;

}  // namespace faultline::dht
