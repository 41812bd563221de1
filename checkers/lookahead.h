// Lookahead for the linearizability search (linear_search.h): which ok reads
// it may judge hopeless, the ops that could still make each succeed, and the
// reads that an op extending the state must follow (read order, below).
#pragma once

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <utility>
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

// A model whose reads show the ops that extend the state (models.h: kv's
// appends), for read order:
//   uint64_t growth(const Op&);  // how much an extending op adds (0: none)
//   // Whether `read` may show `op` (growth > 0) within the last `within`
//   // units of what it read.
//   bool may_show(const Op& op, const Op& read, uint64_t within);
template <class M>
concept HasReadOrder = HasLookahead<M> && requires(const M& m, const typename M::Op& o) {
  { m.growth(o) } -> std::convertible_to<uint64_t>;
  { m.may_show(o, o, uint64_t{0}) } -> std::convertible_to<bool>;
};

// The reads a search may judge -- ok, not optional, with no crashed
// resetting op called before their return that might lead to them, and few
// enablers -- and their enablers: the ok resetting ops called before their
// return that might lead to them. A read the state cannot lead to can still
// succeed while one of its enablers is not done. Empty (off) for models
// without lookahead, and when pairing every read with every resetting op
// would cost more than the search can save.
//
// Read order, for models that tell (HasReadOrder): a get G that returned S
// saw every append linearized after the last put before it. If an append A
// goes before G with no put between, S ends with A's value followed by the
// values of the appends linearized between them, each of which returned
// after A's invoke (or crashed) and was invoked before G's completion: that
// bounds how far from S's end A's value can lie. So when S does not show A's
// value there, A can go before G only before one of G's enablers (the puts
// S begins with; a judged read has no crashed one). The search therefore
// never takes A while G is not done and all of G's enablers are: that path
// cannot be completed, from any initial state and with any of the other ops
// left out. Only concurrent pairs are recorded (real time orders the rest).
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
      if constexpr (HasReadOrder<Model>) build_order(model, ops, ok, read_only);
    }
  }

  bool on() const { return !judged_.empty(); }
  // A read that ok rank r must follow, given the ops done in `done` (read
  // order: the read is not done, its enablers are), or UINT32_MAX.
  uint32_t unmet_read(uint32_t r, const std::vector<uint64_t>& done) const {
    if (after_from_.empty()) return UINT32_MAX;
    for (uint32_t i = after_from_[r]; i < after_from_[r + 1]; ++i)
      if (!(done[after_[i] / 64] >> (after_[i] % 64) & 1) && all_done(after_[i], done))
        return after_[i];
    return UINT32_MAX;
  }
  bool judged(uint32_t r) const { return judged_[r]; }
  // Whether every enabler of read r is done in `done` (a bit per ok rank).
  bool all_done(uint32_t r, const std::vector<uint64_t>& done) const {
    for (uint32_t i = from_[r + 1]; i-- > from_[r];)  // the recent ones first
      if (!(done[ranks_[i] / 64] >> (ranks_[i] % 64) & 1)) return false;
    return true;
  }

 private:
  // Read order (above): after_ lists, for each ok op, the judged reads
  // concurrent with it that must go first.
  void build_order(const Model& model, const std::vector<SearchOp<Op>>& ops,
                   const std::vector<uint32_t>& ok, const std::vector<bool>& read_only) {
    // Growth of the ops invoked before a position, and of the ok ops
    // returned before it: (position, running sum), by position.
    std::vector<std::pair<uint32_t, uint64_t>> invoked, returned;
    for (const SearchOp<Op>& o : ops) {
      const uint64_t g = model.growth(o.op);
      if (g == 0) continue;
      invoked.emplace_back(o.call, g);
      if (!o.info) returned.emplace_back(o.ret, g);
    }
    if (invoked.empty()) return;
    for (auto* v : {&invoked, &returned}) {
      std::sort(v->begin(), v->end());
      for (size_t i = 1; i < v->size(); ++i) (*v)[i].second += (*v)[i - 1].second;
    }
    auto before = [](const std::vector<std::pair<uint32_t, uint64_t>>& v, uint32_t pos) {
      auto it = std::lower_bound(v.begin(), v.end(), std::make_pair(pos, uint64_t{0}));
      return it == v.begin() ? 0 : std::prev(it)->second;
    };
    auto extends = [&](uint32_t r) {
      const Op& op = ops[ok[r]].op;
      return !read_only[r] && !model.resets(op) && model.growth(op) > 0;
    };
    std::vector<std::pair<uint32_t, uint32_t>> pairs;  // (op, read it must follow)
    for (uint32_t x = 0; x < ok.size(); ++x) {
      for (uint32_t y = x + 1; y < ok.size() && ops[ok[y]].call < ops[ok[x]].ret; ++y) {
        uint32_t a = x, g = y;  // a concurrent pair: an extending op and a judged read?
        if (!(extends(a) && judged_[g])) std::swap(a, g);
        if (!(extends(a) && judged_[g])) continue;
        const SearchOp<Op>&append = ops[ok[a]], &read = ops[ok[g]];
        if (!model.may_show(append.op, read.op,
                            before(invoked, read.ret) - before(returned, append.call)))
          pairs.emplace_back(a, g);
      }
    }
    std::sort(pairs.begin(), pairs.end());
    after_from_.assign(ok.size() + 1, 0);
    for (const auto& [a, g] : pairs) {
      ++after_from_[a + 1];
      after_.push_back(g);
    }
    for (size_t r = 0; r < ok.size(); ++r) after_from_[r + 1] += after_from_[r];
  }

  std::vector<bool> judged_;            // by ok rank
  std::vector<uint32_t> from_, ranks_;  // read r's: ranks_[from_[r] .. from_[r + 1])
  // Read order: the reads ok rank r must follow are after_[after_from_[r] ..
  // after_from_[r + 1]); empty when the model has none.
  std::vector<uint32_t> after_from_, after_;
};

}  // namespace faultline
