// Composition: mix (random choice), any (soonest), phases (one after another).
#include <algorithm>
#include <utility>

#include "harness/generator/generator.h"
#include "harness/generator/soonest.h"

namespace faultline::gen {
namespace {

std::vector<GenPtr> clone_all(const std::vector<GenPtr>& gens) {
  std::vector<GenPtr> out;
  out.reserve(gens.size());
  for (const GenPtr& g : gens) out.push_back(g ? g->clone() : nullptr);
  return out;
}

class Mix : public Generator {
 public:
  explicit Mix(std::vector<GenPtr> gens) : gens_(std::move(gens)) {}
  Mix(const Mix& other) : gens_(clone_all(other.gens_)), chosen_(other.chosen_) {}
  Next next(const Context& ctx) override {
    while (!gens_.empty()) {
      // The choice is drawn once per op and kept until that op is
      // dispatched, so asking again proposes the same child.
      if (chosen_ < 0) {
        chosen_ =
            std::uniform_int_distribution<int>(0, static_cast<int>(gens_.size()) - 1)(ctx.rng());
      }
      Next n = gens_[static_cast<size_t>(chosen_)]->next(ctx);
      if (!n.is_exhausted()) return n;
      gens_.erase(gens_.begin() + chosen_);
      chosen_ = -1;
    }
    return Next::exhausted();
  }
  void commit(const Context& ctx, const Op& op, int thread) override {
    gens_[static_cast<size_t>(chosen_)]->commit(ctx, op, thread);
    chosen_ = -1;
  }
  void update(const Context& ctx, const Op& event, int thread) override {
    for (GenPtr& g : gens_) g->update(ctx, event, thread);
  }
  GenPtr clone() const override { return std::make_unique<Mix>(*this); }

 private:
  std::vector<GenPtr> gens_;
  int chosen_ = -1;
};

class Any : public Generator {
 public:
  explicit Any(std::vector<GenPtr> gens) : gens_(std::move(gens)) {}
  Any(const Any& other) : gens_(clone_all(other.gens_)), proposer_(other.proposer_) {}
  Next next(const Context& ctx) override {
    Soonest soonest;
    for (size_t i = 0; i < gens_.size();) {
      Next n = gens_[i]->next(ctx);
      if (n.is_exhausted()) {  // exhaustion is final
        gens_.erase(gens_.begin() + static_cast<ptrdiff_t>(i));
        continue;
      }
      soonest.offer(std::move(n), i);
      ++i;
    }
    Next n = soonest.result();
    proposer_ = soonest.chosen();
    return n;
  }
  void commit(const Context& ctx, const Op& op, int thread) override {
    gens_[proposer_]->commit(ctx, op, thread);
  }
  void update(const Context& ctx, const Op& event, int thread) override {
    for (GenPtr& g : gens_) g->update(ctx, event, thread);
  }
  GenPtr clone() const override { return std::make_unique<Any>(*this); }

 private:
  std::vector<GenPtr> gens_;
  size_t proposer_ = 0;  // the child whose op the latest next() returned
};

class Phases : public Generator {
 public:
  explicit Phases(std::vector<GenPtr> gens) : gens_(std::move(gens)) {}
  Phases(const Phases& other)
      : gens_(clone_all(other.gens_)), current_(other.current_), running_(other.running_) {}
  Next next(const Context& ctx) override {
    while (current_ < gens_.size()) {
      Next n = gens_[current_]->next(ctx);
      if (!n.is_exhausted()) return n;
      if (!running_.empty()) return Next::pending();  // the phase's ops must complete first
      gens_[current_].reset();                        // done with it
      ++current_;
    }
    return Next::exhausted();
  }
  void commit(const Context& ctx, const Op& op, int thread) override {
    gens_[current_]->commit(ctx, op, thread);
    running_.push_back(thread);
  }
  void update(const Context& ctx, const Op& event, int thread) override {
    if (current_ >= gens_.size()) return;
    gens_[current_]->update(ctx, event, thread);
    if (event.type != EventType::kInvoke) {
      auto it = std::find(running_.begin(), running_.end(), thread);
      if (it != running_.end()) running_.erase(it);
    }
  }
  GenPtr clone() const override { return std::make_unique<Phases>(*this); }

 private:
  std::vector<GenPtr> gens_;  // finished phases are reset to null
  size_t current_ = 0;
  std::vector<int> running_;  // threads with an op of the current phase outstanding
};

}  // namespace

GenPtr mix(std::vector<GenPtr> gens) { return std::make_unique<Mix>(std::move(gens)); }

GenPtr any(std::vector<GenPtr> gens) { return std::make_unique<Any>(std::move(gens)); }

GenPtr phases(std::vector<GenPtr> gens) { return std::make_unique<Phases>(std::move(gens)); }

GenPtr then(GenPtr first, GenPtr second) {
  return phases(list(std::move(first), std::move(second)));
}

}  // namespace faultline::gen
