#include "nemesis/schedule.h"

#include <memory>
#include <optional>
#include <random>
#include <set>

#include "nemesis/random.h"

namespace faultline {
namespace {

struct ScheduleState {
  std::vector<std::string> to_hold;  // held kinds not started yet, in order
  std::vector<std::string> kinds;    // the kinds that take turns
  std::set<std::string> active;      // of `kinds`
  std::mt19937_64 rng;
};

std::optional<Op> next_fault_op(ScheduleState& s) {
  Op op;
  if (!s.to_hold.empty()) {
    op.f = "start-" + s.to_hold.front();
    s.to_hold.erase(s.to_hold.begin());
    return op;
  }
  if (s.kinds.empty()) return std::nullopt;
  std::vector<std::string> idle;
  for (const std::string& k : s.kinds)
    if (s.active.count(k) == 0) idle.push_back(k);
  const bool start = s.active.empty() || (!idle.empty() && random_below(s.rng, 2) == 0);
  if (start) {
    const std::string kind = idle[random_below(s.rng, idle.size())];
    s.active.insert(kind);
    op.f = "start-" + kind;
  } else {
    const std::vector<std::string> active(s.active.begin(), s.active.end());
    const std::string kind = active[random_below(s.rng, active.size())];
    s.active.erase(kind);
    op.f = "stop-" + kind;
  }
  return op;
}

}  // namespace

GenPtr nemesis_generator(const std::vector<FaultPlan>& plans, std::chrono::nanoseconds interval,
                         uint64_t seed) {
  auto state = std::make_shared<ScheduleState>();
  for (const FaultPlan& plan : plans)
    (plan.held ? state->to_hold : state->kinds).push_back(plan.kind);
  state->rng.seed(seed);
  return gen::on_nemesis(
      gen::stagger(interval, gen::from_fn([state](const Context&) -> std::optional<Op> {
                     return next_fault_op(*state);
                   })));
}

}  // namespace faultline
