// Partitions: DROP rules in each node's FAULTLINE chain for the traffic to
// and from the nodes its grudge (grudge.h) names, both directions, so that a
// cut link loses packets at both of its ends. Traffic to and from anything
// else (the controller's SSH and clients) is untouched.
#include "nemesis/fault_kind.h"
#include "nemesis/grudge.h"
#include "nemesis/node_commands.h"

namespace faultline {
namespace {

constexpr const char* kTag = "partition";

class PartitionFault : public FaultKind {
 public:
  PartitionFault(const NemesisContext& context, std::mt19937_64* rng)
      : context_(context), rng_(*rng) {}

  std::string name() const override { return "partition"; }

  Status start(const std::string& spec, nlohmann::json* done) override {
    return apply(spec, nullptr, done);
  }
  Status start_chosen(const std::string& spec, const nlohmann::json& chosen,
                      nlohmann::json* done) override {
    return apply(spec, chosen, done);
  }

  Status stop(nlohmann::json* done) override { return heal_tagged_rules(context_, kTag, done); }

 private:
  // The grudge `chosen` names, or (null) the one partition_grudge draws.
  Status apply(const std::string& spec, const nlohmann::json& chosen, nlohmann::json* done) {
    std::vector<std::string> primaries;
    if (spec == "isolate-leader" && chosen.is_null())
      if (Status st = context_.db.primaries(&primaries); !st.is_ok()) return st;
    Grudge grudge;
    std::vector<std::string> isolated;
    const std::vector<std::string> nodes = node_names(context_);
    if (Status st = chosen.is_null()
                        ? partition_grudge(spec, nodes, primaries, rng_, &grudge, &isolated)
                        : recorded_grudge(chosen, spec, nodes, &grudge, &isolated);
        !st.is_ok())
      return st;
    (*done)["spec"] = spec;
    nlohmann::json cut = nlohmann::json::object();
    for (const auto& [node, others] : grudge) cut[node] = others;
    (*done)["grudge"] = cut;
    if (!isolated.empty()) {
      (*done)["isolated"] = isolated;
      std::vector<std::string> from;
      for (const std::string& n : nodes)
        if (n != isolated[0]) from.push_back(n);
      (*done)["from"] = from;
    }
    std::vector<std::string> cutting;
    for (const auto& [node, others] : grudge) cutting.push_back(node);
    return on_each(cutting, [&](const std::string& node) {
      std::vector<std::string> matches;
      for (const std::string& other : grudge.at(node)) {
        const std::string address = node_address(context_, other);
        matches.push_back("-s " + address);
        matches.push_back("-d " + address);
      }
      return run_on_node(context_, node, add_drop_rules_command(kTag, matches));
    });
  }

  const NemesisContext& context_;
  std::mt19937_64& rng_;
};

}  // namespace

std::unique_ptr<FaultKind> make_partition_fault(const NemesisContext& context,
                                                std::mt19937_64* rng) {
  return std::make_unique<PartitionFault>(context, rng);
}

}  // namespace faultline
