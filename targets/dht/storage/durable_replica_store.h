// DurableReplicaStore: the ReplicaStore of faultline-dht, a keyed record log
// (targets/common/keyed_log.h: group commit, crash recovery, compaction) of
// Records in the format of replica_log_format.h. The server calls sync()
// before sending any message or client reply, so a replica never
// acknowledges a store (and a coordinator never sends a version) that a
// crash could lose.
#pragma once

#include "targets/common/keyed_log.h"
#include "targets/dht/storage/replica_log_format.h"

namespace faultline::dht {

using DurableReplicaStore = common::DurableKeyedStore<Record, ReplicaLogCodec>;

}  // namespace faultline::dht
