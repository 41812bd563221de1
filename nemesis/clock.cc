// Clock faults through libfaketime: the servers run with it preloaded
// (RaftkvOptions::faketime) and read their clock offset from a file on their
// node (NemesisOptions::faketime_file), which this fault rewrites. libfaketime
// re-reads the file at most once a second (FAKETIME_CACHE_DURATION=1), so a
// change takes effect within a second. Only CLOCK_REALTIME moves
// (FAKETIME_DONT_FAKE_MONOTONIC=1), as when a real clock is stepped: timers on
// steady_clock (raftkv's, except under its lease-read failpoint) run on;
// docs/nemesis.md says why.
//   skew         every node gets a random offset in [-skew_max_s, +skew_max_s]
//   bump         one random node jumps by +-bump_s
//   bump-leader  the leader (Db::primaries) jumps by +-bump_s
//   strobe  one random node alternates between +strobe_s and +0 every
//           strobe_period for strobe_duration (the op takes that long), ending at +0
// stop-clock writes +0 on every node.
#include <fmt/format.h>

#include <map>
#include <thread>

#include "nemesis/clock_plan.h"
#include "nemesis/fault_kind.h"
#include "nemesis/node_commands.h"
#include "nemesis/random.h"

namespace faultline {
namespace {

// libfaketime's relative offsets: "+5s", "-3s"; no offset is "+0".
std::string offset_text(int seconds) {
  return seconds == 0 ? "+0" : fmt::format("{:+d}s", seconds);
}

class ClockFault : public FaultKind {
 public:
  ClockFault(const NemesisContext& context, std::mt19937_64* rng) : context_(context), rng_(*rng) {}

  std::string name() const override { return "clock"; }

  Status start(const std::string& spec, nlohmann::json* done) override {
    const NemesisOptions& o = context_.options;
    ClockPlan plan;
    auto primaries = [this](std::vector<std::string>* out) { return context_.db.primaries(out); };
    if (Status st = plan_clock_fault(spec, node_names(context_), primaries, o, rng_, &plan, done);
        !st.is_ok())
      return st;
    if (plan.strobe_node.empty()) {
      std::vector<std::string> nodes;
      for (const auto& [node, offset] : plan.offsets_s) nodes.push_back(node);
      return on_each(nodes,
                     [&](const std::string& node) { return set(node, plan.offsets_s.at(node)); });
    }
    int writes = 0;
    const auto end = std::chrono::steady_clock::now() + o.strobe_duration;
    Status st;
    for (bool on = true; st.is_ok() && std::chrono::steady_clock::now() < end; on = !on) {
      st = set(plan.strobe_node, on ? o.strobe_s : 0);
      ++writes;
      std::this_thread::sleep_for(o.strobe_period);
    }
    if (st.is_ok()) st = set(plan.strobe_node, 0);
    (*done)["changes"] = writes;
    return st;
  }

  Status stop(nlohmann::json* done) override {
    const std::vector<std::string> nodes = node_names(context_);
    (*done)["reset"] = nodes;
    return on_each(nodes, [&](const std::string& node) { return set(node, 0); });
  }

 private:
  Status set(const std::string& node, int seconds) {
    return run_on_node(context_, node,
                       write_offset_command(context_.options.faketime_file, offset_text(seconds)));
  }

  const NemesisContext& context_;
  std::mt19937_64& rng_;
};

}  // namespace

std::unique_ptr<FaultKind> make_clock_fault(const NemesisContext& context, std::mt19937_64* rng) {
  return std::make_unique<ClockFault>(context, rng);
}

}  // namespace faultline
