#include "nemesis/nemesis.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "nemesis/fault_kind.h"
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

  void add(std::unique_ptr<FaultKind> kind) {
    std::string name = kind->name();
    kinds_[name] = std::move(kind);
  }

  Op invoke(const Op& op) override {
    nlohmann::json done = nlohmann::json::object();
    Status st = run(op, &done);
    Op completion = op.complete(EventType::kInfo, std::move(done));
    if (!st.is_ok()) completion.error = st.message();
    return completion;
  }

  Status heal() override {
    // One command per node for the rules and the clock, then the servers.
    std::string command = flush_chain_command();
    if (!context_.options.faketime_file.empty())
      command +=
          fmt::format("; [ ! -e {0} ] || {{ {1}; }}", shell_quote(context_.options.faketime_file),
                      write_offset_command(context_.options.faketime_file, "+0"));
    Status st = on_each(node_names(context_), [&](const std::string& node) {
      return run_on_node(context_, node, command);
    });
    std::vector<std::string> ignored;
    if (Status s = resume_running_servers(context_, &ignored); st.is_ok()) st = s;
    if (Status s = start_stopped_servers(context_, &ignored); st.is_ok()) st = s;
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
      for (const auto& [n, kind] : kinds_) list += (list.empty() ? "" : ", ") + n;
      return Status::invalid_argument(fmt::format(
          "nemesis: unknown f '{}' (expected start-X or stop-X, X one of: {})", op.f, list));
    }
    FaultKind& kind = *it->second;
    if (stop) return kind.stop(done);
    std::string spec;
    if (op.value.is_null()) {
      const std::vector<std::string> specs = kind.specs();
      spec = specs[random_below(rng_, specs.size())];
    } else if (op.value.is_string()) {
      spec = op.value.get<std::string>();
    } else {
      return Status::invalid_argument(
          fmt::format("nemesis: {} takes a spec string or null, got {}", op.f, op.value.dump()));
    }
    return kind.start(spec, done);
  }

  NemesisContext context_;
  std::mt19937_64 rng_;
  std::map<std::string, std::unique_ptr<FaultKind>> kinds_;
};

using Factory = std::unique_ptr<FaultKind> (*)(const NemesisContext&, std::mt19937_64*);

const std::vector<std::pair<std::string, Factory>>& factories() {
  static const std::vector<std::pair<std::string, Factory>> f = {
      {"partition", make_partition_fault}, {"loss", make_loss_fault},
      {"kill", make_kill_fault},           {"pause", make_pause_fault},
      {"clock", make_clock_fault},         {"corrupt", make_corrupt_fault}};
  return f;
}

}  // namespace

const std::vector<std::string>& nemesis_kinds() {
  static const std::vector<std::string> kinds = [] {
    std::vector<std::string> k;
    for (const auto& [name, factory] : factories()) k.push_back(name);
    return k;
  }();
  return kinds;
}

Status make_nemesis(const std::vector<std::string>& kinds, const NemesisContext& context,
                    std::unique_ptr<Nemesis>* out) {
  std::string known;
  for (const std::string& k : nemesis_kinds()) known += (known.empty() ? "" : ", ") + k;
  if (kinds.empty())
    return Status::invalid_argument(fmt::format("no nemesis kind given (known: {}, all)", known));
  std::vector<std::string> wanted;
  for (const std::string& k : kinds) {
    if (k == "all") {
      wanted.insert(wanted.end(), nemesis_kinds().begin(), nemesis_kinds().end());
      continue;
    }
    if (std::find(nemesis_kinds().begin(), nemesis_kinds().end(), k) == nemesis_kinds().end())
      return Status::invalid_argument(
          fmt::format("unknown nemesis kind '{}' (known: {}, all)", k, known));
    wanted.push_back(k);
  }
  if (std::find(wanted.begin(), wanted.end(), "clock") != wanted.end() &&
      context.options.faketime_file.empty())
    return Status::invalid_argument(
        "the clock nemesis needs servers started under libfaketime: set the offset file "
        "(NemesisOptions::faketime_file, e.g. RaftkvDb::faketime_file() with "
        "RaftkvOptions::faketime)");
  auto nemesis = std::make_unique<ComposedNemesis>(context);
  // The kinds hold references to the nemesis's own copy of the context and RNG.
  for (const auto& [name, factory] : factories())
    if (std::find(wanted.begin(), wanted.end(), name) != wanted.end())
      nemesis->add(factory(nemesis->context(), nemesis->rng()));
  *out = std::move(nemesis);
  return Status::ok();
}

}  // namespace faultline
