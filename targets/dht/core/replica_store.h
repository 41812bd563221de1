// ReplicaStore: a node's replica state, every key's Record and the highest
// version counter it issued as a coordinator (stored so that a restarted node
// never issues a version it issued before: two values under one version
// would break both modes). The core decides what to keep (a record replaces
// another only if its version is newer); the store just holds it.
// MemoryReplicaStore is the in-memory one for tests; the server brings a
// durable one (storage/durable_replica_store.h).
#pragma once

#include "targets/common/keyed_store.h"
#include "targets/dht/core/messages.h"

namespace faultline::dht {

using ReplicaStore = common::KeyedStore<Record>;
using MemoryReplicaStore = common::MemoryKeyedStore<Record>;

}  // namespace faultline::dht
