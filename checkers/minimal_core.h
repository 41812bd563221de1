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

#include "checkers/linear_search.h"

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
  // Whether the core minus core.ops[from, from + n), with every other op
  // relaxed, is still non-linearizable.
  std::vector<SearchOp<Op>> subset;
  auto still_fails_without = [&](size_t from, size_t n) {
    subset.clear();
    size_t next = 0;  // next core position
    for (uint32_t i = 0; i < ops.size(); ++i) {
      const bool in_core = next < core.ops.size() && core.ops[next] == i;
      const bool kept = in_core && (next < from || next >= from + n);
      next += in_core;
      if (kept) {
        subset.push_back(ops[i]);
      } else if (!model.read_only(ops[i].op)) {
        subset.push_back(ops[i]);
        subset.back().optional = true;
      }
    }
    SearchOutcome outcome = LinearSearch<Model>(model, subset, limits, initial).run().outcome;
    if (outcome == SearchOutcome::kGaveUp) gave_up = true;
    return outcome == SearchOutcome::kNotLinearizable;
  };
  auto remove = [&](size_t from, size_t n) {
    core.ops.erase(core.ops.begin() + static_cast<std::ptrdiff_t>(from),
                   core.ops.begin() + static_cast<std::ptrdiff_t>(from + n));
  };
  if constexpr (HasAnyState<Model>) {
    any = model.any_state();
    initial = &any;
    core.any_initial = still_fails_without(0, 0);
    if (!core.any_initial) initial = nullptr;
  }

  for (size_t chunk = core.ops.size() / 2; chunk > 1 && !gave_up; chunk /= 2) {
    for (size_t from = 0; from < core.ops.size() && !gave_up;) {
      size_t n = std::min(chunk, core.ops.size() - from);
      if (still_fails_without(from, n))
        remove(from, n);
      else
        from += n;
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
