// Scheduler: see scheduler.h.
#include "harness/generator/scheduler.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

namespace faultline {

Scheduler::Scheduler(GenPtr generator, HistorySink& sink, SchedulerOptions options)
    : generator_(std::move(generator)),
      sink_(sink),
      state_(options.concurrency, options.nemesis, options.seed),
      context_(state_),
      running_(static_cast<size_t>(options.concurrency) + 1) {}

Poll Scheduler::poll(int64_t now) {
  state_.set_time(now);
  Poll p;
  if (stop_requested_) {
    p.kind = outstanding_ > 0 ? Poll::Kind::kWaitCompletion : Poll::Kind::kDone;
    return p;
  }
  Next n = generator_->next(context_);
  switch (n.kind) {
    case Next::Kind::kExhausted:
      p.kind = outstanding_ > 0 ? Poll::Kind::kWaitCompletion : Poll::Kind::kDone;
      return p;
    case Next::Kind::kPending:
      if (n.wake != kNever) {
        p.kind = Poll::Kind::kWaitUntil;
        p.until = std::max(n.wake, now + 1);  // a wake-up in the past must not spin
      } else if (outstanding_ > 0) {
        p.kind = Poll::Kind::kWaitCompletion;
      } else {
        stalled_ = true;  // no event will ever come to change its mind
        p.kind = Poll::Kind::kDone;
      }
      return p;
    case Next::Kind::kOp: break;
  }
  if (n.op->time > now) {
    p.kind = Poll::Kind::kWaitUntil;
    p.until = n.op->time;
    return p;
  }
  if (!state_.valid_thread(n.thread) || !state_.is_free(n.thread)) {
    throw std::logic_error("generator proposed op " + n.op->f + " on thread " +
                           std::to_string(n.thread) + ", which is not a free thread");
  }
  Op& invoke = *n.op;
  invoke.type = EventType::kInvoke;
  invoke.time = now;
  invoke.process = state_.process(n.thread);
  generator_->commit(context_, invoke, n.thread);
  state_.set_free(n.thread, false);
  Running& r = running(n.thread);
  r.busy = true;
  r.f = invoke.f;
  r.key = invoke.key;
  ++outstanding_;
  ++invokes_;
  sink_.record(invoke);
  generator_->update(context_, invoke, n.thread);
  p.kind = Poll::Kind::kDispatch;
  p.thread = n.thread;
  p.op = std::move(invoke);
  return p;
}

void Scheduler::complete(int thread, Op completion, int64_t now) {
  if (!state_.valid_thread(thread) || !running(thread).busy) {
    throw std::logic_error("completion on thread " + std::to_string(thread) +
                           ", which has no op outstanding");
  }
  Running& r = running(thread);
  if (completion.type == EventType::kInvoke) {
    completion.type = EventType::kInfo;
    if (completion.error.empty()) completion.error = "the executor returned an invoke";
  }
  if (completion.f.empty()) completion.f = r.f;
  if (completion.key.is_null()) completion.key = std::move(r.key);
  completion.time = now;
  completion.process = state_.process(thread);
  state_.set_time(now);
  r.busy = false;
  r.key = nullptr;
  --outstanding_;
  ++completions_;
  sink_.record(completion);
  // The context shows the thread free, under its next process, when the
  // generator hears of the completion (as in Jepsen).
  state_.set_free(thread, true);
  if (completion.type == EventType::kInfo && thread != kNemesisThread) {
    state_.set_process(thread, completion.process + state_.concurrency());
  }
  generator_->update(context_, completion, thread);
}

}  // namespace faultline
