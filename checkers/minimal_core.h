// Shrinking a non-linearizable history to a minimal non-linearizable core:
// a subset of its operations that is itself not linearizable and becomes
// linearizable when any one of them is removed. This is what a person needs
// to see the bug: usually a handful of ops instead of thousands.
//
// The search first keeps only ops invoked before the return it got stuck at
// (nothing later can matter), then removes chunks of halving size while the
// rest stays non-linearizable (as delta debugging does), then single ops
// until no single removal keeps it non-linearizable. Non-linearizability is
// not monotone (removing a write can explain a read), hence the fixpoint.
//
// Where the model has a wildcard state (`any_state()`: a value not yet known),
// the core is first sought from that state: a core that is not linearizable
// whatever the initial value explains the bug by itself ("write 2 completed,
// then a read returned 1") rather than by the initial value ("a read returned
// 1, but the register starts empty"). Only if the history fails just because
// of the initial value is the core sought from the real initial state.
#pragma once

#include <vector>

#include "checkers/linear_search.h"

namespace faultline {

struct CoreResult {
  std::vector<uint32_t> ops;  // indexes into the searched ops, by call
  bool minimal = false;       // false: the budget ran out before the fixpoint
  bool any_initial = false;   // not linearizable from any initial state
};

template <class Model>
concept HasAnyState = requires(const Model& m) { m.any_state(); };

template <class Model>
CoreResult minimal_core(const Model& model, const std::vector<SearchOp<typename Model::Op>>& ops,
                        uint32_t stuck_op, const SearchLimits& limits) {
  using Op = typename Model::Op;
  CoreResult core;
  for (uint32_t i = 0; i < ops.size(); ++i)
    if (ops[i].call < ops[stuck_op].ret) core.ops.push_back(i);

  bool gave_up = false;
  typename Model::State any{};
  const typename Model::State* initial = nullptr;
  // Whether ops minus core.ops[from, from + n) is still non-linearizable.
  std::vector<SearchOp<Op>> subset;
  auto still_fails_without = [&](size_t from, size_t n) {
    subset.clear();
    for (size_t i = 0; i < core.ops.size(); ++i)
      if (i < from || i >= from + n) subset.push_back(ops[core.ops[i]]);
    SearchOutcome outcome = LinearSearch<Model>(model, subset, limits, initial).run().outcome;
    if (outcome == SearchOutcome::kGaveUp) gave_up = true;
    return outcome == SearchOutcome::kNotLinearizable;
  };
  if constexpr (HasAnyState<Model>) {
    any = model.any_state();
    initial = &any;
    core.any_initial = still_fails_without(0, 0);
    if (!core.any_initial) initial = nullptr;
  }
  auto remove = [&](size_t from, size_t n) {
    core.ops.erase(core.ops.begin() + static_cast<std::ptrdiff_t>(from),
                   core.ops.begin() + static_cast<std::ptrdiff_t>(from + n));
  };

  for (size_t chunk = core.ops.size() / 2; chunk > 1 && !gave_up; chunk /= 2) {
    for (size_t from = 0; from < core.ops.size() && !gave_up;) {
      size_t n = std::min(chunk, core.ops.size() - from);
      if (still_fails_without(from, n)) remove(from, n);
      else from += n;
    }
  }
  for (bool changed = true; changed && !gave_up;) {
    changed = false;
    for (size_t i = 0; i < core.ops.size() && !gave_up;) {
      if (still_fails_without(i, 1)) {
        remove(i, 1);
        changed = true;
      } else {
        ++i;
      }
    }
  }
  core.minimal = !gave_up;
  return core;
}

}  // namespace faultline
