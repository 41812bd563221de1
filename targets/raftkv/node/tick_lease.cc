#include "targets/raftkv/node/tick_lease.h"

#include <algorithm>

namespace faultline::raftkv {

void TickLease::round_confirmed(uint64_t context) {
  const auto it = started_.find(context);
  if (it == started_.end()) return;
  start_ = confirmed_ ? std::max(start_, it->second) : it->second;
  confirmed_ = true;
  started_.erase(started_.begin(), std::next(it));
}

}  // namespace faultline::raftkv
