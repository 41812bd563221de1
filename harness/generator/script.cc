// script: the ops of a recorded scenario, each on its thread at its time.
#include "harness/generator/script.h"

#include <algorithm>
#include <deque>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>

namespace faultline::gen {
namespace {

class Script : public Generator {
 public:
  explicit Script(std::vector<ScriptedOp> ops) {
    for (size_t i = 0; i < ops.size(); ++i)
      queues_[ops[i].thread].push_back(Entry{i, std::move(ops[i].op)});
  }

  Next next(const Context& ctx) override {
    if (queues_.empty()) return Next::exhausted();
    const Entry* best = nullptr;
    int best_thread = 0;
    for (const auto& [thread, queue] : queues_) {
      if (!known(ctx, thread))
        throw std::invalid_argument("script: an op on thread " + std::to_string(thread) +
                                    ", which is not a thread of this run");
      if (!ctx.is_free(thread)) continue;  // its op starts once the thread is free
      const Entry& head = queue.front();
      if (best == nullptr || head.op.time < best->op.time ||
          (head.op.time == best->op.time && head.order < best->order)) {
        best = &head;
        best_thread = thread;
      }
    }
    if (best == nullptr) return Next::pending();  // every thread with ops is busy
    Op op = best->op;
    op.type = EventType::kInvoke;
    op.time = std::max(op.time, ctx.time());
    op.process = ctx.process(best_thread);
    return Next::invoke(std::move(op), best_thread);
  }

  void commit(const Context&, const Op&, int thread) override {
    auto it = queues_.find(thread);
    it->second.pop_front();
    if (it->second.empty()) queues_.erase(it);
  }

  GenPtr clone() const override { return std::make_unique<Script>(*this); }

 private:
  struct Entry {
    size_t order;  // position in the script, for ties
    Op op;
  };

  static bool known(const Context& ctx, int thread) {
    for (int t : ctx.threads())
      if (t == thread) return true;
    return false;
  }

  std::map<int, std::deque<Entry>> queues_;  // by thread; empty queues are erased
};

}  // namespace

GenPtr script(std::vector<ScriptedOp> ops) { return std::make_unique<Script>(std::move(ops)); }

}  // namespace faultline::gen
