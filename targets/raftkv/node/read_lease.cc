#include "targets/raftkv/node/read_lease.h"

#include <algorithm>

namespace faultline::raftkv {

void ReadLease::round_confirmed(uint64_t context, int64_t now) {
  const auto it = started_.find(context);
  if (it == started_.end()) return;
  const int64_t start = start_from_ == Start::kFromAck ? now : it->second;
  start_ = confirmed_ ? std::max(start_, start) : start;
  confirmed_ = true;
  started_.erase(started_.begin(), std::next(it));
}

}  // namespace faultline::raftkv
