// Generators decide which operation each worker thread does when (Jepsen's
// jepsen.generator, with mutable objects). A generator is sans-I/O: it reads
// a Context (the time, which threads are free, each thread's process, a
// seeded RNG) and proposes the next invoke; the scheduler (scheduler.h) tells
// it which proposals were dispatched and every event that happened. Given the
// same seed and the same event timings a generator makes the same choices,
// so simulated runs (simulate.h) replay exactly. docs/generators.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "harness/generator/op.h"

namespace faultline {

// Thread ids: client threads are 0..concurrency-1 (thread t starts as process
// t); the nemesis thread is kNemesisThread and always runs as kNemesisProcess.
inline constexpr int kNemesisThread = -1;
// "No particular time": a Pending without a wake-up time.
inline constexpr int64_t kNever = INT64_MAX;

// The shared, mutable state behind every Context of one run. The scheduler
// owns it and updates it; generators only read it through a Context.
class ContextState {
 public:
  ContextState(int concurrency, bool nemesis, uint64_t seed);

  int concurrency() const { return concurrency_; }
  bool has_nemesis() const { return nemesis_; }
  // Every thread of the run: kNemesisThread first (if enabled), then 0..n-1.
  const std::vector<int>& threads() const { return threads_; }

  int64_t time() const { return time_; }
  void set_time(int64_t now) { time_ = now; }
  std::mt19937_64& rng() { return rng_; }

  bool is_free(int thread) const { return free_[slot(thread)] != 0; }
  void set_free(int thread, bool free) { free_[slot(thread)] = free ? 1 : 0; }
  int64_t process(int thread) const { return process_[slot(thread)]; }
  void set_process(int thread, int64_t process) { process_[slot(thread)] = process; }
  // Whether `thread` is a thread of this run.
  bool valid_thread(int thread) const {
    return thread >= (nemesis_ ? kNemesisThread : 0) && thread < concurrency_;
  }

 private:
  size_t slot(int thread) const { return static_cast<size_t>(thread + 1); }

  int concurrency_;
  bool nemesis_;
  std::vector<int> threads_;
  int64_t time_ = 0;
  std::mt19937_64 rng_;
  std::vector<char> free_;        // by slot; the nemesis slot exists even when disabled
  std::vector<int64_t> process_;  // by slot
};

// What a generator sees: the run's state, restricted to the threads it may
// use (combinators such as on_clients and each_thread hand their children a
// narrower view). Cheap to copy; valid while the ContextState and the thread
// list it points to live.
class Context {
 public:
  explicit Context(ContextState& state) : state_(&state), threads_(&state.threads()) {}

  int64_t time() const { return state_->time(); }
  std::mt19937_64& rng() const { return state_->rng(); }
  int concurrency() const { return state_->concurrency(); }
  // The threads this generator may use, ascending.
  const std::vector<int>& threads() const { return *threads_; }
  bool is_free(int thread) const { return state_->is_free(thread); }
  int64_t process(int thread) const { return state_->process(thread); }
  // A free thread of threads() drawn uniformly from rng(), if any. Not the
  // lowest: under a rate limit the lowest free thread would get nearly every
  // op, idling the clients homed on other nodes (and the faults they see).
  std::optional<int> some_free_thread() const;

  // The same state seen through `threads` (which must outlive the view and
  // be a subset of threads()).
  Context restricted(const std::vector<int>& threads) const {
    Context view = *this;
    view.threads_ = &threads;
    return view;
  }

 private:
  ContextState* state_;
  const std::vector<int>* threads_;
};

// A generator's answer to next(): an invoke to dispatch, nothing yet, or
// nothing ever again.
struct Next {
  enum class Kind : uint8_t { kOp, kPending, kExhausted };
  Kind kind = Kind::kExhausted;
  // kOp: the invoke. op->time is the earliest time it may start (>= the
  // context's time); the scheduler sets type, process and the actual time.
  // Empty otherwise: a scheduler's poll passes a pending or exhausted answer
  // up through every generator of the tree, several times per op.
  std::optional<Op> op;
  int thread = 0;  // kOp: the thread to run it on; free in the context
  // kPending: ask again at this time at the latest, and after any event
  // (kNever: only after an event).
  int64_t wake = kNever;

  static Next invoke(Op op, int thread) {
    Next n;
    n.kind = Kind::kOp;
    n.op = std::move(op);
    n.thread = thread;
    return n;
  }
  static Next pending(int64_t wake = kNever) {
    Next n;
    n.kind = Kind::kPending;
    n.wake = wake;
    return n;
  }
  static Next exhausted() { return Next(); }

