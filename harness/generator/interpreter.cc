// Interpreter: see interpreter.h.
//
// Threads: the caller of run() is the loop thread; it alone touches the
// Scheduler and the HistorySink. Worker t waits on its mailbox (an atomic
// sequence number, C++20 wait/notify: a futex, cheaper than a condvar per
// op), runs the op, and appends the completion to completions_; the loop
// thread is woken only when it is actually waiting.
#include "harness/generator/interpreter.h"

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

namespace faultline {

struct Interpreter::Worker {
  int thread = 0;
  std::atomic<uint32_t> mailbox{0};  // bumped by the loop thread for each op, or to quit
  Op invoke;                         // written before the bump, read after it
  std::atomic<bool> quit{false};
  std::thread os_thread;
};

Interpreter::Interpreter(Executor& executor, HistorySink& sink, InterpreterOptions options)
    : executor_(executor), sink_(sink), options_(std::move(options)) {}

Interpreter::~Interpreter() {
  for (auto& worker : workers_) {
    if (!worker) continue;  // no nemesis thread
    worker->quit = true;
    worker->mailbox.fetch_add(1, std::memory_order_release);
    worker->mailbox.notify_one();
  }
  for (auto& worker : workers_) {
    if (worker && worker->os_thread.joinable()) worker->os_thread.join();
  }
}

void Interpreter::stop() {
  stop_.store(true);
  {
    std::lock_guard<std::mutex> lock(mutex_);  // so a waiting loop cannot miss it
  }
  wakeup_.notify_one();
}

int64_t Interpreter::now() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                              start_)
      .count();
}

void Interpreter::worker_loop(Worker& worker) {
  uint32_t seen = 0;
  while (true) {
    worker.mailbox.wait(seen, std::memory_order_acquire);
    seen = worker.mailbox.load(std::memory_order_acquire);
    if (worker.quit) return;
    Op completion;
    try {
      completion = executor_.execute(worker.thread, worker.invoke);
    } catch (const std::exception& e) {
      completion = worker.invoke.complete(EventType::kInfo, nullptr);
      completion.error = e.what();
    } catch (...) {
      completion = worker.invoke.complete(EventType::kInfo, nullptr);
      completion.error = "unknown exception";
    }
    bool wake;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      completions_.push_back(Completion{worker.thread, std::move(completion)});
      wake = loop_waiting_;
    }
    if (wake) wakeup_.notify_one();
  }
}

void Interpreter::dispatch(int thread, Op invoke) {
  Worker& worker = *workers_[static_cast<size_t>(thread + 1)];
  worker.invoke = std::move(invoke);
  worker.mailbox.fetch_add(1, std::memory_order_release);
  worker.mailbox.notify_one();
}

RunResult Interpreter::run(GenPtr generator) {
  if (ran_) throw std::logic_error("Interpreter::run called twice");
  ran_ = true;
  start_ = options_.start.value_or(std::chrono::steady_clock::now());
  Scheduler scheduler(std::move(generator), sink_,
                      SchedulerOptions{options_.concurrency, options_.nemesis, options_.seed});
  workers_.resize(static_cast<size_t>(options_.concurrency) + 1);
  for (int t = options_.nemesis ? kNemesisThread : 0; t < options_.concurrency; ++t) {
    auto worker = std::make_unique<Worker>();
    worker->thread = t;
    worker->os_thread = std::thread([this, w = worker.get()] { worker_loop(*w); });
    workers_[static_cast<size_t>(t + 1)] = std::move(worker);
  }

  RunResult result;
  int64_t give_up_at = kNever;  // after stop(): when to stop waiting for outstanding ops
  std::vector<Completion> batch;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      batch.swap(completions_);
    }
    for (Completion& c : batch) scheduler.complete(c.thread, std::move(c.op), now());
    batch.clear();
    if (stop_.load(std::memory_order_relaxed) && !scheduler.stop_requested()) {
      scheduler.request_stop();
      result.stopped = true;
      int64_t grace = std::max<int64_t>(options_.stop_grace.count(), 0);
      int64_t stopped_at = now();
      give_up_at = grace >= kNever - stopped_at ? kNever : stopped_at + grace;
    }
    int64_t t = now();
    Poll p = scheduler.poll(t);
    if (p.kind == Poll::Kind::kDispatch) {
      dispatch(p.thread, std::move(p.op));
      continue;
    }
    if (p.kind == Poll::Kind::kDone) break;
    if (t >= give_up_at) break;
    int64_t until = p.kind == Poll::Kind::kWaitUntil ? p.until : kNever;
    until = std::min(until, give_up_at);
    std::unique_lock<std::mutex> lock(mutex_);
    loop_waiting_ = true;
    auto ready = [&] {
      return !completions_.empty() ||
             stop_.load(std::memory_order_relaxed) != scheduler.stop_requested();
    };
    if (until == kNever) {
      wakeup_.wait(lock, ready);
    } else {
      wakeup_.wait_until(lock, start_ + std::chrono::nanoseconds(until), ready);
    }
    loop_waiting_ = false;
  }
  result.invokes = scheduler.invokes();
  result.completions = scheduler.completions();
  result.left_pending = scheduler.outstanding();
  result.stalled = scheduler.stalled();
  return result;
}

}  // namespace faultline
