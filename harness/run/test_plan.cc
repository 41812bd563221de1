#include "harness/run/test_plan.h"

#include <fmt/format.h>

#include <algorithm>

#include "harness/run/run_executor.h"
#include "harness/run/scenario.h"
#include "nemesis/schedule.h"

namespace faultline {

using std::chrono::duration_cast;
using std::chrono::nanoseconds;

namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

nanoseconds seconds(double s) { return nanoseconds(static_cast<int64_t>(s * 1e9)); }

// The config's fault plans; check_plan has refused a config they do not parse.
std::vector<FaultPlan> fault_plans(const TestConfig& config) {
  std::vector<FaultPlan> plans;
  if (!parse_fault_plans(config.nemesis_kinds(), &plans).is_ok() ||
      !hold_fault_plans(config.held_kinds(), &plans).is_ok())
    plans.clear();
  return plans;
}

bool planned(const TestConfig& config, const std::string& kind) {
  for (const FaultPlan& plan : fault_plans(config))
    if (plan.kind == kind) return true;
  return false;
}

// Whether kill:aimed is planned (named: a plain kill never draws it).
bool aimed_planned(const std::vector<FaultPlan>& plans) {
  for (const FaultPlan& plan : plans)
    if (plan.kind == "kill" && std::count(plan.specs.begin(), plan.specs.end(), "aimed") != 0)
      return true;
  return false;
}

}  // namespace

Status check_plan(const TestConfig& config) {
  if (Status st = validate(config); !st.is_ok()) return st;
  const std::vector<std::string> targets = target_names();
  if (config.target_def == nullptr &&
      std::count(targets.begin(), targets.end(), config.target) == 0)
    return Status::invalid_argument(
        fmt::format("unknown target '{}' (known: {})", config.target, join(targets)));
  const std::vector<std::string> workloads = workload_names();
  if (std::count(workloads.begin(), workloads.end(), config.workload) == 0)
    return Status::invalid_argument(
        fmt::format("unknown workload '{}' (known: {})", config.workload, join(workloads)));
  std::vector<FaultPlan> plans;
  if (Status st = parse_fault_plans(config.nemesis_kinds(), &plans); !st.is_ok()) return st;
  if (Status st = hold_fault_plans(config.held_kinds(), &plans); !st.is_ok()) return st;
  if (config.scenario != nullptr)
    if (Status st = check_scenario(*config.scenario, plans); !st.is_ok()) return st;
  if (aimed_planned(plans) &&
      (config.target_def != nullptr || target_crash_point(config.target).empty()))
    return Status::invalid_argument(fmt::format(
        "--nemesis kill:aimed: target '{}' has no crash points (raftkv has 'vote', paxos "
        "'promise'); use another kill spec",
        config.target_def != nullptr ? config.target_def->name : config.target));
  NemesisOptions options;
  return apply_nemesis_options(config.nemesis_opts, &options);
}

std::map<std::string, std::string> target_options(const TestConfig& config) {
  std::map<std::string, std::string> options = config.opts;
  if (planned(config, "clock")) options.emplace("faketime", "true");
  if (planned(config, "disk")) options.emplace("diskfs", "true");
  if (aimed_planned(fault_plans(config))) options.emplace("crashpoints", "true");
  return options;
}

Status make_run_workload(const TestConfig& config, const Deployment& deployment, Workload* out) {
  WorkloadOptions o;
  o.concurrency = config.concurrency;
  // A few threads share each register so that their ops overlap (what makes
  // a history worth checking), while several keys keep the checker's search
  // small: the largest divisor of the concurrency up to 5.
  o.threads_per_key = 1;
  for (int n = std::min(5, config.concurrency); n >= 1; --n) {
    if (config.concurrency % n == 0) {
      o.threads_per_key = n;
      break;
    }
  }
  if (deployment.target_file.empty()) {
    if (Status st = target_capabilities(deployment.target, &o.target); !st.is_ok()) return st;
  } else {
    // A config-defined target offers what its protocol declares.
    o.target = {deployment.protocol.has_cas(), false, false, deployment.protocol.has_add()};
  }
  o.protocol = deployment.protocol;
  return make_workload(config.workload, o, out);
}

Status make_run_nemesis(const TestConfig& config, SshPool& pool,
                        const std::vector<SshTarget>& nodes, const ClusterState* cluster,
                        Deployment& deployment, std::unique_ptr<Nemesis>* out) {
  out->reset();
  const std::vector<FaultPlan> plans = fault_plans(config);
  if (plans.empty()) return Status::ok();
  NemesisContext context{pool, *deployment.db, {}, config.seed, {}};
  for (size_t i = 0; i < nodes.size(); ++i) {
    NemesisNode n{nodes[i].node, nodes[i].host};
    for (const NodeEndpoint& e : deployment.endpoints)
      if (e.name == n.name) n.client_port = e.port;
    if (cluster != nullptr)
      for (const LocalNode& local : cluster->nodes)
        if (local.name == n.name) n.netns = local.netns;
    context.nodes.push_back(n);
  }
  context.options.faketime_file = deployment.faketime_file;
  context.options.diskfs_ctl = deployment.diskfs_ctl;
  context.options.crash_point = deployment.crash_point;
  context.options.client_endpoints = deployment.endpoints;
  if (Status st = apply_nemesis_options(config.nemesis_opts, &context.options); !st.is_ok())
    return st;
  return make_nemesis(config.nemesis_kinds(), context, out);
}

GenPtr run_generator(const TestConfig& config, Workload& workload) {
  GenPtr main;
  if (config.scenario != nullptr) {  // the recorded ops and faults instead of random ones
    main = scenario_generator(*config.scenario, config.concurrency,
                              seconds(config.time_limit_s).count());
  } else {
    main = gen::on_clients(gen::time_limit(seconds(config.time_limit_s),
                                           gen::rate(config.rate, std::move(workload.generator))));
    if (const std::vector<FaultPlan> plans = fault_plans(config); !plans.empty()) {
      GenPtr faults = gen::on_nemesis(gen::time_limit(
          seconds(config.time_limit_s),
          nemesis_generator(plans, seconds(config.nemesis_interval_s), config.seed)));
      main = gen::any(gen::list(std::move(main), std::move(faults)));
    }
  }
  std::vector<GenPtr> phases;
  phases.push_back(std::move(main));
  phases.push_back(gen::on_nemesis(gen::once(gen::op(kHealOp))));
  if (workload.final_generator != nullptr)
    phases.push_back(gen::on_clients(std::move(workload.final_generator)));
  return gen::phases(std::move(phases));
}

}  // namespace faultline