  bool is_op() const { return kind == Kind::kOp; }
  bool is_pending() const { return kind == Kind::kPending; }
  bool is_exhausted() const { return kind == Kind::kExhausted; }
};

class Generator;
using GenPtr = std::unique_ptr<Generator>;

// The protocol, as the scheduler drives it:
//  - next(ctx) proposes; it may be called any number of times and must not
//    change what the generator will do (it may cache its proposal or set up
//    lazily, e.g. remember when it was first asked).
//  - commit(ctx, op, thread) says the op of the *latest* next() call was
//    dispatched on `thread` at op.time (which may be later than proposed).
//    State changes happen here, so proposals that are not taken (another
//    generator's op was sooner, its time has not come) change nothing. A
//    random choice that decides a proposal is drawn once and kept until that
//    proposal is committed, so asking again proposes the same.
//  - Exhausted is final: a generator that once answered kExhausted always
//    will (combinators drop such children).
//  - update(ctx, event, thread) reports every invoke and completion that
//    happened on a thread the generator may see, with the event's time and
//    process set, after the commit of that invoke. On a completion the
//    context already shows the thread free (and a retired process replaced).
class Generator {
 public:
  virtual ~Generator() = default;
  virtual Next next(const Context& ctx) = 0;
  virtual void commit(const Context& ctx, const Op& op, int thread) = 0;
  virtual void update(const Context& ctx, const Op& event, int thread) {
    (void)ctx;
    (void)event;
    (void)thread;
  }
  // A deep copy in the current state. Functions given to from_fn and
  // concurrent_keys are shared between copies, not copied.
  virtual GenPtr clone() const = 0;
};

namespace gen {

using std::chrono::nanoseconds;

// Builds a vector of generators: gen::list(a, b, c).
template <class... Gs>
std::vector<GenPtr> list(Gs... gens) {
  std::vector<GenPtr> out;
  out.reserve(sizeof...(gens));
  (out.push_back(std::move(gens)), ...);
  return out;
}

// --- Sources. Their ops start now (the op's own time field is ignored), on
// a random free thread of the context; pending while none is free.

// The op once.
GenPtr once(Op op);
// The op over and over (Jepsen's (repeat op)).
GenPtr repeat(Op op);
// fn(ctx) for each op (called once per dispatched op: its result is kept
// until dispatched); nullopt ends the generator.
GenPtr from_fn(std::function<std::optional<Op>(const Context&)> fn);
// A convenient op: {f, value} with no key.
Op op(std::string f, nlohmann::json value = nullptr);

// --- Counting and time.

// At most n ops of g.
GenPtr limit(int64_t n, GenPtr g);
// g's ops until d after the time limit was first asked for an op; then exhausted.
GenPtr time_limit(nanoseconds d, GenPtr g);
// Each op starts a random time (uniform in [0, 2*mean)) after the previous
// op of g started: mean `mean` between ops across all threads.
GenPtr stagger(nanoseconds mean, GenPtr g);
// Each op starts exactly d after the previous op of g started.
GenPtr delay(nanoseconds d, GenPtr g);
// delay(1 s / ops_per_second): that many ops per second across all threads.
GenPtr rate(double ops_per_second, GenPtr g);
// No ops; exhausted d after it was first asked (in phases: a pause).
GenPtr sleep(nanoseconds d);

// --- Composition.

// Each op from one of gens chosen at random (uniformly; exhausted gens drop out).
GenPtr mix(std::vector<GenPtr> gens);
// The soonest op of any of gens (ties: the first); exhausted when all are.
GenPtr any(std::vector<GenPtr> gens);
// gens one after another; each starts once the previous is exhausted and
// every op it dispatched has completed.
GenPtr phases(std::vector<GenPtr> gens);
GenPtr then(GenPtr first, GenPtr second);
// g again and again: a fresh copy of g (as given) for each op; times < 0: forever.
GenPtr repeat(GenPtr g, int64_t times = -1);
// g to exhaustion, then a fresh copy of g, ...; times < 0: forever.
GenPtr cycle(GenPtr g, int64_t times = -1);

// --- Threads.

// A separate copy of g for each thread of the context, seeing only that thread.
GenPtr each_thread(GenPtr g);
// g restricted to the context's threads for which pred(thread) holds; it is
// exhausted if there are none. Events on other threads are not passed to g.
GenPtr on_threads(std::function<bool(int thread)> pred, GenPtr g);
GenPtr on_clients(GenPtr g);
GenPtr on_nemesis(GenPtr g);

// --- Independent keys (Jepsen's independent/concurrent-generator).

// Keys to work on, in order; nullopt when there are no more.
using KeySource = std::function<std::optional<nlohmann::json>()>;
// 0, 1, 2, ... from `first`.
KeySource sequential_keys(int64_t first = 0);
// The generator for one key.
using PerKeyGen = std::function<GenPtr(const nlohmann::json& key)>;

// The client threads of the context in groups of threads_per_key (the number
// of client threads must be a multiple of it; else next() throws
// std::invalid_argument): each group runs per_key(key), limited to
// ops_per_key ops, on its own key from `keys`, then moves on to a fresh key;
// so several keys are in flight at once. Every op's `key` is set to its
// group's key. Exhausted when `keys` is and every group has finished.
GenPtr concurrent_keys(int threads_per_key, int64_t ops_per_key, KeySource keys, PerKeyGen per_key);

}  // namespace gen
}  // namespace faultline
