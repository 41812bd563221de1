#include "harness/sim/shrink.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <thread>

#include "harness/run/scenario.h"
#include "harness/sim/ddmin.h"

namespace faultline::sim {
namespace {

using Clock = std::chrono::steady_clock;

// The first checker that finds `r` invalid, or "".
std::string failing_checker(const SimResult& r) {
  for (const CheckResult& c : r.checkers)
    if (c.verdict == Verdict::kInvalid) return c.checker;
  return "";
}

TestSize size_of(const Scenario& s, const SimResult& r) {
  return {s.ops.size(), s.faults.size(), static_cast<double>(r.virtual_ns) / 1e9};
}

TestConfig with_scenario(const TestConfig& config, Scenario scenario) {
  TestConfig c = config;
  c.scenario = std::make_shared<const Scenario>(std::move(scenario));
  return c;
}

// Simulates candidates of one seed, `jobs` at a time, within the budget;
// keeps count of the runs.
class Trials {
 public:
  Trials(uint64_t seed, const ShrinkOptions& options, Clock::time_point start)
      : seed_(seed), options_(options), start_(start) {}

  int64_t runs() const { return runs_; }
  // The checker whose failure a candidate must keep.
  void set_checker(std::string checker) { checker_ = std::move(checker); }

  // Whether `r` fails as the seed did: invalid, by the same checker.
  bool fails(const SimResult& r) const {
    if (r.verdict != Verdict::kInvalid) return false;
    return std::any_of(r.checkers.begin(), r.checkers.end(), [&](const CheckResult& c) {
      return c.checker == checker_ && c.verdict == Verdict::kInvalid;
    });
  }

  // One simulation, outside the budget (the first and the last).
  Status run(const TestConfig& config, SimResult* out) {
    ++runs_;
    return simulate_test(config, seed_, out);
  }

  // Whether each of `configs` fails, for as many as the budget allows (a
  // prefix). A simulation error counts as not failing.
  std::vector<bool> test(const std::vector<TestConfig>& configs) {
    std::vector<bool> out;
    for (size_t from = 0; from < configs.size() && !out_of_budget();) {
      size_t n = std::min<size_t>(configs.size() - from, static_cast<size_t>(options_.jobs));
      if (options_.max_runs > 0)
        n = std::min<size_t>(n, static_cast<size_t>(options_.max_runs - runs_));
      std::vector<char> failed(n, 0);
      std::vector<std::thread> threads;
      for (size_t i = 0; i < n; ++i)
        threads.emplace_back([&, i] {
          SimResult r;
          failed[i] = simulate_test(configs[from + i], seed_, &r).is_ok() && fails(r);
        });
      for (std::thread& t : threads) t.join();
      runs_ += static_cast<int64_t>(n);
      for (size_t i = 0; i < n; ++i) out.push_back(failed[i] != 0);
      from += n;
    }
    return out;
  }

 private:
  bool out_of_budget() const {
    const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    return (options_.max_runs > 0 && runs_ >= options_.max_runs) ||
           (options_.max_seconds > 0 && seconds >= options_.max_seconds);
  }

