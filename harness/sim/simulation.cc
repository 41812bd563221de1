#include "harness/sim/simulation.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "harness/generator/simulate.h"
#include "harness/run/recorder.h"
#include "harness/run/run_executor.h"
#include "harness/run/test_plan.h"
#include "harness/sim/event_loop.h"
#include "harness/sim/sim_clients.h"
#include "harness/sim/sim_cluster.h"
#include "harness/sim/sim_nemesis.h"
#include "harness/sim/sim_target.h"
#include "history/reader.h"

namespace faultline::sim {

namespace {

int64_t ns(double seconds) { return static_cast<int64_t>(seconds * 1e9); }

// What the workloads see of the simulated cluster: the built-in target,
// whose clients speak its default RESP commands.
Deployment sim_deployment(const TestConfig& config, const SimTarget& target) {
  Deployment d;
  d.target = config.target;
  d.has_leader = target.has_leader;
  return d;
}

// The test's world: a SimCluster, its clients and its nemesis on one loop.
class TargetWorld : public SimWorld {
 public:
  TargetWorld(const TestConfig& config, const SimTarget& target, KvOps ops,
              std::vector<FaultPlan> plans, NemesisOptions nemesis_options, uint64_t seed)
      : cluster_(loop_, seed, cluster_options(config, target)),
        has_leader_(target.has_leader),
        clients_(loop_, cluster_, std::move(ops), ns(config.op_timeout_s), config.concurrency),
        nemesis_(cluster_, std::move(plans), std::move(nemesis_options), seed ^ 0x5eed),
        recovery_timeout_(ns(config.recovery_timeout_s)) {}

  Status start() { return cluster_.start(); }
  const std::string& node_error() const {
    return node_error_.empty() ? cluster_.recovery_error() : node_error_;
  }
  int64_t aimed_kills() const { return cluster_.aimed_kills(); }
  int64_t aimed_stalls() const { return cluster_.aimed_stalls(); }
  int64_t events() const { return events_; }
  int64_t now() const { return loop_.now(); }

  void dispatch(int thread, const Op& invoke, int64_t now) override {
    loop_.advance_to(now);
    auto complete = [this, thread](Op completion) {
      completed_->emplace_back(thread, std::move(completion));
    };
    if (thread != kNemesisThread) {
      clients_.invoke(thread, invoke, complete);
      return;
    }
    if (invoke.f == kHealOp) {
      heal(invoke, complete);
      return;
    }
    Op c = nemesis_.invoke(invoke);
    note(c.error, invoke.f);
    loop_.after(0, [complete, c] { complete(c); });
  }
  int64_t next_event() const override { return loop_.next_time(); }
  void run_next(std::vector<std::pair<int, Op>>* completed) override {
    completed_ = completed;
    ++events_;
    loop_.run_next();
  }

 private:
  static SimClusterOptions cluster_options(const TestConfig& config, const SimTarget& target) {
    SimClusterOptions o;
    o.nodes = config.nodes;
    o.tick = target.tick;
    o.make_node = target.make_node;
    return o;
  }

  // Why the cluster has not recovered ("" when it has): every node runs, and
  // one leads if the target has leaders (as wait_for_cluster in a real run).
  std::string unrecovered() const {
    for (size_t i = 0; i < cluster_.names().size(); ++i)
      if (!cluster_.up(i) || cluster_.paused(i)) return cluster_.names()[i] + " is down";
    return has_leader_ && cluster_.primaries().empty() ? "no leader" : "";
  }

  // The final phase's heal, as RunExecutor's: undo every fault, then wait
  // (checking every 10 ms) until nothing is unrecovered().
  void heal(const Op& invoke, const std::function<void(Op)>& complete) {
    nlohmann::json done = nlohmann::json::object();
    const Status st = nemesis_.heal(&done);
    note(st.is_ok() ? "" : st.message(), "heal");
    const int64_t start = loop_.now();
    auto check = std::make_shared<std::function<void()>>();
    *check = [this, invoke, complete, start, check] {
      const std::string missing = unrecovered();
      const bool recovered = missing.empty();
      const int64_t waited = loop_.now() - start;
      if (!recovered && waited < recovery_timeout_) {
        loop_.after(ns(0.01), *check);
        return;
      }
      Op c = invoke.complete(EventType::kInfo, nullptr);
      c.value = {{"recovered", recovered}, {"ms", waited / 1'000'000}};
      if (!recovered) c.error = "recovery: " + missing;
      complete(c);
      *check = nullptr;  // breaks the cycle
    };
    loop_.after(0, *check);
  }

  void note(const std::string& error, const std::string& what) {
    if (error.find("does not recover") != std::string::npos && node_error_.empty())
      node_error_ = fmt::format("{}: {}", what, error);
  }

