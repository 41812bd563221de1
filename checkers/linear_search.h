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
//
// Lookahead, for models that tell (models.h: resets, may_see): when an
// ok read cannot go at a node and can never succeed later either -- no
// sequence of non-resetting ops leads from the state to one it reads, and
// every resetting op that could still go before it and might lead there is
// done -- the configuration is dead and the search backtracks at once. This
// is what keeps an append taken too early from being carried through every
// order of the ops that follow it until a return finally fails. And when no
// read that can still go before the next reset could see the state, the
// state is memoized as the model's `lost` state: the orders of writes that a
// put will overwrite unseen become one configuration instead of many.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <unordered_map>
#include <vector>

#include "checkers/lookahead.h"
#include "checkers/search_cache.h"
#include "checkers/search_types.h"

namespace faultline {

template <class Model>
class LinearSearch {
 public:
  using Op = typename Model::Op;
  using State = typename Model::State;

  // `ops` must be sorted by call. The search starts from `initial`, or from
  // the model's initial state if it is null.
  LinearSearch(const Model& model, const std::vector<SearchOp<Op>>& ops, const SearchLimits& limits,
               const State* initial = nullptr)
      : model_(model),
        ops_(ops),
        limits_(limits),
        initial_(initial ? *initial : model.init()),
        state_(initial_) {
    build_entries();
    build_classes();
    if (limits_.optimized) enablers_.build(model_, ops_, ok_, read_only_, optional_);
    cache_.emplace(layout_, limits_.optimized);
    lin_.assign((ok_.size() + 64) / 64, 0);
    counts_.assign(layout_.words + 1, 0);
    used_.assign(classes_.size(), 0);
    remaining_ = static_cast<uint32_t>(ok_.size());
    result_.optimized = limits_.optimized;
    enter_node();
  }
  LinearSearch(const LinearSearch&) = delete;
  LinearSearch& operator=(const LinearSearch&) = delete;
  ~LinearSearch() {
    if (limits_.memory_in_use) limits_.memory_in_use->fetch_sub(charged_);
  }

  // A shortcut for histories that are not linearizable: when the search has
  // been stuck many times at its furthest return, `prover` is asked, with
  // that return's op (an index into `ops`), whether it can show the ops not
  // linearizable some cheaper way (minimal_core.h: a window of ops before
  // it, with all else relaxed, already fails). If it can, the search ends
  // there: without it, showing that nothing works means trying everything,
  // which is what makes invalid histories slow. The prover's steps are
  // bounded by a quarter of the search's own (at least kProverFloor), so a
  // prover that cannot help costs a valid history at most that much.
  void set_prover(Prover prover) { prover_ = std::move(prover); }
  static constexpr uint64_t kProverFloor = 4096;

  // Searches to the end.
  SearchResult<State> run() {
    run_for(UINT64_MAX);
    return std::move(result_);
  }

  // Searches for at most `work` more work units (below): kRunning if it has
  // no answer yet (call again to go on), else the answer, which result()
  // then holds.
  SearchOutcome run_for(uint64_t work) {
    if (done_) return result_.outcome;
    for (const uint64_t until = work_ + std::min(work, UINT64_MAX - work_); work_ < until;) {
      if (remaining_ == 0) return finish(SearchOutcome::kLinearizable);
      work_ += kStepWork;
      if ((steps_++ & 1023) == 0 && over_budget()) return finish(SearchOutcome::kGaveUp);
      if (advance() && !proved_) continue;
      // Stuck: nothing can be linearized before the return at `cursor_`.
      if (!proved_) note_stuck(cursor_, UINT32_MAX);
      if (stack_.empty() || proved_) return finish(SearchOutcome::kNotLinearizable);
      backtrack();
    }
    return SearchOutcome::kRunning;
  }

  SearchResult<State>& result() { return result_; }
  uint64_t steps() const { return steps_; }
  // Work units (search_types.h: kStepWork) so far.
  uint64_t work() const { return work_; }

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

  // Moves one op forward from the node the search is at: the next of its
  // candidates that can go -- ok ops (read-only ones first), then one op per
  // info class, then leaving out an optional op whose return is here.
  // False when none can: the search is stuck at the return at `cursor_`.
  bool advance() {
    if (info_from_ < 0 && advance_ok()) return true;
    return advance_info() || advance_drop();
  }

