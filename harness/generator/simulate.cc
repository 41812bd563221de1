// simulate(): see simulate.h.
#include "harness/generator/simulate.h"

#include <algorithm>
#include <queue>
#include <stdexcept>
#include <utility>

#include "harness/generator/scheduler.h"

namespace faultline {
namespace {

struct Pending {
  int64_t time;
  int64_t seq;  // dispatch order, to break ties deterministically
  int thread;
  Op completion;
  bool operator>(const Pending& other) const {
    return time != other.time ? time > other.time : seq > other.seq;
  }
};

// The world of simulate(generator, options): each op completes after the
// latency options.execute gives it.
class SimExecutorWorld : public SimWorld {
 public:
  SimExecutorWorld(const SimExecutor& execute, uint64_t seed)
      : execute_(execute), rng_(seed ^ 0x9e3779b97f4a7c15ULL) {}

  void dispatch(int thread, const Op& invoke, int64_t now) override {
    SimOutcome outcome = execute_(thread, invoke, rng_);
    if (outcome.latency < 0) throw std::invalid_argument("simulate: negative latency");
    running_.push(Pending{now + outcome.latency, seq_++, thread, std::move(outcome.completion)});
  }
  int64_t next_event() const override { return running_.empty() ? kNever : running_.top().time; }
  void run_next(std::vector<std::pair<int, Op>>* completed) override {
    Pending done = running_.top();
    running_.pop();
    completed->emplace_back(done.thread, std::move(done.completion));
  }

 private:
  const SimExecutor& execute_;
  std::mt19937_64 rng_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> running_;
  int64_t seq_ = 0;
};

}  // namespace

SimExecutor fixed_latency(int64_t latency) {
  return [latency](int, const Op& invoke, std::mt19937_64&) {
    return SimOutcome{latency, invoke.complete(EventType::kOk, invoke.value)};
  };
}

SimRun simulate(GenPtr generator, const SimOptions& options) {
  SimExecutorWorld world(options.execute, options.seed);
  return simulate(std::move(generator), world, options);
}

SimRun simulate(GenPtr generator, SimWorld& world, const SimOptions& options) {
  VectorSink sink;
  Scheduler scheduler(std::move(generator), sink,
                      SchedulerOptions{options.concurrency, options.nemesis, options.seed});
  int64_t now = 0;
  std::vector<std::pair<int, Op>> completed;
  // Runs the world's events up to `limit` until one completes ops (true).
  // Most events (a message, a tick) complete none, and the scheduler is
  // polled again only when one did.
  auto run_until = [&](int64_t limit) {
    while (world.next_event() <= limit) {
      now = std::max(now, world.next_event());
      world.run_next(&completed);
      if (completed.empty()) continue;
      for (auto& [thread, completion] : completed)
        scheduler.complete(thread, std::move(completion), now);
      completed.clear();
      return true;
    }
    return false;
  };
  while (true) {
    if (now >= options.stop_at || scheduler.invokes() >= options.max_invokes) {
      scheduler.request_stop();
    }
    Poll p = scheduler.poll(now);
    switch (p.kind) {
      case Poll::Kind::kDispatch: world.dispatch(p.thread, p.op, now); break;
      case Poll::Kind::kWaitUntil: {
        const int64_t until = options.stop_at > now ? std::min(options.stop_at, p.until) : p.until;
        if (!run_until(until)) now = std::max(now, until);
        break;
      }
      case Poll::Kind::kWaitCompletion:
        if (!run_until(kNever))
          throw std::logic_error("simulate: ops outstanding and the world has no event left");
        break;
      case Poll::Kind::kDone: return SimRun{std::move(sink.events), scheduler.stalled()};
    }
  }
}

}  // namespace faultline
