#include "nemesis/nemesis.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "nemesis/aimed_kill.h"
#include "nemesis/fault_kind.h"
#include "nemesis/grudge.h"
#include "nemesis/node_commands.h"
#include "nemesis/random.h"

namespace faultline {
namespace {

// Dispatches start-X / stop-X to the kind named X, and heals everything.
class ComposedNemesis : public Nemesis {
 public:
  explicit ComposedNemesis(NemesisContext context)
      : context_(std::move(context)), rng_(context_.seed) {}

  const NemesisContext& context() const { return context_; }
  std::mt19937_64* rng() { return &rng_; }

  Status add(std::unique_ptr<FaultKind> kind, std::vector<std::string> specs) {
    std::string name = kind->name();
    if (Status st = kind->prepare(); !st.is_ok()) return st;
    kinds_[name] = Planned{std::move(kind), std::move(specs)};
    return Status::ok();
  }

  Op invoke(const Op& op) override {
    nlohmann::json done = nlohmann::json::object();
    Status st = run(op, &done);
    Op completion = op.complete(EventType::kInfo, std::move(done));
    if (!st.is_ok()) completion.error = st.message();
    return completion;
  }

  Status heal(nlohmann::json* done) override {
    // One command per node for the rules and the clock, then the servers.
    std::string command = flush_chain_command();
    if (!context_.options.faketime_file.empty())
      command +=
          fmt::format("; [ ! -e {0} ] || {{ {1}; }}", shell_quote(context_.options.faketime_file),
                      write_offset_command(context_.options.faketime_file, "+0"));
    // Ends slow and fail disks (a diskfs that is gone has nothing to heal).
    if (!context_.options.diskfs_ctl.empty())
      command += fmt::format("; {} heal >/dev/null 2>&1 || true", context_.options.diskfs_ctl);
    Status st = on_each(node_names(context_), [&](const std::string& node) {
      return run_on_node(context_, node, command);
    });
    nlohmann::json healed = nlohmann::json::object();
    for (auto& [name, planned] : kinds_)
      if (Status s = planned.kind->heal(&healed); st.is_ok()) st = s;
    std::vector<std::string> nodes;
    // Crash points armed by this nemesis or by a controller that crashed.
    if (!context_.options.crash_point.empty()) {
      if (Status s = disarm_crash_points(context_, node_names(context_), &nodes); st.is_ok())
        st = s;
      healed["disarmed"] = nodes;
    }
    if (Status s = resume_running_servers(context_, &nodes); st.is_ok()) st = s;
    healed["resumed"] = nodes;
    if (Status s = start_stopped_servers(context_, &nodes); st.is_ok()) st = s;
    healed["restarted"] = nodes;
    if (done != nullptr) *done = std::move(healed);
    return st;
  }

 private:
  Status run(const Op& op, nlohmann::json* done) {
    const bool start = op.f.rfind("start-", 0) == 0;
    const bool stop = op.f.rfind("stop-", 0) == 0;
    const std::string name = op.f.substr(start ? 6 : stop ? 5 : 0);
    auto it = kinds_.find(name);
    if ((!start && !stop) || it == kinds_.end()) {
      std::string list;
      for (const auto& [n, planned] : kinds_) list += (list.empty() ? "" : ", ") + n;
      return Status::invalid_argument(fmt::format(
          "nemesis: unknown f '{}' (expected start-X or stop-X, X one of: {})", op.f, list));
    }
    FaultKind& kind = *it->second.kind;
    if (stop) return kind.stop(done);
    FaultStart fault;
    if (Status st = parse_fault_start(name, op.value, it->second.specs, rng_, &fault); !st.is_ok())
      return st;
    return fault.chosen.is_null() ? kind.start(fault.spec, done)
                                  : kind.start_chosen(fault.spec, fault.chosen, done);
  }

  // A kind and the specs a null spec is drawn from.
  struct Planned {
    std::unique_ptr<FaultKind> kind;
    std::vector<std::string> specs;
  };