  // The node's ok candidates: the calls before its first pending return, in
  // list order, in two passes (read-only ops, then the others).
  bool advance_ok() {
    const bool optimized = limits_.optimized;
    while (true) {
      ++work_;
      const uint32_t entry = cursor_;
      if (!entries_[entry].is_call) {
        if (pass_ == 1) break;
        pass_ = 1;
        cursor_ = next_[kHead];
        continue;
      }
      cursor_ = next_[entry];
      const uint32_t r = entries_[entry].rank;
      if (pass_ == 0 && !read_only_[r]) continue;
      if (pass_ == 1 && optimized &&  // failed in pass 0, or an equal op returns sooner
          (read_only_[r] || (twin_[r] && !returns_first(entry))))
        continue;
      // Read order (lookahead.h): r may not go before that read.
      if (const uint32_t read = optimized ? enablers_.unmet_read(r, lin_) : UINT32_MAX;
          read != UINT32_MAX) {
        note_stuck(2 + 2 * read, r);  // (its return entry)
        continue;
      }
      uint32_t new_lo, new_hi;
      mark(r, &new_lo, &new_hi);
      State next{};
      if (try_step(ops_[ok_[r]].op, &next, zobrist_[r], new_lo, new_hi, r)) {
        // (next == state: from a wildcard state even a read decides something.)
        const bool forced = pass_ == 0 && next == state_;
        push(Frame{Frame::kOk, forced, pass_, r, entry, ok_[r], lo_, hi_, std::move(state_)});
        state_ = std::move(next);
        take(r, entry, new_lo, new_hi);
        if (!read_only_[r]) look_ahead();
        return true;
      }
      unmark(r);
    }
    info_from_ = 0;  // cursor_ is at the node's first pending return
    return false;
  }

  // One info op per class, from class info_from_ on: the earliest-invoked
  // unused op of the class, if it was invoked before the pending return.
  bool advance_info() {
    const uint32_t limit = entries_[cursor_].pos;
    for (uint32_t k = static_cast<uint32_t>(info_from_); k < classes_.size(); ++k) {
      ++work_;
      const InfoClass& c = classes_[k];
      if (used_[k] == c.ops.size() || ops_[c.ops[used_[k]]].call > limit) continue;
      layout_.add(counts_.data(), k, 1);
      State next{};
      if (try_step(c.op, &next, 0, lo_, hi_, UINT32_MAX)) {
        push(Frame{Frame::kInfo, false, 1, k, cursor_, c.ops[used_[k]], lo_, hi_,
                   std::move(state_)});
        state_ = std::move(next);
        ++used_[k];
        enter_node();
        look_ahead();
        return true;
      }
      layout_.add(counts_.data(), k, -1);
    }
    return false;
  }

  // Last, an optional op whose return is at `cursor_` may be left out.
  bool advance_drop() {
    const int64_t classes = static_cast<int64_t>(classes_.size());
    if (info_from_ > classes || !optional_[entries_[cursor_].rank]) return false;
    info_from_ = classes + 1;  // tried: after a pop, the node is done
    const uint32_t r = entries_[cursor_].rank, call = entries_[cursor_].match;
    uint32_t new_lo, new_hi;
    mark(r, &new_lo, &new_hi);
    if (!cache_->insert(ok_hash_ ^ zobrist_[r] ^ model_.hash(state_), new_lo, new_hi, lin_.data(),
                        state_, counts_.data())) {
      unmark(r);
      return false;
    }
    push(Frame{Frame::kDrop, false, 1, r, call, ok_[r], lo_, hi_, state_});
    take(r, call, new_lo, new_hi);
    return true;
  }

  // Undoes the last move; the node it was made at goes on with its next
  // candidate.
  void backtrack() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    stack_heap_ -= state_heap_bytes(f.state);
    state_ = std::move(f.state);
    lo_ = f.lo;
    hi_ = f.hi;
    const int64_t classes = static_cast<int64_t>(classes_.size());
    if (f.kind == Frame::kInfo) {
      --used_[f.id];
      layout_.add(counts_.data(), f.id, -1);
      cursor_ = f.entry;
      info_from_ = f.id + 1;
    } else if (f.kind == Frame::kDrop) {
      untake(f.id, f.entry);
      cursor_ = entries_[f.entry].match;
      info_from_ = classes + 1;
    } else {
      untake(f.id, f.entry);
      cursor_ = next_[f.entry];
      pass_ = f.pass;
      info_from_ = -1;
      if (f.forced) {  // nothing else at this node can succeed: fail it
        while (entries_[cursor_].is_call) cursor_ = next_[cursor_];
        info_from_ = classes;
      }
    }
  }

