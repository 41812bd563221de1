// Soonest: how any, each_thread and concurrent_keys combine their children's
// proposals: the op due first (ties: the first offered), unless a pending
// child wants to be asked again before that op is due.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>

#include "harness/generator/generator.h"

namespace faultline::gen {

class Soonest {
 public:
  // Child `child` answered `n` (an op or pending; exhausted children are not offered).
  void offer(Next n, size_t child) {
    if (n.is_pending()) {
      pending_ = true;
      wake_ = std::min(wake_, n.wake);
    } else if (!best_.is_op() || n.op->time < best_.op->time) {
      best_ = std::move(n);
      chosen_ = child;
    }
  }
  // Exhausted if nothing was offered.
  Next result() {
    if (best_.is_op() && best_.op->time <= wake_) return std::move(best_);
    return pending_ ? Next::pending(wake_) : Next::exhausted();
  }
  // The child whose op result() returned.
  size_t chosen() const { return chosen_; }

 private:
  Next best_ = Next::exhausted();
  size_t chosen_ = 0;
  bool pending_ = false;
  int64_t wake_ = kNever;
};

}  // namespace faultline::gen
