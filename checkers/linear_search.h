// The linearizability search for one key's operations: a depth-first search
// in the style of Wing & Gong and Lowe (as in Porcupine), over a doubly
// linked list of the ok operations' call and return entries, memoizing
// visited configurations (search_cache.h).
//
// Optional ok ops (minimal_core.h relaxes ops this way) may also be left out
// when their return comes: the last choice at that point.
//
// Info operations (crashed: may have taken effect at any time after their
// invoke, or never) have no return entry; they never block progress, and the
// search is done when every ok op is linearized. Info ops with equal model
// ops are interchangeable, so with `symmetry` on they form one class and the
// search only ever linearizes the earliest-invoked unused op of a class: a
// count per class replaces a bit per op. A node tries the ok ops that may go
// next (called before the first pending return) first, then one op per info
// class, so info ops are used only when the ok ops cannot go on without them.
//
// An ok op that never changes the state (Model::read_only: a read), once it
// can go, is taken without trying alternatives at that node: if any order of
// the remaining ops works, one that takes it first works too, since it may go
// now and moving it earlier changes no other op's state. This keeps reads
// from branching.
//
// Of equal ok ops that may all go next, only the one that returns first is
// tried: any linearization taking another one now can swap the two.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <unordered_map>
#include <vector>

#include "checkers/search_cache.h"

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
  bool symmetry = true;                            // info ops with equal ops are interchangeable
  bool dominance = true;                           // prune configurations with more info ops used
  bool reads_first = true;      // read-only ops go first and without alternatives
  uint32_t prove_after = 1000;  // times stuck without progress before asking the prover
};

enum class SearchOutcome { kLinearizable, kNotLinearizable, kGaveUp };

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
  uint64_t peak_bytes = 0;
};

template <class Model>
class LinearSearch {
 public:
  using Op = typename Model::Op;
  using State = typename Model::State;

  // `ops` must be sorted by call. The search starts from `initial`, or from
  // the model's initial state if it is null.
  LinearSearch(const Model& model, const std::vector<SearchOp<Op>>& ops, const SearchLimits& limits,
               const State* initial = nullptr)
      : model_(model), ops_(ops), limits_(limits), initial_(initial ? *initial : model.init()) {
    build_entries();
    build_classes();
  }

  // A shortcut for histories that are not linearizable: when the search has
  // been stuck many times at its furthest return, `prover` is asked once,
  // with that return's op (an index into `ops`), whether it can show the ops
  // not linearizable some cheaper way (minimal_core.h: a window of ops
  // before it, with all else relaxed, already fails). If it can, the search
  // ends there: without it, showing that nothing works means trying
  // everything, which is what makes invalid histories slow.
  void set_prover(std::function<bool(uint32_t)> prover) { prover_ = std::move(prover); }