  void enter_node() {
    cursor_ = next_[kHead];
    pass_ = limits_.optimized ? 0 : 1;
    info_from_ = -1;
  }

  // Steps `op` (ok rank `rank`, or an info op: UINT32_MAX) from the state
  // and memoizes the configuration; false if the step fails or was seen.
  bool try_step(const Op& op, State* next, uint64_t hash_delta, uint32_t new_lo, uint32_t new_hi,
                uint32_t rank) {
    if (!model_.step(state_, op, next)) return false;
    if constexpr (HasLookahead<Model>) {
      // Memoized as lost, searched on as it is (equivalent until a reset,
      // and it still says what went before in explanations).
      if (enablers_.on() && !model_.read_only(op) && unobserved(*next, rank)) {
        const State lost = model_.lost();
        return cache_->insert(ok_hash_ ^ hash_delta ^ model_.hash(lost), new_lo, new_hi,
                              lin_.data(), lost, counts_.data());
      }
    }
    return cache_->insert(ok_hash_ ^ hash_delta ^ model_.hash(*next), new_lo, new_hi, lin_.data(),
                          *next, counts_.data());
  }

  // Lookahead, on entering a node by a move that changed the state: if one
  // of the ok reads called in the next kLookahead entries of the list can
  // never succeed, the node is dead: it tries nothing, so the search
  // backtracks, stuck at that read's return (the path cannot get past it,
  // and note_stuck() takes the furthest such return to mean that the ops
  // called before it are not linearizable).
  void look_ahead() {
    if constexpr (HasLookahead<Model>) {
      if (!enablers_.on()) return;
      uint32_t e = next_[kHead];
      for (int seen = 0; e != kHead && seen < kLookahead; e = next_[e], ++seen, ++work_) {
        if (!entries_[e].is_call || !enablers_.judged(entries_[e].rank) ||
            !hopeless(entries_[e].rank))
          continue;
        cursor_ = entries_[e].match;
        info_from_ = static_cast<int64_t>(classes_.size()) + 1;  // no info op, no drop either
        return;
      }
    }
  }
  static constexpr int kLookahead = 64;

  // Whether no op can see `state` (or what ops that do not reset make of
  // it), with ok rank `moving` (UINT32_MAX: none) about to leave the list:
  // no crashed op left that does not reset may see it, nor any ok op called
  // before the first return of a resetting ok op that must go (not
  // optional); ops called after that return come after the reset. Looks at
  // most kLookahead entries ahead.
  bool unobserved(const State& state, uint32_t moving) {
    if constexpr (HasLookahead<Model>) {
      work_ += classes_.size();
      for (uint32_t k = 0; k < classes_.size(); ++k)
        if (used_[k] < classes_[k].ops.size() && !model_.resets(classes_[k].op) &&
            model_.may_see(state, classes_[k].op))
          return false;
      uint32_t e = next_[kHead];
      for (int seen = 0; e != kHead && seen < kLookahead; e = next_[e], ++seen, ++work_) {
        const uint32_t r = entries_[e].rank;
        if (r == moving) continue;
        const Op& op = ops_[ok_[r]].op;
        if (entries_[e].is_call) {
          if (!model_.resets(op) && model_.may_see(state, op)) return false;
        } else if (!optional_[r] && model_.resets(op)) {
          return true;
        }
      }
      return e == kHead;  // no read is left to see it
    }
    return false;
  }

  // Whether ok read r can never succeed: the state cannot lead to one it
  // reads, and every resetting op that could go before it and might lead
  // there is done.
  bool hopeless(uint32_t r) const {
    if constexpr (HasLookahead<Model>) {
      return !model_.may_see(state_, ops_[ok_[r]].op) && enablers_.all_done(r, lin_);
    }
    return false;
  }

