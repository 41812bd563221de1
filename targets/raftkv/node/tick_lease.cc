#include "targets/raftkv/node/tick_lease.h"

#include <algorithm>

namespace faultline::raftkv {

void TickLease::round_confirmed(uint64_t context) {
  const auto it = started_.find(context);
  if (it == started_.end()) return;
  const uint64_t start = from_ack_ ? ticks_ : it->second;
  start_ = confirmed_ ? std::max(start_, start) : start;
  confirmed_ = true;
  started_.erase(started_.begin(), std::next(it));
}

}  // namespace faultline::raftkv