  NemesisContext context_;
  std::mt19937_64 rng_;
  std::map<std::string, Planned> kinds_;
};

using Factory = std::unique_ptr<FaultKind> (*)(const NemesisContext&, std::mt19937_64*);

struct KindEntry {
  std::string name;
  Factory factory;
  std::vector<std::string> specs;  // drawn when a plan names none (named_only_specs: more)
  // fault_choice_field: where its start's completion records the random
  // choice that FaultKind::start_chosen can make again; null: none.
  const char* choice_field = nullptr;
};

// Every kind, in the order "all" expands to, with its specs.
const std::vector<KindEntry>& kind_table() {
  static const std::vector<KindEntry> table = {
      {"partition", make_partition_fault, partition_specs(), "grudge"},
      {"loss", make_loss_fault, {"one", "all"}, "nodes"},
      {"kill", make_kill_fault, {"one", "minority", "majority", "leader", "all"}, "killed"},
      {"pause", make_pause_fault, {"one", "leader", "minority"}, "paused"},
      {"clock", make_clock_fault, {"skew", "bump", "bump-leader", "strobe"}},
      {"corrupt", make_corrupt_fault, {"truncate-wal", "flip-bits", "delete-data"}},
      {"disk", make_disk_fault, {"lose-unsynced", "torn", "slow", "fail"}},
      {"latency",
       make_latency_fault,
       {"delay", "one", "one-way", "slow-leader", "one-way-leader", "bandwidth", "reorder"}}};
  return table;
}

// The specs a kind takes only when a plan names them: kill's aimed needs
// servers with crash points, so neither a plain kill nor all may draw it.
const std::map<std::string, std::vector<std::string>>& named_only_specs() {
  static const std::map<std::string, std::vector<std::string>> specs = {{"kill", {"aimed"}}};
  return specs;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

Status make_planned_nemesis(const std::vector<FaultPlan>& plans, const NemesisContext& context,
                            std::unique_ptr<Nemesis>* out) {
  if (plans.empty())
    return Status::invalid_argument(
        fmt::format("no nemesis kind given (known: {}, all)", join(nemesis_kinds())));
  auto nemesis = std::make_unique<ComposedNemesis>(context);
  for (const FaultPlan& plan : plans) {
    auto entry = std::find_if(kind_table().begin(), kind_table().end(),
                              [&](const KindEntry& e) { return e.name == plan.kind; });
    if (entry == kind_table().end())
      return Status::invalid_argument(fmt::format("unknown nemesis kind '{}' (known: {}, all)",
                                                  plan.kind, join(nemesis_kinds())));
    if (plan.kind == "clock" && context.options.faketime_file.empty())
      return Status::invalid_argument(
          "the clock nemesis needs servers started under libfaketime: set the offset file "
          "(NemesisOptions::faketime_file, e.g. RaftkvDb::faketime_file() with "
          "RaftkvOptions::faketime)");
    if (plan.kind == "disk" && context.options.diskfs_ctl.empty())
      return Status::invalid_argument(
          "the disk nemesis needs the data directories mounted through faultline-diskfs "
          "(target option diskfs=true; NemesisOptions::diskfs_ctl)");
    if (std::count(plan.specs.begin(), plan.specs.end(), "aimed") != 0 &&
        context.options.crash_point.empty())
      return Status::invalid_argument(
          "kill:aimed needs servers with a crash point, started to accept DEBUG CRASHPOINT "
          "(target option crashpoints=true on raftkv or paxos; NemesisOptions::crash_point)");
    // The kinds hold references to the nemesis's own copy of the context and RNG.
    if (Status st = nemesis->add(entry->factory(nemesis->context(), nemesis->rng()),
                                 plan.specs.empty() ? entry->specs : plan.specs);
        !st.is_ok())
      return st;
  }
  *out = std::move(nemesis);
  return Status::ok();
}

}  // namespace

const std::vector<std::string>& nemesis_kinds() {
  static const std::vector<std::string> kinds = [] {
    std::vector<std::string> k;
    for (const KindEntry& e : kind_table()) k.push_back(e.name);
    return k;
  }();
  return kinds;
}

const std::vector<std::string>& fault_specs(const std::string& kind) {
  static const std::map<std::string, std::vector<std::string>> all = [] {
    std::map<std::string, std::vector<std::string>> m;
    for (const KindEntry& e : kind_table()) {
      m[e.name] = e.specs;
      const auto more = named_only_specs().find(e.name);
      if (more != named_only_specs().end())
        m[e.name].insert(m[e.name].end(), more->second.begin(), more->second.end());
    }
    return m;
  }();
  static const std::vector<std::string> none;
  const auto it = all.find(kind);
  return it == all.end() ? none : it->second;
}

const std::vector<std::string>& drawn_specs(const std::string& kind) {
  static const std::vector<std::string> none;
  for (const KindEntry& e : kind_table())
    if (e.name == kind) return e.specs;
  return none;
}

std::string fault_choice_field(const std::string& kind) {
  for (const KindEntry& e : kind_table())
    if (e.name == kind && e.choice_field != nullptr) return e.choice_field;
  return "";
}

Status parse_fault_start(const std::string& kind, const nlohmann::json& value,
                         const std::vector<std::string>& specs, std::mt19937_64& rng,
                         FaultStart* out) {
  *out = FaultStart{};
  if (value.is_null()) {
    out->spec = specs[random_below(rng, specs.size())];
    return Status::ok();
  }
  if (value.is_string()) {
    out->spec = value.get<std::string>();
    return Status::ok();
  }
  const std::string field = fault_choice_field(kind);
  const std::string expected =
      field.empty()
          ? fmt::format("start-{} takes a spec string or null", kind)
          : fmt::format("start-{} takes a spec string, null, or {{\"spec\": ..., \"{}\": ...}}",
                        kind, field);
  if (!value.is_object() || !value.contains("spec") || !value["spec"].is_string() ||
      field.empty() || !value.contains(field) || value.size() != 2)
    return Status::invalid_argument(fmt::format("nemesis: {}, got {}", expected, value.dump()));
  out->spec = value["spec"].get<std::string>();
  out->chosen = value[field];
  return Status::ok();
}

nlohmann::json fault_replay_value(const std::string& kind, const nlohmann::json& done) {
  if (!done.is_object() || !done.contains("spec")) return nullptr;
  const std::string field = fault_choice_field(kind);
  if (field.empty() || !done.contains(field)) return done["spec"];
  return {{"spec", done["spec"]}, {field, done[field]}};
}

Status parse_fault_plans(const std::vector<std::string>& items, std::vector<FaultPlan>* out) {
  out->clear();
  auto add = [&](FaultPlan plan) {
    for (const FaultPlan& p : *out)
      if (p.kind == plan.kind) return;
    out->push_back(std::move(plan));
  };
  for (const std::string& item : items) {
    const size_t colon = item.find(':');
    const std::string kind = item.substr(0, colon);
    if (kind == "all" && colon == std::string::npos) {
      for (const std::string& k : nemesis_kinds())
        if (k != "latency") add({k, {}});
      continue;
    }
    const std::vector<std::string>& known = fault_specs(kind);
    if (known.empty())
      return Status::invalid_argument(
          fmt::format("unknown nemesis '{}' (known: {}, all)", kind, join(nemesis_kinds())));
    FaultPlan plan{kind, {}};
    for (size_t start = colon; start != std::string::npos && start < item.size();) {
      const size_t plus = item.find('+', start + 1);
      const std::string spec = item.substr(start + 1, plus - start - 1);
      if (std::find(known.begin(), known.end(), spec) == known.end())
        return Status::invalid_argument(
            fmt::format("unknown {} spec '{}' in '{}' (known: {})", kind, spec, item, join(known)));
      plan.specs.push_back(spec);
      start = plus;
    }
    if (colon != std::string::npos && plan.specs.empty())
      return Status::invalid_argument(fmt::format(
          "'{}': expected {}:spec[+spec...] with specs from: {}", item, kind, join(known)));
    add(std::move(plan));
  }
  return Status::ok();
}

Status hold_fault_plans(const std::vector<std::string>& kinds, std::vector<FaultPlan>* plans) {
  std::vector<FaultPlan> held;
  for (const std::string& kind : kinds) {
    auto it = std::find_if(plans->begin(), plans->end(),
                           [&](const FaultPlan& p) { return p.kind == kind; });
    if (it == plans->end()) {
      std::vector<std::string> planned;
      for (const FaultPlan& p : *plans) planned.push_back(p.kind);
      return Status::invalid_argument(
          fmt::format("nemesis-hold: '{}' is not a planned nemesis kind (planned: {})", kind,
                      planned.empty() ? "none" : join(planned)));
    }
    it->held = true;
    held.push_back(std::move(*it));
    plans->erase(it);
  }
  plans->insert(plans->begin(), std::make_move_iterator(held.begin()),
                std::make_move_iterator(held.end()));
  return Status::ok();
}

Status make_nemesis(const std::vector<std::string>& items, const NemesisContext& context,
                    std::unique_ptr<Nemesis>* out) {
  std::vector<FaultPlan> plans;
  if (Status st = parse_fault_plans(items, &plans); !st.is_ok()) return st;
  return make_planned_nemesis(plans, context, out);
}

}  // namespace faultline
