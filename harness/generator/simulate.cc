// simulate(): see simulate.h.
#include "harness/generator/simulate.h"

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

}  // namespace

SimExecutor fixed_latency(int64_t latency) {
  return [latency](int, const Op& invoke, std::mt19937_64&) {
    return SimOutcome{latency, invoke.complete(EventType::kOk, invoke.value)};
  };
}

SimRun simulate(GenPtr generator, const SimOptions& options) {
  VectorSink sink;
  Scheduler scheduler(std::move(generator), sink,
                      SchedulerOptions{options.concurrency, options.nemesis, options.seed});
  std::mt19937_64 rng(options.seed ^ 0x9e3779b97f4a7c15ULL);
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> running;
  int64_t now = 0;
  int64_t seq = 0;
  auto complete_next = [&] {
    Pending done = running.top();
    running.pop();
    now = done.time;
    scheduler.complete(done.thread, std::move(done.completion), now);
  };
  while (true) {
    if (now >= options.stop_at || scheduler.invokes() >= options.max_invokes) {
      scheduler.request_stop();
    }
    Poll p = scheduler.poll(now);
    switch (p.kind) {
      case Poll::Kind::kDispatch: {
        SimOutcome outcome = options.execute(p.thread, p.op, rng);
        if (outcome.latency < 0) throw std::invalid_argument("simulate: negative latency");
        running.push(
            Pending{now + outcome.latency, seq++, p.thread, std::move(outcome.completion)});
        break;
      }
      case Poll::Kind::kWaitUntil:
        if (!running.empty() && running.top().time <= p.until) {
          complete_next();
        } else if (options.stop_at > now && options.stop_at < p.until) {
          now = options.stop_at;
        } else {
          now = p.until;
        }
        break;
      case Poll::Kind::kWaitCompletion: complete_next(); break;
      case Poll::Kind::kDone: return SimRun{std::move(sink.events), scheduler.stalled()};
    }
  }
}

}  // namespace faultline
