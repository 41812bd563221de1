// Threads: each_thread (a copy per thread) and on_threads (a subset).
#include <algorithm>
#include <utility>

#include "harness/generator/generator.h"
#include "harness/generator/soonest.h"

namespace faultline::gen {
namespace {

bool contains(const std::vector<int>& sorted, int thread) {
  return std::binary_search(sorted.begin(), sorted.end(), thread);
}

class OnThreads : public Generator {
 public:
  OnThreads(std::function<bool(int)> pred, GenPtr child)
      : pred_(std::move(pred)), child_(std::move(child)) {}
  OnThreads(const OnThreads& other)
      : pred_(other.pred_),
        child_(other.child_->clone()),
        threads_(other.threads_),
        known_(other.known_) {}
  Next next(const Context& ctx) override {
    if (!known_) {  // the parent's view is the same on every call
      for (int t : ctx.threads()) {
        if (pred_(t)) threads_.push_back(t);
      }
      known_ = true;
    }
    if (threads_.empty()) return Next::exhausted();
    return child_->next(ctx.restricted(threads_));
  }
  void commit(const Context& ctx, const Op& op, int thread) override {
    child_->commit(ctx.restricted(threads_), op, thread);
  }
  void update(const Context& ctx, const Op& event, int thread) override {
    if (known_ && contains(threads_, thread)) {
      child_->update(ctx.restricted(threads_), event, thread);
    }
  }
  GenPtr clone() const override { return std::make_unique<OnThreads>(*this); }

 private:
  std::function<bool(int)> pred_;
  GenPtr child_;
  std::vector<int> threads_;  // the parent's threads that satisfy pred_
  bool known_ = false;
};

class EachThread : public Generator {
 public:
  explicit EachThread(GenPtr prototype) : prototype_(std::move(prototype)) {}
  EachThread(const EachThread& other)
      : prototype_(other.prototype_->clone()),
        threads_(other.threads_),
        singles_(other.singles_),
        exhausted_(other.exhausted_),
        proposer_(other.proposer_) {
    for (const GenPtr& g : other.children_) children_.push_back(g->clone());
  }
  Next next(const Context& ctx) override {
    if (children_.empty()) start(ctx);
    Soonest soonest;
    for (size_t i = 0; i < children_.size(); ++i) {
      if (exhausted_[i]) continue;
      // A busy thread's copy cannot propose anything until its completion,
      // which will make us ask again.
      if (!ctx.is_free(threads_[i])) {
        soonest.offer(Next::pending(), i);
        continue;
      }
      Next n = children_[i]->next(ctx.restricted(singles_[i]));
      if (n.is_exhausted()) {
        exhausted_[i] = true;
      } else {
        soonest.offer(std::move(n), i);
      }
    }
    Next n = soonest.result();
    proposer_ = soonest.chosen();
    return n;
  }
  void commit(const Context& ctx, const Op& op, int thread) override {
    children_[proposer_]->commit(ctx.restricted(singles_[proposer_]), op, thread);
  }
  void update(const Context& ctx, const Op& event, int thread) override {
    auto it = std::lower_bound(threads_.begin(), threads_.end(), thread);
    if (it == threads_.end() || *it != thread) return;
    size_t i = static_cast<size_t>(it - threads_.begin());
    children_[i]->update(ctx.restricted(singles_[i]), event, thread);
  }
  GenPtr clone() const override { return std::make_unique<EachThread>(*this); }

 private:
  void start(const Context& ctx) {
    threads_ = ctx.threads();
    for (int t : threads_) {
      singles_.push_back({t});
      children_.push_back(prototype_->clone());
    }
    exhausted_.assign(threads_.size(), false);
  }

  GenPtr prototype_;
  std::vector<int> threads_;               // the context's threads, when first asked
  std::vector<std::vector<int>> singles_;  // {threads_[i]}: child i's view
  std::vector<GenPtr> children_;
  std::vector<bool> exhausted_;
  size_t proposer_ = 0;
};

}  // namespace

GenPtr each_thread(GenPtr g) { return std::make_unique<EachThread>(std::move(g)); }

GenPtr on_threads(std::function<bool(int thread)> pred, GenPtr g) {
  return std::make_unique<OnThreads>(std::move(pred), std::move(g));
}

GenPtr on_clients(GenPtr g) {
  return on_threads([](int thread) { return thread != kNemesisThread; }, std::move(g));
}

GenPtr on_nemesis(GenPtr g) {
  return on_threads([](int thread) { return thread == kNemesisThread; }, std::move(g));
}

}  // namespace faultline::gen