  SearchResult<State> run() {
    SearchResult<State> result;
    SearchCache<State> cache(layout_, limits_.dominance);
    std::vector<uint64_t> lin((ok_.size() + 64) / 64, 0);  // linearized ok ops, by ok rank
    std::vector<uint64_t> counts(layout_.words + 1, 0);    // packed info counts per class
    std::vector<uint32_t> used(classes_.size(), 0);        // the same counts, unpacked
    std::vector<Frame> stack;
    State state = initial_;
    uint32_t lo = 0, hi = 0;  // every ok rank < lo is linearized; none >= hi is
    uint64_t ok_hash = 0;
    uint32_t remaining = static_cast<uint32_t>(ok_.size());
    // Where the node being explored is: its ok candidates are the calls
    // before the first pending return, tried in list order in two passes
    // (read-only ops, then the others); then its info classes.
    uint32_t cursor = next_[kHead];
    int pass = 0;
    int64_t info_from = -1;  // >= 0: trying info classes from this one, at return `cursor`
    auto enter_node = [&] {
      cursor = next_[kHead];
      pass = limits_.reads_first ? 0 : 1;
      info_from = -1;
      first_returns();
    };
    enter_node();
    uint64_t charged = 0, steps = 0;
    int64_t best_pos = -1;  // position of the furthest return the search got stuck at
    auto finish = [&](SearchOutcome outcome) {
      result.outcome = outcome;
      result.configurations = cache.size();
      result.peak_bytes = std::max(result.peak_bytes, cache.bytes());
      if (limits_.memory_in_use) limits_.memory_in_use->fetch_sub(charged);
      return result;
    };
    auto try_step = [&](const Op& op, State* next, uint64_t hash_delta, uint32_t new_lo,
                        uint32_t new_hi) {
      if (!model_.step(state, op, next)) return false;
      return cache.insert(ok_hash ^ hash_delta ^ model_.hash(*next), new_lo, new_hi, lin.data(),
                          *next, counts.data());
    };
    // Marks ok rank r done (linearized or left out) in `lin`, giving the new
    // bounds, so that the cache can be probed; unmark() takes it back.
    auto mark = [&](uint32_t r, uint32_t* new_lo, uint32_t* new_hi) {
      lin[r / 64] |= 1ull << (r % 64);
      *new_lo = r == lo ? next_unset(lin, lo) : lo;
      *new_hi = std::max(hi, r + 1);
    };
    auto unmark = [&](uint32_t r) { lin[r / 64] &= ~(1ull << (r % 64)); };
    // Makes a marked rank r done for good: its entries leave the list. The
    // pushed frame keeps the old lo and hi; untake() undoes the rest.
    auto take = [&](uint32_t r, uint32_t call, uint32_t new_lo, uint32_t new_hi) {
      lo = new_lo;
      hi = new_hi;
      ok_hash ^= zobrist_[r];
      --remaining;
      lift(call);
      enter_node();
    };
    auto untake = [&](uint32_t r, uint32_t call) {
      unmark(r);
      ok_hash ^= zobrist_[r];
      ++remaining;
      unlift(call);
      first_returns();
    };

    while (true) {
      if (remaining == 0) return finish(SearchOutcome::kLinearizable);
      if ((++steps & 1023) == 1) {  // also at the first step
        uint64_t bytes = cache.bytes() + stack.capacity() * sizeof(Frame);
        if (limits_.memory_in_use && bytes > charged) {
          limits_.memory_in_use->fetch_add(bytes - charged);
          charged = bytes;
        }
        result.peak_bytes = std::max(result.peak_bytes, bytes);
        uint64_t total = limits_.memory_in_use ? limits_.memory_in_use->load() : bytes;
        if (total > limits_.max_memory_bytes ||
            (limits_.cancel && limits_.cancel->load(std::memory_order_relaxed)) ||
            std::chrono::steady_clock::now() > limits_.deadline)
          return finish(SearchOutcome::kGaveUp);
      }
      State next{};
      if (info_from < 0) {
        const uint32_t entry = cursor;
        if (entries_[entry].is_call) {
          const uint32_t r = entries_[entry].rank;
          if (pass == 0 && !read_only_[r]) {
            cursor = next_[entry];
            continue;
          }
          if (pass == 1 && ((limits_.reads_first && read_only_[r]) ||  // failed in pass 0
                            (limits_.symmetry && first_ret_[same_[r]] != ret_pos(entry)))) {
            cursor = next_[entry];
            continue;
          }
          uint32_t new_lo, new_hi;
          mark(r, &new_lo, &new_hi);
          if (try_step(ops_[ok_[r]].op, &next, zobrist_[r], new_lo, new_hi)) {
            // (next == state: from a wildcard state even a read decides something.)
            const bool forced = pass == 0 && next == state;
            stack.push_back(
                Frame{Frame::kOk, forced, pass, r, entry, ok_[r], lo, hi, std::move(state)});
            state = std::move(next);
            take(r, entry, new_lo, new_hi);
            continue;
          }
          unmark(r);
          cursor = next_[entry];
          continue;
        }
        if (pass == 0) {
          pass = 1;
          cursor = next_[kHead];
          continue;
        }
        info_from = 0;  // no ok op can go next: try the info classes
      }
      const uint32_t limit = entries_[cursor].pos;
      bool moved = false;
      for (uint32_t k = static_cast<uint32_t>(info_from); k < classes_.size(); ++k) {
        const InfoClass& c = classes_[k];
        if (used[k] == c.ops.size() || ops_[c.ops[used[k]]].call > limit) continue;
        layout_.add(counts.data(), k, 1);
        if (try_step(c.op, &next, 0, lo, hi)) {
          stack.push_back(
              Frame{Frame::kInfo, false, 1, k, cursor, c.ops[used[k]], lo, hi, std::move(state)});
          state = std::move(next);
          ++used[k];
          enter_node();
          moved = true;
          break;
        }
        layout_.add(counts.data(), k, -1);
      }
      if (moved) continue;
      // Last, an optional op whose return is here may be left out.
      const int64_t classes = static_cast<int64_t>(classes_.size());
      if (info_from <= classes && optional_[entries_[cursor].rank]) {
        info_from = classes + 1;  // tried: after a pop, the node is done
        const uint32_t r = entries_[cursor].rank, call = entries_[cursor].match;
        uint32_t new_lo, new_hi;
        mark(r, &new_lo, &new_hi);
        if (cache.insert(ok_hash ^ zobrist_[r] ^ model_.hash(state), new_lo, new_hi, lin.data(),
                         state, counts.data())) {
          stack.push_back(Frame{Frame::kDrop, false, 1, r, call, ok_[r], lo, hi, state});
          take(r, call, new_lo, new_hi);
          continue;
        }
        unmark(r);
      }
      // Stuck: nothing can be linearized before the return at `cursor`.
      note_stuck(cursor, state, stack, &best_pos, &result);
      if (stack.empty() || proved_) return finish(SearchOutcome::kNotLinearizable);
      Frame f = std::move(stack.back());
      stack.pop_back();
      state = std::move(f.state);
      lo = f.lo;
      hi = f.hi;
      if (f.kind == Frame::kInfo) {
        --used[f.id];
        layout_.add(counts.data(), f.id, -1);
        cursor = f.entry;
        info_from = f.id + 1;
      } else if (f.kind == Frame::kDrop) {
        untake(f.id, f.entry);
        cursor = entries_[f.entry].match;
        info_from = classes + 1;
      } else {
        untake(f.id, f.entry);
        cursor = next_[f.entry];
        pass = f.pass;
        info_from = -1;
        if (f.forced) {  // nothing else at this node can succeed: fail it
          while (entries_[cursor].is_call) cursor = next_[cursor];
          info_from = static_cast<int64_t>(classes_.size());
        }
      }
    }
  }

