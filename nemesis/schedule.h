// The nemesis schedule: when which fault starts and stops during a test.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/generator/generator.h"
#include "nemesis/nemesis.h"

namespace faultline {

// An endless generator of nemesis ops (on the nemesis thread only), one every
// `interval` on average (uniform in [0, 2*interval) after the previous one).
// Each op is start-X with a null spec (the nemesis picks one) for a kind X
// that is not active, or stop-X for one that is: with nothing active it starts
// one; with every kind active it stops one; else either, with equal odds. So
// different kinds may overlap, and every stop-X follows its start-X. Held
// plans (FaultPlan::held) come first, started one an op in their order and
// never stopped; once they are on, the others take turns as above (none
// left: the generator ends). The
// kinds are the plans' (parse_fault_plans); the nemesis draws each fault's
// spec from its plan. The choices come from `seed`; the spacing from the
// run's RNG, so a simulated run replays exactly. No plans: no ops. Wrap it in
// time_limit; the runner heals (Nemesis::heal) at the end.
GenPtr nemesis_generator(const std::vector<FaultPlan>& plans, std::chrono::nanoseconds interval,
                         uint64_t seed);

}  // namespace faultline
