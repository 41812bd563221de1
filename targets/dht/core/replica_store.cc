#include "targets/dht/core/replica_store.h"

namespace faultline::dht {

Record MemoryReplicaStore::get(std::string_view key) const {
  auto it = records_.find(key);
  return it == records_.end() ? Record{} : it->second;
}

}  // namespace faultline::dht
