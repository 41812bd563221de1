#include "nemesis/node_commands.h"

#include <fmt/format.h>

#include <algorithm>

#include "harness/db/remote_daemon.h"
#include "harness/nodes/cluster_state.h"
#include "harness/nodes/process.h"
#include "nemesis/random.h"

namespace faultline {
namespace {

constexpr std::chrono::seconds kCommandTimeout{15};

// -w: wait for the xtables lock instead of failing when another iptables runs.
std::string iptables() { return "iptables -w 5"; }

}  // namespace

std::string add_drop_rules_command(const std::string& tag,
                                   const std::vector<std::string>& matches) {
  std::string rules;
  for (const std::string& m : matches)
    rules +=
        fmt::format("-A {} {} -m comment --comment faultline-{} -j DROP\n", kNemesisChain, m, tag);
  return fmt::format(
      "{ipt} -N {c} 2>/dev/null; for j in INPUT OUTPUT; do {ipt} -C $j -j {c} 2>/dev/null || "
      "{ipt} -I $j -j {c} || exit 1; done; "
      "iptables-restore -w 5 --noflush <<'FAULTLINE_RULES'\n*filter\n{rules}COMMIT\n"
      "FAULTLINE_RULES\n",
      fmt::arg("ipt", iptables()), fmt::arg("c", kNemesisChain), fmt::arg("rules", rules));
}

std::string delete_tagged_rules_command(const std::string& tag) {
  // `-S` prints each rule as the arguments that appended it; -A -> -D deletes
  // it. eval, because iptables may print the comment in quotes.
  return fmt::format(
      "{ipt} -S {c} 2>/dev/null | grep -F -- 'faultline-{tag}' | sed 's/^-A /-D /' | "
      "while read -r rule; do eval \"{ipt} $rule\" || exit 1; done",
      fmt::arg("ipt", iptables()), fmt::arg("c", kNemesisChain), fmt::arg("tag", tag));
}

std::string nat_rules_command(uint32_t skip_mark, const std::vector<std::string>& rules) {
  // Declaring the chain in iptables-restore creates it, or empties it when
  // it exists (also with --noflush): the rules replace any earlier ones.
  std::string lines = fmt::format(":{0} - [0:0]\n-A {0} -m mark --mark {1:#x} -j RETURN\n",
                                  kNemesisChain, skip_mark);
  for (const std::string& r : rules) lines += fmt::format("-A {} {}\n", kNemesisChain, r);
  return fmt::format(
      "iptables-restore -w 5 --noflush <<'FAULTLINE_RULES' || exit 1\n*nat\n{rules}COMMIT\n"
      "FAULTLINE_RULES\n"
      "{ipt} -t nat -C OUTPUT -j {c} 2>/dev/null || {ipt} -t nat -I OUTPUT -j {c}",
      fmt::arg("ipt", iptables()), fmt::arg("c", kNemesisChain), fmt::arg("rules", lines));
}

std::string flush_chain_command() {
  return fmt::format(
      "if {ipt} -n -L {c} >/dev/null 2>&1; then {ipt} -F {c}; fi; "
      "if {ipt} -t nat -n -L {c} >/dev/null 2>&1; then {ipt} -t nat -F {c}; fi",
      fmt::arg("ipt", iptables()), fmt::arg("c", kNemesisChain));
}

std::string write_offset_command(const std::string& file, const std::string& offset) {
  // libfaketime may read the file at any moment: never let it see it half written.
  return fmt::format("printf '%s\\n' {1} >{0}.tmp && mv -f {0}.tmp {0}", shell_quote(file),
                     shell_quote(offset));
}

Status run_on_node(const NemesisContext& context, const std::string& node,
                   const std::string& command, std::string* stdout_text) {
  return exec_checked(context.pool, node, command, kCommandTimeout, stdout_text);
}

Status on_each(const std::vector<std::string>& nodes,
               const std::function<Status(const std::string&)>& fn) {
  return run_parallel(nodes.size(), [&](size_t i) { return fn(nodes[i]); });
}

std::vector<std::string> node_names(const NemesisContext& context) {
  std::vector<std::string> names;
  for (const NemesisNode& n : context.nodes) names.push_back(n.name);
  return names;
}

Status heal_tagged_rules(const NemesisContext& context, const std::string& tag,
                         nlohmann::json* done) {
  const std::vector<std::string> nodes = node_names(context);
  (*done)["healed"] = nodes;
  return on_each(nodes, [&](const std::string& node) {
    return run_on_node(context, node, delete_tagged_rules_command(tag));
  });
}

std::string node_address(const NemesisContext& context, const std::string& node) {
  for (const NemesisNode& n : context.nodes)
    if (n.name == node) return n.address;
  return "";
}

Status start_stopped_servers(const NemesisContext& context, std::vector<std::string>* started) {
  const std::vector<std::string> nodes = node_names(context);
  std::vector<char> did_start(nodes.size(), 0);  // not vector<bool>: written concurrently
  Status st = run_parallel(nodes.size(), [&](size_t i) {
    bool running = false;
    if (Status s = context.db.running(nodes[i], &running); !s.is_ok() || running) return s;
    if (Status s = context.db.start(nodes[i]); !s.is_ok()) return s;
    did_start[i] = 1;
    return Status::ok();
  });
  started->clear();
  for (size_t i = 0; i < nodes.size(); ++i)
    if (did_start[i]) started->push_back(nodes[i]);
  return st;
}

Status resume_running_servers(const NemesisContext& context, std::vector<std::string>* resumed) {
  const std::vector<std::string> nodes = node_names(context);
  std::vector<char> did_resume(nodes.size(), 0);
  Status st = run_parallel(nodes.size(), [&](size_t i) {
    bool running = false;
    if (Status s = context.db.running(nodes[i], &running); !s.is_ok() || !running) return s;
    if (Status s = context.db.resume(nodes[i]); !s.is_ok()) return s;
    did_resume[i] = 1;
    return Status::ok();
  });
  resumed->clear();
  for (size_t i = 0; i < nodes.size(); ++i)
    if (did_resume[i]) resumed->push_back(nodes[i]);
  return st;
}

Status unknown_spec(const std::string& what, const std::string& spec,
                    const std::vector<std::string>& known) {
  std::string list;
  for (const std::string& s : known) list += (list.empty() ? "" : ", ") + s;
  return Status::invalid_argument(
      fmt::format("unknown {} spec '{}' (known: {})", what, spec, list));
}

Status choose_victims(const NemesisContext& context, std::mt19937_64& rng, const std::string& spec,
                      const std::vector<std::string>& allowed, std::vector<std::string>* victims) {
  std::vector<std::string> primaries;
  if (spec == "leader" && std::find(allowed.begin(), allowed.end(), spec) != allowed.end())
    if (Status st = context.db.primaries(&primaries); !st.is_ok()) return st;
  return choose_victims(node_names(context), primaries, rng, spec, allowed, victims);
}

Status choose_victims(const std::vector<std::string>& all,
                      const std::vector<std::string>& primaries, std::mt19937_64& rng,
                      const std::string& spec, const std::vector<std::string>& allowed,
                      std::vector<std::string>* victims) {
  if (std::find(allowed.begin(), allowed.end(), spec) == allowed.end())
    return unknown_spec("victim", spec, allowed);
  const size_t n = all.size();
  if (spec == "leader") {
    if (primaries.empty()) return Status::invalid_argument("no node considers itself leader");
    *victims = {primaries[0]};
  } else if (spec == "one") {
    *victims = choose(all, 1, rng);
  } else if (spec == "minority") {
    *victims = choose(all, std::max<size_t>(1, (n - 1) / 2), rng);
  } else if (spec == "majority") {
    *victims = choose(all, n / 2 + 1, rng);
  } else {  // all
    *victims = all;
  }
  return Status::ok();
}

Status recorded_victims(const std::string& spec, const std::vector<std::string>& allowed,
                        const nlohmann::json& chosen, const std::vector<std::string>& nodes,
                        std::vector<std::string>* out) {
  out->clear();
  if (std::find(allowed.begin(), allowed.end(), spec) == allowed.end())
    return unknown_spec("victim", spec, allowed);
  if (!chosen.is_array())
    return Status::invalid_argument(
        fmt::format("recorded nodes: expected an array of node names, got {}", chosen.dump()));
  for (const nlohmann::json& n : chosen) {
    const std::string name = n.is_string() ? n.get<std::string>() : n.dump();
    if (!n.is_string() || std::find(nodes.begin(), nodes.end(), name) == nodes.end())
      return Status::invalid_argument(
          fmt::format("recorded nodes: '{}' is not a node of this cluster", name));
    if (std::find(out->begin(), out->end(), name) != out->end())
      return Status::invalid_argument(fmt::format("recorded nodes: '{}' twice", name));
    out->push_back(name);
  }
  return Status::ok();
}

}  // namespace faultline
