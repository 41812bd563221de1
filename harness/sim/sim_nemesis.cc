#include "harness/sim/sim_nemesis.h"

#include <fmt/format.h>

#include <algorithm>

#include "harness/sim/sim_storage_faults.h"
#include "nemesis/clock_plan.h"
#include "nemesis/grudge.h"
#include "nemesis/link_fault.h"
#include "nemesis/node_commands.h"

namespace faultline::sim {

const std::vector<std::string>& simulated_fault_kinds() {
  static const std::vector<std::string> kinds = {"partition", "loss", "kill", "pause", "clock",
                                                 "latency",
                                                 // storage: sim_storage_faults.h
                                                 "disk", "corrupt"};
  return kinds;
}

SimNemesis::SimNemesis(SimCluster& cluster, std::vector<FaultPlan> plans, NemesisOptions options,
                       uint64_t seed)
    : cluster_(cluster), plans_(std::move(plans)), options_(std::move(options)), rng_(seed) {
  double kill = 0;
  for (const FaultPlan& p : plans_) {
    if (p.kind == "kill") kill = options_.aimed_kill_percent / 100.0;
  }
  aim(kill);
}

void SimNemesis::aim(double kill) {
  double stall = 0;
  for (const FaultPlan& p : plans_) {
    if (p.kind == "pause") stall = options_.aimed_stall_percent / 100.0;
  }
  cluster_.set_aimed_faults(kill, stall, options_.aimed_stall.count() * 1'000'000,
                            options_.aimed_restart.count() * 1'000'000);
}

Op SimNemesis::invoke(const Op& op) {
  nlohmann::json done = nlohmann::json::object();
  const bool is_start = op.f.rfind("start-", 0) == 0;
  const bool is_stop = op.f.rfind("stop-", 0) == 0;
  const std::string kind = op.f.substr(is_start ? 6 : is_stop ? 5 : 0);
  const auto plan = std::find_if(plans_.begin(), plans_.end(),
                                 [&](const FaultPlan& p) { return p.kind == kind; });
  Status st;
  FaultStart fault;
  if ((!is_start && !is_stop) || plan == plans_.end()) {
    st = Status::invalid_argument(fmt::format("nemesis: unknown f '{}'", op.f));
  } else if (is_stop) {
    st = stop(kind, &done);
  } else if (st = parse_fault_start(kind, op.value,
                                    plan->specs.empty() ? drawn_specs(kind) : plan->specs, rng_,
                                    &fault);
             st.is_ok()) {  // as the real nemesis: a null spec is drawn from the plan
    st = start(kind, fault, &done);
  }
  Op completion = op.complete(EventType::kInfo, std::move(done));
  if (!st.is_ok()) completion.error = st.message();
  return completion;
}

Status SimNemesis::start(const std::string& kind, const FaultStart& fault, nlohmann::json* done) {
  const std::vector<std::string>& nodes = cluster_.names();
  const std::string& spec = fault.spec;
  const nlohmann::json& chosen = fault.chosen;
  if (kind == "clock") return start_clock(spec, done);
  if (kind == "latency") {
    std::map<Link, LinkFault> faults;
    if (Status st = plan_latency_fault(spec, nodes, primaries(), options_, rng_, &faults, done);
        !st.is_ok())
      return st;
    cluster_.set_link_faults(faults);
    return Status::ok();
  }
  (*done)["spec"] = spec;
  if (kind == "partition") {
    Grudge grudge;
    std::vector<std::string> isolated;
    if (Status st = chosen.is_null() ? partition_grudge(spec, nodes, cluster_.primaries(), rng_,
                                                        &grudge, &isolated)
                                     : recorded_grudge(chosen, spec, nodes, &grudge, &isolated);
        !st.is_ok())
      return st;
    nlohmann::json cut = nlohmann::json::object();
    for (const auto& [node, others] : grudge) cut[node] = others;
    (*done)["grudge"] = cut;
    if (!isolated.empty()) (*done)["isolated"] = isolated;
    cluster_.set_grudge(std::move(grudge));
    return Status::ok();
  }
  if (kind == "kill" && spec == "aimed") {  // real runs' crash points: here, the aimed kills
    (*done)["percent"] = options_.crash_percent;
    aim(options_.crash_percent / 100.0);
    return Status::ok();
  }
  if (kind == "disk") return start_disk_fault(cluster_, spec, options_, rng_, done);
  if (kind == "corrupt") return start_corrupt_fault(cluster_, spec, options_, rng_, done);
  // loss's one and all are victim specs too: the same draw as the real nemesis's.
  std::vector<std::string> victims;
  if (Status st =
          chosen.is_null()
              ? choose_victims(nodes, cluster_.primaries(), rng_, spec, fault_specs(kind), &victims)
              : recorded_victims(spec, fault_specs(kind), chosen, nodes, &victims);
      !st.is_ok())
    return st;
  if (kind == "loss") {
    (*done)["nodes"] = victims;
    (*done)["percent"] = options_.loss_percent;
    cluster_.set_loss({victims.begin(), victims.end()}, options_.loss_percent / 100.0);
    return Status::ok();
  }
  (*done)[kind == "kill" ? "killed" : "paused"] = victims;
  for (const std::string& v : victims) {
    const auto i = static_cast<size_t>(cluster_.index_of(v));
    if (kind == "kill") {
      cluster_.crash(i);
    } else {
      cluster_.pause(i);
    }
  }
  return Status::ok();
}

PrimariesFn SimNemesis::primaries() const {
  return [this](std::vector<std::string>* out) {
    *out = cluster_.primaries();
    return Status::ok();
  };
}

// As the real clock nemesis (nemesis/clock.cc), on the nodes' simulated wall
// clocks. A strobe's changes run on virtual time; its op completes at once.
Status SimNemesis::start_clock(const std::string& spec, nlohmann::json* done) {
  ClockPlan plan;
  if (Status st =
          plan_clock_fault(spec, cluster_.names(), primaries(), options_, rng_, &plan, done);
      !st.is_ok())
    return st;
  constexpr int64_t kSecond = 1'000'000'000;
  for (const auto& [node, offset] : plan.offsets_s)
    cluster_.set_wall_offset(static_cast<size_t>(cluster_.index_of(node)), offset * kSecond);
  if (!plan.strobe_node.empty()) {
    auto ns = [](std::chrono::milliseconds ms) { return ms.count() * 1'000'000; };
    (*done)["changes"] = cluster_.strobe_wall_clock(
        static_cast<size_t>(cluster_.index_of(plan.strobe_node)), options_.strobe_s * kSecond,
        ns(options_.strobe_period), ns(options_.strobe_duration));
  }
  return Status::ok();
}

Status SimNemesis::stop(const std::string& kind, nlohmann::json* done) {
  if (kind == "clock") {
    for (size_t i = 0; i < cluster_.names().size(); ++i) cluster_.set_wall_offset(i, 0);
    (*done)["reset"] = cluster_.names();
    return Status::ok();
  }
  if (kind == "latency") {
    cluster_.set_link_faults({});
    (*done)["healed"] = cluster_.names();
    return Status::ok();
  }
  if (kind == "partition") {
    cluster_.set_grudge({});
    (*done)["healed"] = cluster_.names();
    return Status::ok();
  }
  if (kind == "loss") {
    cluster_.set_loss({}, 0);
    (*done)["healed"] = cluster_.names();
    return Status::ok();
  }
  if (kind == "disk") {
    heal_disks(cluster_);
    (*done)["healed"] = cluster_.names();
  }
  // Every stop but pause's restarts the nodes down: kill's, and the storage
  // faults' (a node that refused to start, or exited on a failed disk).
  const bool restarts = kind != "pause";
  std::vector<std::string> touched;
  Status st;
  if (kind == "kill") aim(options_.aimed_kill_percent / 100.0);  // as before kill:aimed
  if (restarts) {
    st = restart_all(&touched);
  } else {
    for (size_t i = 0; i < cluster_.names().size(); ++i) {
      if (!cluster_.paused(i)) continue;
      cluster_.resume(i);
      touched.push_back(cluster_.names()[i]);
    }
  }
  (*done)[restarts ? "restarted" : "resumed"] = touched;
  return st;
}

Status SimNemesis::restart_all(std::vector<std::string>* restarted) {
  Status first;
  for (size_t i = 0; i < cluster_.names().size(); ++i) {
    if (cluster_.up(i)) continue;
    Status st = cluster_.restart(i);
    if (st.is_ok()) restarted->push_back(cluster_.names()[i]);
    if (first.is_ok()) first = st;
  }
  return first;
}

Status SimNemesis::heal(nlohmann::json* done) {
  cluster_.set_grudge({});
  cluster_.set_loss({}, 0);
  heal_disks(cluster_);
  cluster_.set_link_faults({});  // clock offsets stay, as the real heal leaves them
  nlohmann::json resumed = nlohmann::json::object();
  Status st = stop("pause", &resumed);
  std::vector<std::string> restarted;
  if (Status s = restart_all(&restarted); st.is_ok()) st = s;
  (*done)["resumed"] = resumed["resumed"];
  (*done)["restarted"] = restarted;
  return st;
}

}  // namespace faultline::sim
