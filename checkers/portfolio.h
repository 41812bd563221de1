// Running a linearizability search as the limits ask: the optimized search,
// the plain one, or both side by side (a portfolio).
//
// Why a portfolio: the optimized search prunes with symmetry, dominance and
// reads first, and shortcuts invalid histories with the prover; on most
// histories that is orders of magnitude faster than plain WGL, but the
// pruning also changes the order the search tries things in, and on some
// shapes the plain order finds a linearization sooner. Neither wins
// everywhere, and which one wins cannot be told in advance, so both run,
// interleaved on one thread in slices, and the first answer wins. The
// optimized search first runs alone for a budget linear in the ops (an easy
// history finishes there, at no cost); past it the plain search gets two
// units of work for each of the optimized search's. Slices are counted in
// work units (LinearSearch::work(): steps, and the list entries each step
// looks at), not steps, since an optimized step looks at more (lookahead)
// and can cost 1.7 times a plain one (docs/benchmarks.md); so the portfolio
// takes about 1.5 times the plain search's time at most, and 3 times the
// optimized search's beyond the solo budget. Work is counted, not timed, so the answer (and which
// search gave it) is the same on every machine.
//
// The two memos share the check's memory budget: when one search runs out
// of memory, it is dropped (its memo freed) and the other goes on alone,
// rather than the check giving up while the other might still answer.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "checkers/linear_search.h"

namespace faultline {

// Work the optimized search of a portfolio runs alone: kSoloPerOp steps
// worth per op plus kSoloBase. Then slices of kSlice work for it and
// 2 * kSlice for the plain search.
constexpr uint64_t kSoloPerOp = 32 * kStepWork, kSoloBase = 4096 * kStepWork,
                   kSlice = 2048 * kStepWork;

template <class Model>
bool out_of_memory(LinearSearch<Model>& search) {
  return search.result().outcome == SearchOutcome::kGaveUp &&
         std::string_view(search.result().stopped_by) == "memory";
}

template <class Model>
SearchResult<typename Model::State> search_ops(const Model& model,
                                               const std::vector<SearchOp<typename Model::Op>>& ops,
                                               const SearchLimits& limits,
                                               const typename Model::State* initial = nullptr,
                                               const Prover& prover = {}) {
  SearchLimits first = limits;
  first.optimized = limits.optimized || limits.portfolio;
  auto main = std::make_unique<LinearSearch<Model>>(model, ops, first, initial);
  if (first.optimized && prover) main->set_prover(prover);
  if (!limits.portfolio) return main->run();
  const uint64_t solo = kSoloBase + kSoloPerOp * ops.size();
  SearchOutcome outcome = main->run_for(solo);
  if (outcome != SearchOutcome::kRunning && !out_of_memory(*main)) return std::move(main->result());
  if (outcome != SearchOutcome::kRunning) main.reset();
  SearchLimits plain_limits = limits;
  plain_limits.optimized = false;
  auto plain = std::make_unique<LinearSearch<Model>>(model, ops, plain_limits, initial);
  // One slice of `search`, or the rest of it once the other one is gone.
  auto slice = [](std::unique_ptr<LinearSearch<Model>>& search, bool alone, uint64_t work) {
    if (!search) return false;
    const SearchOutcome o = search->run_for(alone ? UINT64_MAX : work);
    if (o == SearchOutcome::kRunning) return false;
    if (out_of_memory(*search) && !alone) search.reset();
    return search != nullptr;
  };
  while (true) {
    if (slice(plain, !main, 2 * kSlice)) return std::move(plain->result());
    if (slice(main, !plain, kSlice)) return std::move(main->result());
  }
}

}  // namespace faultline
