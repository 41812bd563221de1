// Running a linearizability search as the limits ask: the optimized search,
// the plain one, or both side by side (a portfolio).
//
// Why a portfolio: the optimized search prunes with symmetry, dominance and
// reads first, and shortcuts invalid histories with the prover; on most
// histories that is orders of magnitude faster than plain WGL, but the
// pruning also changes the order the search tries things in, and on some
// shapes (many concurrent appends on one key, say) the plain order finds a
// linearization sooner. Neither wins everywhere, and which one wins cannot
// be told in advance, so both run, interleaved on one thread in slices of
// steps, and the first answer wins. The optimized search first runs alone
// for a budget linear in the ops (an easy history finishes there, at no
// cost); past it the plain search gets two steps for each of the optimized
// search's, so the portfolio takes at most about 1.5 times the plain
// search's steps, and at most 3 times the optimized search's beyond the
// solo budget. Slices are counted in steps, not time, so the answer (and
// which search gave it) is the same on every machine.
#pragma once

#include <cstdint>
#include <vector>

#include "checkers/linear_search.h"

namespace faultline {

// Steps the optimized search of a portfolio runs alone: kSoloPerOp per op
// plus kSoloBase. Then slices of kSlice optimized steps and 2 * kSlice plain.
constexpr uint64_t kSoloPerOp = 16, kSoloBase = 4096, kSlice = 2048;

template <class Model>
SearchResult<typename Model::State> search_ops(const Model& model,
                                               const std::vector<SearchOp<typename Model::Op>>& ops,
                                               const SearchLimits& limits,
                                               const typename Model::State* initial = nullptr,
                                               const Prover& prover = {}) {
  SearchLimits first = limits;
  first.optimized = limits.optimized || limits.portfolio;
  LinearSearch<Model> main(model, ops, first, initial);
  if (first.optimized && prover) main.set_prover(prover);
  if (!limits.portfolio) return main.run();
  const uint64_t solo = kSoloBase + kSoloPerOp * ops.size();
  if (main.run_for(solo) != SearchOutcome::kRunning) return std::move(main.result());
  SearchLimits plain_limits = limits;
  plain_limits.optimized = false;
  LinearSearch<Model> plain(model, ops, plain_limits, initial);
  while (true) {
    if (plain.run_for(2 * kSlice) != SearchOutcome::kRunning) return std::move(plain.result());
    if (main.run_for(kSlice) != SearchOutcome::kRunning) return std::move(main.result());
  }
}

}  // namespace faultline
