// Lookahead for the linearizability search (linear_search.h): which ok reads
// it may judge hopeless, and the ops that could still make each succeed.
#pragma once

#include <concepts>
#include <cstdint>
#include <vector>

#include "checkers/search_types.h"

namespace faultline {

// A model that supports lookahead (models.h: resets, may_see, lost).
template <class M>
concept HasLookahead = requires(const M& m, const typename M::State& s, const typename M::Op& o) {
  { m.resets(o) } -> std::convertible_to<bool>;
  { m.may_see(s, o) } -> std::convertible_to<bool>;
  { m.may_see(o, o) } -> std::convertible_to<bool>;
  { m.lost() } -> std::convertible_to<typename M::State>;
};

// The reads a search may judge -- ok, not optional, with no crashed
// resetting op called before their return that might lead to them, and few
// enablers -- and their enablers: the ok resetting ops called before their
// return that might lead to them. A read the state cannot lead to can still
// succeed while one of its enablers is not done. Empty (off) for models
// without lookahead, and when pairing every read with every resetting op
// would cost more than the search can save.
template <class Model>
class Enablers {
 public:
  using Op = typename Model::Op;

  // `ok`: the ok ops (indexes into `ops`) by rank; `read_only` and
  // `optional` by rank.
  void build(const Model& model, const std::vector<SearchOp<Op>>& ops,
             const std::vector<uint32_t>& ok, const std::vector<bool>& read_only,
             const std::vector<bool>& optional) {
    if constexpr (HasLookahead<Model>) {
      constexpr size_t kMaxEnablers = 32;  // past it, the read is not judged
      constexpr uint64_t kMaxPairs = uint64_t{1} << 24;
      std::vector<uint32_t> resets, info_resets;  // ok ranks; indexes into ops
      uint64_t reads = 0;
      for (uint32_t r = 0; r < ok.size(); ++r) {
        reads += read_only[r];
        if (model.resets(ops[ok[r]].op)) resets.push_back(r);
      }
      for (uint32_t i = 0; i < ops.size(); ++i)
        if (ops[i].info && model.resets(ops[i].op)) info_resets.push_back(i);
      if (reads == 0 || reads * (resets.size() + info_resets.size()) > kMaxPairs) return;
      judged_.assign(ok.size(), false);
      from_.assign(ok.size() + 1, 0);
      for (uint32_t r = 0; r < ok.size(); ++r) {
        from_[r] = static_cast<uint32_t>(ranks_.size());
        const SearchOp<Op>& read = ops[ok[r]];
        if (!read_only[r] || optional[r]) continue;
        bool judged = true;
        for (uint32_t i : info_resets)
          if (ops[i].call < read.ret && model.may_see(ops[i].op, read.op)) judged = false;
        for (uint32_t w : resets) {
          if (!judged || ops[ok[w]].call > read.ret) break;
          if (!model.may_see(ops[ok[w]].op, read.op)) continue;
          ranks_.push_back(w);
          judged = ranks_.size() - from_[r] <= kMaxEnablers;
        }
        judged_[r] = judged;
        if (!judged) ranks_.resize(from_[r]);
      }
      from_[ok.size()] = static_cast<uint32_t>(ranks_.size());
    }
  }

  bool on() const { return !judged_.empty(); }
  bool judged(uint32_t r) const { return judged_[r]; }
  // Whether every enabler of read r is done in `done` (a bit per ok rank).
  bool all_done(uint32_t r, const std::vector<uint64_t>& done) const {
    for (uint32_t i = from_[r + 1]; i-- > from_[r];)  // the recent ones first
      if (!(done[ranks_[i] / 64] >> (ranks_[i] % 64) & 1)) return false;
    return true;
  }

 private:
  std::vector<bool> judged_;            // by ok rank
  std::vector<uint32_t> from_, ranks_;  // read r's: ranks_[from_[r] .. from_[r + 1])
};

}  // namespace faultline
