// Shrinking a non-linearizable history to a minimal non-linearizable core:
// a few of its operations that cannot all be right, whatever the others did.
//
// Ops outside the core are not deleted but relaxed: each may not have
// happened at all (if it did, then as recorded: between its invoke and its
// completion; crashed ops any time after their invoke), and reads outside
// the core say nothing. Deleting them instead would invent violations:
// without the write that explains a read, the read looks wrong. So a core
// cannot all have happened as recorded even if any of the other ops did not
// happen, and relaxing any one of its ops too makes the rest possible.
// Usually a handful of ops instead of thousands.
//
// The core starts as the ops invoked before the return the search got stuck
// at, then loses chunks of halving size while it stays non-linearizable (as
// delta debugging does), then single ops until no single op can go.
// Non-linearizability is not monotone in the core, hence the fixpoint.
//
// Where the model has a wildcard state (`any_state()`: a value not yet known),
// the core is first sought from that state: a core that fails whatever the
// initial value explains the bug by itself ("write 2 completed, then a read
// returned 1") rather than by the initial value ("a read returned 1, but the
// register starts empty"). Only if the history fails just because of the
// initial value is the core sought from the real initial state.
#pragma once

#include <vector>

#include "checkers/portfolio.h"

namespace faultline {

struct CoreResult {
  std::vector<uint32_t> ops;  // indexes into the searched ops, by call
  bool minimal = false;       // false: the budget ran out before the fixpoint
  bool any_initial = false;   // not linearizable from any initial state
};

template <class Model>
concept HasAnyState = requires(const Model& m) {
  m.any_state();
};

// The search for a core of one key's ops (`ops`, by call) that got stuck at
// the return of `stuck_op`.
template <class Model>
class CoreSearch {
 public:
  using Op = typename Model::Op;

  CoreSearch(const Model& model, const std::vector<SearchOp<Op>>& ops, uint32_t stuck_op,
             const SearchLimits& limits)
      : model_(model), ops_(ops), limits_(limits) {
    for (uint32_t i = 0; i < ops.size(); ++i)
      if (ops[i].call < ops[stuck_op].ret) candidates_.push_back(i);
  }

  // Grows a window of the last k candidates (8, 16, ... up to max_k) until
  // it fails by itself whatever the initial value: bugs are local, and a
  // small window is cheap to search. Returns whether one did; the core is
  // then that window.
  bool find_window(size_t max_k) {
    if constexpr (HasAnyState<Model>) {
      any_ = model_.any_state();
      initial_ = &any_;
      for (size_t k = 8;; k *= 2) {
        const size_t first = k < candidates_.size() ? candidates_.size() - k : 0;
        core_.ops.assign(candidates_.begin() + static_cast<std::ptrdiff_t>(first),
                         candidates_.end());
        window_ = first == 0 ? 0 : ops_[candidates_[first]].call;
        core_.any_initial = fails_without(0, 0);
        if (core_.any_initial || first == 0 || gave_up_ || k >= max_k) break;
      }
    }
    return core_.any_initial;
  }

  // Finds a minimal core: from the window find_window found, else from all
  // candidates and the real initial state.
  CoreResult minimal() {
    if (!find_window(SIZE_MAX)) {
      initial_ = nullptr;
      window_ = 0;
      core_.ops = candidates_;
    }
    for (size_t chunk = core_.ops.size() / 2; chunk > 1 && !gave_up_; chunk /= 2) {
      for (size_t from = 0; from < core_.ops.size() && !gave_up_;) {
        size_t n = std::min(chunk, core_.ops.size() - from);
        if (fails_without(from, n))
          remove(from, n);
        else
          from += n;
      }
    }
    for (bool changed = true; changed && !gave_up_;) {
      changed = false;
      for (size_t i = 0; i < core_.ops.size() && !gave_up_;) {
        if (fails_without(i, 1)) {
          remove(i, 1);
          changed = true;
        } else {
          ++i;
        }
      }
    }
    core_.minimal = !gave_up_;
    return core_;
  }

  // The core found so far (all candidates before any shrinking).
  const CoreResult& core() const { return core_; }
  // Steps of every search so far, which limits.max_steps bounds in total.
  uint64_t steps_used() const { return steps_used_; }

 private:
  // Whether the core minus core_.ops[from, from + n), with every other op
  // relaxed, is still non-linearizable. With a wildcard initial state, ops
  // that returned before `window_` (the first core op's invoke) are left out
  // altogether: whatever they did is some state at `window_`, which the
  // wildcard covers. Ops invoked after every core op returned are left out
  // too: they can always go last.
  bool fails_without(size_t from, size_t n) {
    uint32_t end = 0;  // the last return of a kept core op
    for (size_t c = 0; c < core_.ops.size(); ++c)
      if (c < from || c >= from + n)
        end = std::max(end, ops_[core_.ops[c]].info ? UINT32_MAX : ops_[core_.ops[c]].ret);
    subset_.clear();
    size_t next = 0;  // next core position
    for (uint32_t i = 0; i < ops_.size(); ++i) {
      const bool in_core = next < core_.ops.size() && core_.ops[next] == i;
      const bool kept = in_core && (next < from || next >= from + n);
      next += in_core;
      if (kept) {
        subset_.push_back(ops_[i]);
      } else if (!model_.read_only(ops_[i].op) && ops_[i].call < end &&
                 (ops_[i].info || ops_[i].ret >= window_)) {
        subset_.push_back(ops_[i]);
        subset_.back().optional = true;
      }
    }
    SearchLimits limits = limits_;
    limits.max_steps = limits_.max_steps - std::min(limits_.max_steps, steps_used_);
    const auto result = search_ops(model_, subset_, limits, initial_);
    steps_used_ += result.steps;
    if (result.outcome == SearchOutcome::kGaveUp) gave_up_ = true;
    return result.outcome == SearchOutcome::kNotLinearizable;
  }

  void remove(size_t from, size_t n) {
    core_.ops.erase(core_.ops.begin() + static_cast<std::ptrdiff_t>(from),
                    core_.ops.begin() + static_cast<std::ptrdiff_t>(from + n));
  }

  const Model& model_;
  const std::vector<SearchOp<Op>>& ops_;
  const SearchLimits limits_;
  std::vector<uint32_t> candidates_;  // ops invoked before the stuck op's return
  CoreResult core_;
  bool gave_up_ = false;
  uint64_t steps_used_ = 0;
  typename Model::State any_{};
  const typename Model::State* initial_ = nullptr;
  uint32_t window_ = 0;
  std::vector<SearchOp<Op>> subset_;
};

template <class Model>
CoreResult minimal_core(const Model& model, const std::vector<SearchOp<typename Model::Op>>& ops,
                        uint32_t stuck_op, const SearchLimits& limits) {
  return CoreSearch<Model>(model, ops, stuck_op, limits).minimal();
}

}  // namespace faultline
