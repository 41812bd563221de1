// The types a linearizability search takes and gives (linear_search.h,
// portfolio.h, minimal_core.h).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

namespace faultline {

// One operation as the search sees it. Positions are event indexes in the
// history, so they order calls and returns in real time.
template <class Op>
struct SearchOp {
  Op op;
  uint32_t call = 0;
  uint32_t ret = 0;       // ignored for info ops
  bool info = false;      // crashed: optional, with no return
  bool optional = false;  // may be left out; if not, it goes between call and ret
};

struct SearchLimits {
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  uint64_t max_memory_bytes = UINT64_MAX;          // shared by all searches of a check
  std::atomic<uint64_t>* memory_in_use = nullptr;  // bytes held by all searches, or null
  const std::atomic<bool>* cancel = nullptr;       // set to stop early, or null
  // A second deadline, in steady_clock ticks, that another thread may bring
  // forward while the search runs (once the verdict is known), or null.
  const std::atomic<int64_t>* cutoff = nullptr;
  uint64_t max_steps = UINT64_MAX;  // moves and backtracks; past it, give up
  // On: info ops with equal model ops are interchangeable (symmetry), a
  // configuration with more info ops used is pruned (dominance), read-only
  // ops go first without alternatives. Off: plain WGL, like Porcupine.
  bool optimized = true;
  // search_ops() only: the optimized and the plain search side by side
  // (portfolio.h). The prover is the optimized search's alone.
  bool portfolio = false;
  uint32_t prove_after = 1000;  // times stuck without progress before asking the prover
};

// A search's work units (LinearSearch::work(), portfolio.h): kStepWork per
// step (a model step and a memo probe, often a cache miss), and one per list
// entry or info class a step looks at (candidates, lookahead). Deterministic,
// and closer to the time a search takes than its steps: an optimized step
// looks at more.
constexpr uint64_t kStepWork = 32;

enum class SearchOutcome { kLinearizable, kNotLinearizable, kGaveUp, kRunning };

template <class State>
struct SearchResult {
  SearchOutcome outcome = SearchOutcome::kLinearizable;
  // When not linearizable: the furthest the search got. `stuck_op` is the ok
  // op whose return no linearization reached; `prefix` one longest
  // linearizable order of ops before it (indexes into the input);
  // `states_before` the model states possible just before it (up to 16).
  uint32_t stuck_op = 0;
  std::vector<uint32_t> prefix;
  std::vector<State> states_before;
  uint64_t configurations = 0;  // configurations memoized
  uint64_t steps = 0;           // moves and backtracks, the prover's not counted
  uint64_t peak_bytes = 0;
  bool optimized = true;  // which search answered (a portfolio runs both)
  // kGaveUp: the budget that ran out: "time", "memory", "steps", "cutoff"
  // (SearchLimits::cutoff), "cancelled" (another search gave up) or
  // "address space" (an allocation failed: memory_budget.h).
  const char* stopped_by = "";
};

// The invalidity shortcut (LinearSearch::set_prover): given the op whose
// return the search keeps getting stuck at and a number of steps it may
// take, tries to show the ops not linearizable a cheaper way. Returns
// whether it did, and sets *steps_used.
using Prover = std::function<bool(uint32_t stuck_op, uint64_t max_steps, uint64_t* steps_used)>;

}  // namespace faultline
