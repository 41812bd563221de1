// Sources (once, repeat, from_fn) and the generators that restart others
// (repeat of a generator, cycle) or produce nothing (sleep).
#include <utility>

#include "harness/generator/generator.h"

namespace faultline::gen {
namespace {

// Stamps a source's op with the current time and a random free thread.
Next start_now(Op op, const Context& ctx, int thread) {
  op.type = EventType::kInvoke;
  op.time = ctx.time();
  op.process = ctx.process(thread);
  return Next::invoke(std::move(op), thread);
}

class Once : public Generator {
 public:
  explicit Once(Op op) : op_(std::move(op)) {}
  Next next(const Context& ctx) override {
    if (done_) return Next::exhausted();
    std::optional<int> thread = ctx.some_free_thread();
    if (!thread) return Next::pending();
    return start_now(op_, ctx, *thread);
  }
  void commit(const Context&, const Op&, int) override { done_ = true; }
  GenPtr clone() const override { return std::make_unique<Once>(*this); }

 private:
  Op op_;
  bool done_ = false;
};

class FromFn : public Generator {
 public:
  using Fn = std::function<std::optional<Op>(const Context&)>;
  explicit FromFn(std::shared_ptr<Fn> fn) : fn_(std::move(fn)) {}
  Next next(const Context& ctx) override {
    if (done_) return Next::exhausted();
    std::optional<int> thread = ctx.some_free_thread();
    if (!thread) return Next::pending();
    if (!proposal_) {
      proposal_ = (*fn_)(ctx);
      if (!proposal_) {
        done_ = true;
        return Next::exhausted();
      }
    }
    return start_now(*proposal_, ctx, *thread);
  }
  void commit(const Context&, const Op&, int) override { proposal_.reset(); }
  GenPtr clone() const override { return std::make_unique<FromFn>(*this); }

 private:
  std::shared_ptr<Fn> fn_;
  std::optional<Op> proposal_;  // fn's op, kept until dispatched
  bool done_ = false;
};

// A fresh copy of the prototype per op.
class Repeat : public Generator {
 public:
  Repeat(GenPtr prototype, int64_t times)
      : prototype_(std::move(prototype)), current_(prototype_->clone()), remaining_(times) {}
  Repeat(const Repeat& other)
      : prototype_(other.prototype_->clone()),
        current_(other.current_->clone()),
        remaining_(other.remaining_) {}
  Next next(const Context& ctx) override {
    if (remaining_ == 0) return Next::exhausted();
    return current_->next(ctx);
  }
  void commit(const Context& ctx, const Op& op, int thread) override {
    current_->commit(ctx, op, thread);
    if (remaining_ > 0) --remaining_;
    current_ = prototype_->clone();
  }
  void update(const Context& ctx, const Op& event, int thread) override {
    current_->update(ctx, event, thread);
  }
  GenPtr clone() const override { return std::make_unique<Repeat>(*this); }

 private:
  GenPtr prototype_;
  GenPtr current_;
  int64_t remaining_;  // < 0: forever
};

// A fresh copy of the prototype each time the current one is exhausted.
class Cycle : public Generator {
 public:
  Cycle(GenPtr prototype, int64_t times)
      : prototype_(std::move(prototype)), current_(prototype_->clone()), remaining_(times) {}
  Cycle(const Cycle& other)
      : prototype_(other.prototype_->clone()),
        current_(other.current_->clone()),
        remaining_(other.remaining_),
        fresh_(other.fresh_) {}
  Next next(const Context& ctx) override {
    while (remaining_ != 0) {
      Next n = current_->next(ctx);
      if (!n.is_exhausted()) {
        fresh_ = false;
        return n;
      }
      // A copy exhausted before it did anything would be again: stop rather
      // than spin.
      if (fresh_) break;
      if (remaining_ > 0) --remaining_;
      current_ = prototype_->clone();
      fresh_ = true;
    }
    remaining_ = 0;
    return Next::exhausted();
  }
  void commit(const Context& ctx, const Op& op, int thread) override {
    current_->commit(ctx, op, thread);
  }
  void update(const Context& ctx, const Op& event, int thread) override {
    current_->update(ctx, event, thread);
  }
  GenPtr clone() const override { return std::make_unique<Cycle>(*this); }

 private:
  GenPtr prototype_;
  GenPtr current_;
  int64_t remaining_;  // copies left to run, counting the current one; < 0: forever
  bool fresh_ = true;  // current_ has not yet answered anything but exhausted
};

class Sleep : public Generator {
 public:
  explicit Sleep(int64_t duration) : duration_(duration) {}
  Next next(const Context& ctx) override {
    if (start_ < 0) start_ = ctx.time();
    if (ctx.time() >= start_ + duration_) return Next::exhausted();
    return Next::pending(start_ + duration_);
  }
  void commit(const Context&, const Op&, int) override {}  // never proposes
  GenPtr clone() const override { return std::make_unique<Sleep>(*this); }

 private:
  int64_t duration_;
  int64_t start_ = -1;  // when first asked
};

}  // namespace

GenPtr once(Op op) { return std::make_unique<Once>(std::move(op)); }

GenPtr repeat(Op op) { return repeat(once(std::move(op))); }

GenPtr from_fn(std::function<std::optional<Op>(const Context&)> fn) {
  return std::make_unique<FromFn>(std::make_shared<FromFn::Fn>(std::move(fn)));
}

Op op(std::string f, nlohmann::json value) {
  Op o;
  o.f = std::move(f);
  o.value = std::move(value);
  return o;
}

GenPtr repeat(GenPtr g, int64_t times) { return std::make_unique<Repeat>(std::move(g), times); }

GenPtr cycle(GenPtr g, int64_t times) { return std::make_unique<Cycle>(std::move(g), times); }

GenPtr sleep(nanoseconds d) { return std::make_unique<Sleep>(d.count()); }

}  // namespace faultline::gen
