// Counting and time: limit, time_limit, stagger, delay, rate.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "harness/generator/generator.h"

namespace faultline::gen {
namespace {

// Deep-copies a child for the copy constructors of single-child combinators.
class Wrapper : public Generator {
 public:
  explicit Wrapper(GenPtr child) : child_(std::move(child)) {}
  Wrapper(const Wrapper& other) : child_(other.child_->clone()) {}
  void commit(const Context& ctx, const Op& op, int thread) override {
    child_->commit(ctx, op, thread);
  }
  void update(const Context& ctx, const Op& event, int thread) override {
    child_->update(ctx, event, thread);
  }

 protected:
  GenPtr child_;
};

class Limit : public Wrapper {
 public:
  Limit(int64_t n, GenPtr child) : Wrapper(std::move(child)), remaining_(n) {}
  Next next(const Context& ctx) override {
    if (remaining_ <= 0) return Next::exhausted();
    return child_->next(ctx);
  }
  void commit(const Context& ctx, const Op& op, int thread) override {
    --remaining_;
    child_->commit(ctx, op, thread);
  }
  GenPtr clone() const override { return std::make_unique<Limit>(*this); }

 private:
  int64_t remaining_;
};

class TimeLimit : public Wrapper {
 public:
  TimeLimit(int64_t duration, GenPtr child) : Wrapper(std::move(child)), duration_(duration) {}
  Next next(const Context& ctx) override {
    if (deadline_ == kNever) deadline_ = ctx.time() + duration_;
    if (ctx.time() >= deadline_) return Next::exhausted();
    Next n = child_->next(ctx);
    // An op that could only start after the deadline is not taken; another
    // thread might still propose an earlier one, so ask again then.
    if (n.is_op() && n.op->time >= deadline_) return Next::pending(deadline_);
    if (n.is_pending()) n.wake = std::min(n.wake, deadline_);
    return n;
  }
  GenPtr clone() const override { return std::make_unique<TimeLimit>(*this); }

 private:
  int64_t duration_;
  int64_t deadline_ = kNever;  // set when first asked
};

// Spaces the ops of its child: each starts `gap()` after the previous one
// was due (its proposed start, so a late dispatch does not pile up delays,
// and a stall does not cause a burst afterwards).
class Spaced : public Wrapper {
 public:
  Spaced(int64_t interval, bool random, GenPtr child)
      : Wrapper(std::move(child)), interval_(interval), random_(random) {}
  Next next(const Context& ctx) override {
    // Nothing starts before next_time_, so the child is not asked until
    // then: its proposal would be dropped, and at a steady rate building
    // proposals again and again was most of a simulation's generator time.
    if (ctx.time() < next_time_) return Next::pending(next_time_);
    Next n = child_->next(ctx);
    if (n.is_op()) {
      n.op->time = std::max(n.op->time, next_time_);
      proposed_time_ = n.op->time;
    }
    return n;
  }
  void commit(const Context& ctx, const Op& op, int thread) override {
    child_->commit(ctx, op, thread);
    int64_t gap = interval_;
    if (random_ && interval_ > 0) {
      gap = std::uniform_int_distribution<int64_t>(0, 2 * interval_ - 1)(ctx.rng());
    }
    next_time_ = proposed_time_ + gap;
  }
  GenPtr clone() const override { return std::make_unique<Spaced>(*this); }

 private:
  int64_t interval_;  // the gap, or its mean if random_
  bool random_;
  int64_t next_time_ = 0;  // no op may start before
  int64_t proposed_time_ = 0;
};

int64_t non_negative(const char* what, int64_t ns) {
  if (ns < 0) throw std::invalid_argument(std::string(what) + ": negative duration");
  return ns;
}

}  // namespace

GenPtr limit(int64_t n, GenPtr g) { return std::make_unique<Limit>(n, std::move(g)); }

GenPtr time_limit(nanoseconds d, GenPtr g) {
  return std::make_unique<TimeLimit>(non_negative("time_limit", d.count()), std::move(g));
}

GenPtr stagger(nanoseconds mean, GenPtr g) {
  return std::make_unique<Spaced>(non_negative("stagger", mean.count()), true, std::move(g));
}

GenPtr delay(nanoseconds d, GenPtr g) {
  return std::make_unique<Spaced>(non_negative("delay", d.count()), false, std::move(g));
}

GenPtr rate(double ops_per_second, GenPtr g) {
  if (!(ops_per_second > 0)) {
    throw std::invalid_argument("rate: ops per second must be positive, got " +
                                std::to_string(ops_per_second));
  }
  return delay(nanoseconds(static_cast<int64_t>(1e9 / ops_per_second)), std::move(g));
}

}  // namespace faultline::gen