  EventLoop loop_;
  SimCluster cluster_;
  bool has_leader_;
  SimClients clients_;
  SimNemesis nemesis_;
  int64_t recovery_timeout_;
  std::vector<std::pair<int, Op>>* completed_ = nullptr;
  std::string node_error_;
  int64_t events_ = 0;
};

}  // namespace

Status check_sim_plan(const TestConfig& config) {
  if (Status st = check_plan(config); !st.is_ok()) return st;
  SimTarget target;
  if (Status st = make_sim_target(config, &target); !st.is_ok()) return st;
  Workload w;
  // The workloads a target cannot run are refused here as by faultline run.
  if (Status st = make_run_workload(config, sim_deployment(config, target), &w); !st.is_ok())
    return st;
  std::vector<FaultPlan> plans;
  if (Status st = parse_fault_plans(config.nemesis_kinds(), &plans); !st.is_ok()) return st;
  const std::vector<std::string>& kinds = simulated_fault_kinds();
  for (const FaultPlan& p : plans) {
    if (std::find(kinds.begin(), kinds.end(), p.kind) == kinds.end())
      return Status::invalid_argument(
          fmt::format("faultline sim does not simulate {} faults yet (it does: {})", p.kind,
                      fmt::join(kinds, ", ")));
    // Message sizes are not modelled; a plan without specs may draw bandwidth.
    if (p.kind == "latency" &&
        (p.specs.empty() || std::count(p.specs.begin(), p.specs.end(), "bandwidth") > 0))
      return Status::invalid_argument(
          "faultline sim does not simulate latency:bandwidth yet (name the latency specs: "
          "delay, one, one-way, slow-leader, one-way-leader, reorder)");
  }
  return Status::ok();
}

Status simulate_test(const TestConfig& given, uint64_t seed, SimResult* out) {
  const auto wall_start = std::chrono::steady_clock::now();
  if (Status st = check_sim_plan(given); !st.is_ok()) return st;
  TestConfig config = given;
  config.seed = seed;  // the nemesis schedule's choices
  config.seed_given = true;
  SimTarget target;
  if (Status st = make_sim_target(config, &target); !st.is_ok()) return st;
  Workload workload;
  if (Status st = make_run_workload(config, sim_deployment(config, target), &workload); !st.is_ok())
    return st;
  std::vector<FaultPlan> plans;
  if (Status st = parse_fault_plans(config.nemesis_kinds(), &plans); !st.is_ok()) return st;
  NemesisOptions nemesis_options;
  if (Status st = apply_nemesis_options(config.nemesis_opts, &nemesis_options); !st.is_ok())
    return st;

  TargetWorld world(config, target, workload.kv_ops, std::move(plans), std::move(nemesis_options),
                    seed);
  if (Status st = world.start(); !st.is_ok()) return st;
  SimOptions so;
  so.concurrency = config.concurrency;
  so.nemesis = true;
  so.seed = seed;
  // A guard against a generator that never ends: the phases take the time
  // limit, the recovery and the final reads.
  so.stop_at = ns(config.time_limit_s + config.recovery_timeout_s + 120);
  SimRun run = simulate(run_generator(config, workload), world, so);

  *out = SimResult{};
  out->seed = seed;
  out->history.source = fmt::format("sim seed {}", seed);
  for (const Op& event : run.events) append_event(event, &out->history, nullptr);
  out->recorded = std::move(run.events);
  std::vector<Operation> ops;
  if (Status st = pair_operations(out->history, &ops); !st.is_ok()) return st;
  CheckOptions check_options;
  check_options.threads = 1;  // seeds run in parallel, one per thread
  check_options.deadline = std::chrono::steady_clock::now() +
                           std::chrono::milliseconds(ns(config.check_timeout_s) / 1'000'000);
  Verdict verdict = workload.checkers.empty() ? Verdict::kUnknown : Verdict::kValid;
  for (const std::unique_ptr<Checker>& checker : workload.checkers) {
    CheckResult r = checker->check(out->history, ops, check_options);
    verdict = worst(verdict, r.verdict);
    out->checkers.push_back(std::move(r));
  }
  out->node_error = world.node_error();
  if (!out->node_error.empty()) verdict = worst(verdict, Verdict::kUnknown);
  out->verdict = verdict;
  out->events = world.events();
  out->aimed_kills = world.aimed_kills();
  out->aimed_stalls = world.aimed_stalls();
  out->virtual_ns = world.now();
  out->wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return Status::ok();
}

std::string SimResult::jsonl() const {
  std::string text;
  for (size_t i = 0; i < recorded.size(); ++i)
    text += history_line(recorded[i], static_cast<int64_t>(i));
  return text;
}

std::string replay_command(const TestConfig& c, uint64_t seed) {
  std::string out = fmt::format(
      "faultline sim --target {} --workload {} --nemesis {} --nodes {} --concurrency {} --rate {} "
      "--time-limit {} --nemesis-interval {} --op-timeout {}",
      c.target, c.workload, c.nemesis, c.nodes, c.concurrency, c.rate, c.time_limit_s,
      c.nemesis_interval_s, c.op_timeout_s);
  for (const auto& [key, value] : c.opts) out += fmt::format(" --opt {}={}", key, value);
  for (const auto& [key, value] : c.nemesis_opts)
    out += fmt::format(" --nemesis-opt {}={}", key, value);
  return out + fmt::format(" --seed {}", seed);
}

}  // namespace faultline::sim