  // Marks ok rank r done (linearized or left out) in `lin_`, giving the new
  // bounds, so that the cache can be probed; unmark() takes it back.
  void mark(uint32_t r, uint32_t* new_lo, uint32_t* new_hi) {
    lin_[r / 64] |= 1ull << (r % 64);
    *new_lo = r == lo_ ? next_unset(lin_, lo_) : lo_;
    *new_hi = std::max(hi_, r + 1);
  }
  void unmark(uint32_t r) { lin_[r / 64] &= ~(1ull << (r % 64)); }
  // Makes a marked rank r done for good: its entries leave the list. The
  // pushed frame keeps the old lo and hi; untake() undoes the rest.
  void take(uint32_t r, uint32_t call, uint32_t new_lo, uint32_t new_hi) {
    lo_ = new_lo;
    hi_ = new_hi;
    ok_hash_ ^= zobrist_[r];
    --remaining_;
    lift(call);
    enter_node();
  }
  void untake(uint32_t r, uint32_t call) {
    unmark(r);
    ok_hash_ ^= zobrist_[r];
    ++remaining_;
    unlift(call);
  }
  void push(Frame f) {
    stack_heap_ += state_heap_bytes(f.state);
    stack_.push_back(std::move(f));
  }

  uint64_t bytes() const {
    return cache_->bytes() + stack_.capacity() * sizeof(Frame) + stack_heap_;
  }
  // Charges the memory held to the check's account; whether a budget (or
  // the cancel flag) says stop.
  bool over_budget() {
    const uint64_t held = bytes();
    if (limits_.memory_in_use && held > charged_) {
      limits_.memory_in_use->fetch_add(held - charged_);
      charged_ = held;
    }
    result_.peak_bytes = std::max(result_.peak_bytes, held);
    const uint64_t total = limits_.memory_in_use ? limits_.memory_in_use->load() : held;
    if (total > limits_.max_memory_bytes) return result_.stopped_by = "memory", true;
    if (steps_ > limits_.max_steps) return result_.stopped_by = "steps", true;
    if (limits_.cancel && limits_.cancel->load(std::memory_order_relaxed))
      return result_.stopped_by = "cancelled", true;
    const auto now = std::chrono::steady_clock::now();
    if (now > limits_.deadline) return result_.stopped_by = "time", true;
    if (limits_.cutoff &&
        now.time_since_epoch().count() > limits_.cutoff->load(std::memory_order_relaxed))
      return result_.stopped_by = "cutoff", true;
    return false;
  }