  uint64_t seed_;
  const ShrinkOptions& options_;
  std::string checker_;
  Clock::time_point start_;
  int64_t runs_ = 0;
};

// Units of ddmin over faults: each start with the first stop of its kind
// after it (removed together, so that no fault is left without its end or
// an end without its fault); a stop without a start is a unit alone.
std::vector<Subset> fault_units(const std::vector<ScenarioEvent>& faults) {
  std::vector<Subset> units;
  std::map<std::string, size_t> open;  // kind -> its unit still waiting for a stop
  for (size_t i = 0; i < faults.size(); ++i) {
    const std::string& f = faults[i].f;
    if (f.starts_with("start-")) {
      open[f.substr(6)] = units.size();
      units.push_back({i});
      continue;
    }
    auto it = f.starts_with("stop-") ? open.find(f.substr(5)) : open.end();
    if (it == open.end()) {
      units.push_back({i});
    } else {
      units[it->second].push_back(i);
      open.erase(it);
    }
  }
  return units;
}

// The events of `all` that the chosen units hold, in their order.
std::vector<ScenarioEvent> pick(const std::vector<ScenarioEvent>& all,
                                const std::vector<Subset>& units, const Subset& chosen) {
  std::vector<size_t> keep;
  for (size_t u : chosen) keep.insert(keep.end(), units[u].begin(), units[u].end());
  std::sort(keep.begin(), keep.end());
  std::vector<ScenarioEvent> out;
  for (size_t i : keep) out.push_back(all[i]);
  return out;
}

// One ddmin pass over `units` of the current scenario's ops or faults.
// Keeps the smallest failing scenario in *current; false if the budget ran
// out.
bool shrink_events(const std::string& what, bool faults, const std::vector<Subset>& units,
                   Trials& trials, size_t batch, TestConfig* current,
                   const std::function<void(const std::string&)>& progress) {
  const Scenario base = *current->scenario;
  const std::vector<ScenarioEvent>& events = faults ? base.faults : base.ops;
  auto candidate = [&](const Subset& chosen) {
    Scenario s = base;
    (faults ? s.faults : s.ops) = pick(events, units, chosen);
    return with_scenario(*current, std::move(s));
  };
  const int64_t runs_before = trials.runs();
  const DdminResult r = ddmin(units.size(), batch, [&](const std::vector<Subset>& candidates) {
    std::vector<TestConfig> configs;
    for (const Subset& c : candidates) configs.push_back(candidate(c));
    return trials.test(configs);
  });
  *current = candidate(r.kept);
  if (progress)
    progress(fmt::format("{}: {} -> {} ({} runs{})", what, units.size(), r.kept.size(),
                         trials.runs() - runs_before, r.complete ? "" : ", budget spent"));
  return r.complete;
}

}  // namespace

Status shrink(const TestConfig& config, uint64_t seed, const ShrinkOptions& options,
              ShrinkResult* out) {
  const Clock::time_point start = Clock::now();
  *out = ShrinkResult{};
  SimResult first;
  Trials trials(seed, options, start);
  if (Status st = trials.run(config, &first); !st.is_ok()) return st;
  out->checker = failing_checker(first);
  if (first.verdict != Verdict::kInvalid || out->checker.empty())
    return Status::invalid_argument(fmt::format("seed {} is {}, not invalid: nothing to shrink",
                                                seed, to_string(first.verdict)));
  trials.set_checker(out->checker);
  TestConfig current = config;
  if (config.scenario == nullptr) {
    Scenario recorded;
    if (Status st = scenario_from_history(first.history, &recorded); !st.is_ok()) return st;
    current = with_scenario(config, std::move(recorded));
    SimResult replay;
    if (Status st = trials.run(current, &replay); !st.is_ok()) return st;
    if (!trials.fails(replay))
      return Status::invalid_argument(
          fmt::format("seed {}: its recorded scenario is {} when replayed, not invalid by {}", seed,
                      to_string(replay.verdict), out->checker));
  }
  out->before = size_of(*current.scenario, first);
  const size_t batch = static_cast<size_t>(std::max(1, options.jobs));

  // Faults, then whole processes, then single ops, then the faults again;
  // each pass only if the budget lasted through the one before.
  bool complete = shrink_events("faults", true, fault_units(current.scenario->faults), trials,
                                batch, &current, options.progress);
  if (complete) {
    std::vector<Subset> processes;
    std::map<int64_t, size_t> unit_of;
    const std::vector<ScenarioEvent>& ops = current.scenario->ops;
    for (size_t i = 0; i < ops.size(); ++i) {
      auto [it, fresh] = unit_of.emplace(ops[i].process, processes.size());
      if (fresh) processes.emplace_back();
      processes[it->second].push_back(i);
    }
    complete =
        shrink_events("processes", false, processes, trials, batch, &current, options.progress);
  }
  if (complete) {
    std::vector<Subset> singles;
    for (size_t i = 0; i < current.scenario->ops.size(); ++i) singles.push_back({i});
    complete = shrink_events("ops", false, singles, trials, batch, &current, options.progress);
  }
  if (complete && !current.scenario->faults.empty()) {
    // The faults again: a fault the first pass kept for the ops around it
    // may not be needed by the few ops left.
    complete = shrink_events("faults again", true, fault_units(current.scenario->faults), trials,
                             batch, &current, options.progress);
  }
  if (complete) {  // the time after the last event, in steps of 0.1 s
    int64_t last = 0;
    for (const auto* events : {&current.scenario->ops, &current.scenario->faults})
      for (const ScenarioEvent& e : *events) last = std::max(last, e.at);
    const double limit = std::ceil(static_cast<double>(last + 1) / 1e8) / 10;
    if (limit < current.time_limit_s) {
      TestConfig shorter = current;
      shorter.time_limit_s = std::max(0.1, limit);
      const std::vector<bool> fails = trials.test({shorter});
      complete = !fails.empty();
      const bool kept = complete && fails[0];
      if (kept) current = shorter;
      if (options.progress)
        options.progress(
            fmt::format("time limit: {} -> {} s", config.time_limit_s, current.time_limit_s));
    }
  }

  current.seed = seed;
  current.seed_given = true;
  if (Status st = trials.run(current, &out->smallest); !st.is_ok()) return st;
  if (!trials.fails(out->smallest))
    return Status::invalid_argument(fmt::format(
        "seed {}: the smallest failing scenario is {} when run again: the simulation is not "
        "deterministic (a bug)",
        seed, to_string(out->smallest.verdict)));
  out->config = current;
  out->after = size_of(*current.scenario, out->smallest);
  out->runs = trials.runs();
  out->wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  out->budget_spent = !complete;
  return Status::ok();
}

}  // namespace faultline::sim