 private:
  static constexpr uint32_t kHead = 0;  // list sentinel; entries start at 1

  struct Entry {
    uint32_t pos;    // call or return position
    uint32_t rank;   // the op's rank among ok ops (ok_ index)
    uint32_t match;  // the entry of the op's other end
    bool is_call;
  };
  struct InfoClass {
    Op op;
    std::vector<uint32_t> ops;  // indexes into ops_, by call
  };
  struct Frame {
    enum Kind : uint8_t { kOk, kInfo, kDrop } kind;  // linearized, or left out (kDrop)
    bool forced;     // a read-only ok op: its node has no other choice
    int pass;        // ok: the pass it was tried in
    uint32_t id;     // ok or dropped: rank; info: class
    uint32_t entry;  // ok or dropped: its call entry; info: the node's first pending return
    uint32_t op;     // index into ops_
    uint32_t lo, hi;
    State state;  // before the op
  };

  void build_entries() {
    for (uint32_t i = 0; i < ops_.size(); ++i)
      if (!ops_[i].info) ok_.push_back(i);
    entries_.resize(1 + 2 * ok_.size());
    std::vector<uint32_t> order;
    for (uint32_t r = 0; r < ok_.size(); ++r) {
      const SearchOp<Op>& o = ops_[ok_[r]];
      entries_[1 + 2 * r] = Entry{o.call, r, 2 + 2 * r, true};
      entries_[2 + 2 * r] = Entry{o.ret, r, 1 + 2 * r, false};
      order.push_back(1 + 2 * r);
      order.push_back(2 + 2 * r);
    }
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return entries_[a].pos < entries_[b].pos; });
    next_.assign(entries_.size(), kHead);
    prev_.assign(entries_.size(), kHead);
    uint32_t last = kHead;
    for (uint32_t e : order) {
      next_[last] = e;
      prev_[e] = last;
      last = e;
    }
    next_[last] = kHead;
    prev_[kHead] = last;
    entries_[kHead] = Entry{UINT32_MAX, 0, 0, false};  // the sentinel acts as a final return
    std::unordered_map<uint64_t, std::vector<uint32_t>> by_hash;  // op hash -> ranks
    for (uint32_t r = 0; r < ok_.size(); ++r) {
      const Op& op = ops_[ok_[r]].op;
      read_only_.push_back(model_.read_only(op));
      optional_.push_back(ops_[ok_[r]].optional);
      uint32_t same = r;
      for (uint32_t other : by_hash[Model::hash(op)])
        if (ops_[ok_[other]].op == op && optional_[other] == optional_[r]) same = same_[other];
      if (same == r) by_hash[Model::hash(op)].push_back(r);
      same_.push_back(same);
    }
    first_ret_.assign(ok_.size(), UINT32_MAX);
    std::mt19937_64 rng(0x5eed);
    zobrist_.resize(ok_.size());
    for (auto& z : zobrist_) z = rng();
  }

  void build_classes() {
    std::unordered_map<uint64_t, std::vector<uint32_t>> by_hash;  // op hash -> classes
    for (uint32_t i = 0; i < ops_.size(); ++i) {
      if (!ops_[i].info) continue;
      uint32_t k = UINT32_MAX;
      if (limits_.symmetry) {
        for (uint32_t c : by_hash[Model::hash(ops_[i].op)])
          if (classes_[c].op == ops_[i].op) k = c;
      }
      if (k == UINT32_MAX) {
        k = static_cast<uint32_t>(classes_.size());
        classes_.push_back(InfoClass{ops_[i].op, {}});
        if (limits_.symmetry) by_hash[Model::hash(ops_[i].op)].push_back(k);
      }
      classes_[k].ops.push_back(i);
    }
    for (const InfoClass& c : classes_) layout_.add_class(static_cast<uint32_t>(c.ops.size()));
  }

  // Removes an ok op's call and return entries from the list (dancing links).
  void lift(uint32_t call) {
    uint32_t ret = entries_[call].match;
    next_[prev_[call]] = next_[call];
    prev_[next_[call]] = prev_[call];
    next_[prev_[ret]] = next_[ret];
    prev_[next_[ret]] = prev_[ret];
  }
  // Undoes lift(call), in reverse order.
  void unlift(uint32_t call) {
    uint32_t ret = entries_[call].match;
    prev_[next_[ret]] = ret;
    next_[prev_[ret]] = ret;
    prev_[next_[call]] = call;
    next_[prev_[call]] = call;
  }

  uint32_t ret_pos(uint32_t call_entry) const { return entries_[entries_[call_entry].match].pos; }

  // For each class of equal ok ops, the earliest return among the node's
  // candidates (first_ret_), for the symmetry rule above.
  void first_returns() {
    if (!limits_.symmetry) return;
    for (uint32_t e = next_[kHead]; entries_[e].is_call; e = next_[e])
      first_ret_[same_[entries_[e].rank]] = UINT32_MAX;
    for (uint32_t e = next_[kHead]; entries_[e].is_call; e = next_[e]) {
      uint32_t& best = first_ret_[same_[entries_[e].rank]];
      best = std::min(best, ret_pos(e));
    }
  }

  static uint32_t next_unset(const std::vector<uint64_t>& bits, uint32_t from) {
    uint32_t w = from / 64;
    uint64_t word = ~bits[w] & (~0ull << (from % 64));
    while (word == 0) word = ~bits[++w];
    return w * 64 + static_cast<uint32_t>(__builtin_ctzll(word));
  }

  // Remembers the furthest return the search could not get past, with the
  // states it was stuck in and the path that got there.
  void note_stuck(uint32_t ret_entry, const State& state, const std::vector<Frame>& stack,
                  int64_t* best_pos, SearchResult<State>* result) {
    const Entry& e = entries_[ret_entry];
    if (e.pos > *best_pos) {
      *best_pos = e.pos;
      stuck_since_best_ = 0;
      result->stuck_op = ok_[e.rank];
      result->states_before.clear();
      result->prefix.clear();
      for (const Frame& f : stack) result->prefix.push_back(f.op);
    }
    if (e.pos == *best_pos && result->states_before.size() < 16 &&
        std::find(result->states_before.begin(), result->states_before.end(), state) ==
            result->states_before.end())
      result->states_before.push_back(state);
    if (++stuck_since_best_ == limits_.prove_after && prover_) proved_ = prover_(result->stuck_op);
  }

  const Model& model_;
  const std::vector<SearchOp<Op>>& ops_;
  const SearchLimits limits_;
  const State initial_;
  std::function<bool(uint32_t)> prover_;
  uint32_t stuck_since_best_ = 0;
  bool proved_ = false;
  std::vector<uint32_t> ok_;  // ok ops (indexes into ops_) by call: their rank
  std::vector<Entry> entries_;
  std::vector<uint32_t> next_, prev_;
  std::vector<bool> read_only_;      // by ok rank
  std::vector<bool> optional_;       // by ok rank
  std::vector<uint32_t> same_;       // by ok rank: the lowest rank with an equal op
  std::vector<uint32_t> first_ret_;  // by same_ value, see first_returns()
  std::vector<uint64_t> zobrist_;    // random bits per ok rank, XORed into the set's hash
  std::vector<InfoClass> classes_;
  CountLayout layout_;
};

}  // namespace faultline