  SearchOutcome finish(SearchOutcome outcome) {
    done_ = true;
    result_.outcome = outcome;
    result_.configurations = cache_->size();
    result_.steps = steps_;
    result_.peak_bytes = std::max(result_.peak_bytes, bytes());
    return outcome;
  }

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
    std::vector<uint32_t> class_size(ok_.size(), 0);
    for (uint32_t same : same_) ++class_size[same];
    for (uint32_t r = 0; r < ok_.size(); ++r) twin_.push_back(class_size[same_[r]] > 1);
    std::mt19937_64 rng(0x5eed);
    zobrist_.resize(ok_.size());
    for (auto& z : zobrist_) z = rng();
  }

  void build_classes() {
    std::unordered_map<uint64_t, std::vector<uint32_t>> by_hash;  // op hash -> classes
    for (uint32_t i = 0; i < ops_.size(); ++i) {
      if (!ops_[i].info) continue;
      uint32_t k = UINT32_MAX;
      if (limits_.optimized) {
        for (uint32_t c : by_hash[Model::hash(ops_[i].op)])
          if (classes_[c].op == ops_[i].op) k = c;
      }
      if (k == UINT32_MAX) {
        k = static_cast<uint32_t>(classes_.size());
        classes_.push_back(InfoClass{ops_[i].op, {}});
        if (limits_.optimized) by_hash[Model::hash(ops_[i].op)].push_back(k);
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

  // Whether no equal op among the node's candidates returns before the one
  // called at `call` (the symmetry rule above). Asked only of ops with a
  // twin, so histories of distinct values pay nothing for it.
  bool returns_first(uint32_t call) {
    const uint32_t same = same_[entries_[call].rank], ret = ret_pos(call);
    for (uint32_t e = next_[kHead]; entries_[e].is_call; e = next_[e], ++work_)
      if (same_[entries_[e].rank] == same && ret_pos(e) < ret) return false;
    return true;
  }

  static uint32_t next_unset(const std::vector<uint64_t>& bits, uint32_t from) {
    uint32_t w = from / 64;
    uint64_t word = ~bits[w] & (~0ull << (from % 64));
    while (word == 0) word = ~bits[++w];
    return w * 64 + static_cast<uint32_t>(__builtin_ctzll(word));
  }

  // Remembers the furthest return the search could not get past (at
  // `entry`), with the states it was stuck in and the path that got there;
  // asks the prover when it has been stuck there often (set_prover). With
  // `moved` (an ok rank) the path is the search's and then that op, which
  // read order did not let it take: a path cut there counts as stuck at the
  // read's return, so that the ops called before the furthest such return
  // still hold a minimal core (as with lookahead's dead configurations).
  void note_stuck(uint32_t entry, uint32_t moved) {
    const Entry& e = entries_[entry];
    if (e.pos > best_pos_) {
      best_pos_ = e.pos;
      stuck_since_best_ = 0;
      result_.stuck_op = ok_[e.rank];
      result_.states_before.clear();
      result_.prefix.clear();
      for (const Frame& f : stack_) result_.prefix.push_back(f.op);
      if (moved != UINT32_MAX) result_.prefix.push_back(ok_[moved]);
    }
    if (e.pos == best_pos_ && result_.states_before.size() < 16) {
      State state = state_;
      if (moved != UINT32_MAX) model_.step(state_, ops_[ok_[moved]].op, &state);
      if (std::find(result_.states_before.begin(), result_.states_before.end(), state) ==
          result_.states_before.end())
        result_.states_before.push_back(std::move(state));
    }
    if (++stuck_since_best_ < limits_.prove_after || !prover_) return;
    stuck_since_best_ = 0;
    // The allowance: a quarter of the search's steps, less what the prover
    // used; asked again about the same op only with twice the steps.
    const uint64_t allowance = std::max(kProverFloor, steps_ / 4);
    if (allowance <= prover_steps_) return;
    const uint64_t grant = allowance - prover_steps_;
    if (result_.stuck_op == proved_op_ && grant < 2 * last_grant_) return;
    uint64_t used = 0;
    proved_ = prover_(result_.stuck_op, grant, &used);
    prover_steps_ += used;
    proved_op_ = result_.stuck_op;
    last_grant_ = grant;
  }

  const Model& model_;
  const std::vector<SearchOp<Op>>& ops_;
  const SearchLimits limits_;
  const State initial_;
  Prover prover_;
  uint32_t stuck_since_best_ = 0;
  bool proved_ = false;
  uint64_t prover_steps_ = 0, last_grant_ = 0;  // see note_stuck()
  uint32_t proved_op_ = UINT32_MAX;             // the op the prover was last asked about
  std::vector<uint32_t> ok_;                    // ok ops (indexes into ops_) by call: their rank
  std::vector<Entry> entries_;
  std::vector<uint32_t> next_, prev_;
  std::vector<bool> read_only_;    // by ok rank
  std::vector<bool> optional_;     // by ok rank
  std::vector<uint32_t> same_;     // by ok rank: the lowest rank with an equal op
  std::vector<bool> twin_;         // by ok rank: some other op is equal
  std::vector<uint64_t> zobrist_;  // random bits per ok rank, XORed into the set's hash
  std::vector<InfoClass> classes_;
  CountLayout layout_;
  Enablers<Model> enablers_;  // lookahead's

  // The search's position: ok ops done (`lin_`: every rank < lo_ is, none
  // >= hi_ is), info ops used per class (packed in counts_, unpacked in
  // used_), the state, and the moves that got there (stack_). The node
  // being explored is at `cursor_`: a call entry while ok candidates are
  // tried (in pass_), a return entry when info classes (from info_from_ on)
  // or leaving out are tried.
  std::optional<SearchCache<State>> cache_;
  std::vector<uint64_t> lin_;
  std::vector<uint64_t> counts_;
  std::vector<uint32_t> used_;
  std::vector<Frame> stack_;
  uint64_t stack_heap_ = 0;  // heap bytes of the states in stack_ (what they had when pushed)
  State state_;
  uint32_t lo_ = 0, hi_ = 0;
  uint64_t ok_hash_ = 0;
  uint32_t remaining_ = 0;  // ok ops not yet done
  uint32_t cursor_ = kHead;
  int pass_ = 0;
  int64_t info_from_ = -1;  // >= 0: trying info classes from this one, at return cursor_
  uint64_t charged_ = 0, steps_ = 0, work_ = 0;
  int64_t best_pos_ = -1;  // position of the furthest return the search got stuck at
  bool done_ = false;
  SearchResult<State> result_;
};

}  // namespace faultline
