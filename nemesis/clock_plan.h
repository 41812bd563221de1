// What a clock fault sets (docs/nemesis.md, "clock"), chosen alike by the
// real clock nemesis (clock.cc, through libfaketime) and the simulator
// (harness/sim, on each node's simulated wall clock), so that a seed's
// clock faults are the same offsets on the same nodes in both.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "base/status.h"
#include "nemesis/link_fault.h"
#include "nemesis/nemesis.h"

namespace faultline {

struct ClockPlan {
  // skew, bump, bump-leader: the wall-clock offset each named node gets, s.
  std::map<std::string, int> offsets_s;
  // strobe: the node whose offset alternates between options.strobe_s and 0
  // every strobe_period for strobe_duration, ending at 0.
  std::string strobe_node;
};

// The plan of start-clock `spec` among `nodes` (random choices from `rng`;
// `primaries` asked by bump-leader only). `done` gets the completion's
// fields: spec, and offsets_s, or strobe's node, offset_s and period_ms.
Status plan_clock_fault(const std::string& spec, const std::vector<std::string>& nodes,
                        const PrimariesFn& primaries, const NemesisOptions& options,
                        std::mt19937_64& rng, ClockPlan* plan, nlohmann::json* done);

}  // namespace faultline
