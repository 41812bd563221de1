#include "nemesis/clock_plan.h"

#include "nemesis/node_commands.h"
#include "nemesis/random.h"

namespace faultline {

Status plan_clock_fault(const std::string& spec, const std::vector<std::string>& nodes,
                        const PrimariesFn& primaries, const NemesisOptions& o, std::mt19937_64& rng,
                        ClockPlan* plan, nlohmann::json* done) {
  *plan = ClockPlan{};
  if (spec == "skew") {
    for (const std::string& n : nodes)
      plan->offsets_s[n] = static_cast<int>(random_below(rng, 2 * o.skew_max_s + 1)) - o.skew_max_s;
  } else if (spec == "bump" || spec == "bump-leader") {
    std::vector<std::string> leaders;
    if (spec == "bump-leader")
      if (Status st = primaries(&leaders); !st.is_ok()) return st;
    std::vector<std::string> victims;
    if (Status st = choose_victims(nodes, leaders, rng, spec == "bump" ? "one" : "leader",
                                   {"one", "leader"}, &victims);
        !st.is_ok())
      return st;
    plan->offsets_s[victims[0]] = random_below(rng, 2) == 0 ? o.bump_s : -o.bump_s;
  } else if (spec == "strobe") {
    plan->strobe_node = choose(nodes, 1, rng)[0];
  } else {
    return unknown_spec("clock", spec, fault_specs("clock"));
  }
  (*done)["spec"] = spec;
  if (plan->strobe_node.empty()) {
    (*done)["offsets_s"] = plan->offsets_s;
  } else {
    (*done)["node"] = plan->strobe_node;
    (*done)["offset_s"] = o.strobe_s;
    (*done)["period_ms"] = o.strobe_period.count();
  }
  return Status::ok();
}

}  // namespace faultline
