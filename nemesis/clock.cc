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
    const std::vector<std::string> nodes = node_names(context_);
    (*done)["spec"] = spec;
    if (spec == "skew") {
      std::map<std::string, int> offsets;
      for (const std::string& n : nodes)
        offsets[n] = static_cast<int>(random_below(rng_, 2 * o.skew_max_s + 1)) - o.skew_max_s;
      (*done)["offsets_s"] = offsets;
      return on_each(nodes, [&](const std::string& node) { return set(node, offsets[node]); });
    }
    if (spec == "bump" || spec == "bump-leader") {
      std::vector<std::string> victims;
      if (Status st = choose_victims(context_, rng_, spec == "bump" ? "one" : "leader",
                                     {"one", "leader"}, &victims);
          !st.is_ok())
        return st;
      const std::string node = victims[0];
      const int offset = random_below(rng_, 2) == 0 ? o.bump_s : -o.bump_s;
      (*done)["offsets_s"] = {{node, offset}};
      return set(node, offset);
    }
    if (spec == "strobe") {
      const std::string node = choose(nodes, 1, rng_)[0];
      (*done)["node"] = node;
      (*done)["offset_s"] = o.strobe_s;
      (*done)["period_ms"] = o.strobe_period.count();
      int writes = 0;
      const auto end = std::chrono::steady_clock::now() + o.strobe_duration;
      Status st;
      for (bool on = true; st.is_ok() && std::chrono::steady_clock::now() < end; on = !on) {
        st = set(node, on ? o.strobe_s : 0);
        ++writes;
        std::this_thread::sleep_for(o.strobe_period);
      }
      if (st.is_ok()) st = set(node, 0);
      (*done)["changes"] = writes;
      return st;
    }
    return unknown_spec("clock", spec, fault_specs(name()));
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
