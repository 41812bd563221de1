// Packet loss: DROP rules with `-m statistic --mode random --probability p`
// in the FAULTLINE chain. Spec "one": every packet a random node sends to or
// receives from another node is dropped with probability p at that node;
// "all": every packet between two nodes is dropped with probability p (the
// rule sits at the receiver only, so it is p, not 1-(1-p)^2). Traffic to and
// from anything but the nodes is untouched.
#include <fmt/format.h>

#include "nemesis/fault_kind.h"
#include "nemesis/node_commands.h"

namespace faultline {
namespace {

constexpr const char* kTag = "loss";

class LossFault : public FaultKind {
 public:
  LossFault(const NemesisContext& context, std::mt19937_64* rng) : context_(context), rng_(*rng) {}

  std::string name() const override { return "loss"; }

  Status start(const std::string& spec, nlohmann::json* done) override {
    return drop(spec, nullptr, done);
  }
  Status start_chosen(const std::string& spec, const nlohmann::json& chosen,
                      nlohmann::json* done) override {
    return drop(spec, chosen, done);
  }

  Status stop(nlohmann::json* done) override { return heal_tagged_rules(context_, kTag, done); }

 private:
  // On the nodes `chosen` names, or (null) those the spec draws: one, or all.
  Status drop(const std::string& spec, const nlohmann::json& chosen, nlohmann::json* done) {
    const std::vector<std::string> nodes = node_names(context_);
    std::vector<std::string> lossy;
    if (Status st = chosen.is_null()
                        ? choose_victims(nodes, {}, rng_, spec, fault_specs(name()), &lossy)
                        : recorded_victims(spec, fault_specs(name()), chosen, nodes, &lossy);
        !st.is_ok())
      return st;
    const bool both_directions = spec == "one";
    const double p = context_.options.loss_percent / 100.0;
    if (!(p > 0 && p <= 1))
      return Status::invalid_argument(
          fmt::format("loss percent must be in (0, 100], got {}", context_.options.loss_percent));
    (*done)["spec"] = spec;
    (*done)["nodes"] = lossy;
    (*done)["percent"] = context_.options.loss_percent;
    return on_each(lossy, [&](const std::string& node) {
      std::vector<std::string> matches;
      const std::string random = fmt::format("-m statistic --mode random --probability {:.4f}", p);
      for (const std::string& other : nodes) {
        if (other == node) continue;
        const std::string address = node_address(context_, other);
        matches.push_back(fmt::format("-s {} {}", address, random));
        if (both_directions) matches.push_back(fmt::format("-d {} {}", address, random));
      }
      return run_on_node(context_, node, add_drop_rules_command(kTag, matches));
    });
  }

  const NemesisContext& context_;
  std::mt19937_64& rng_;
};

}  // namespace

std::unique_ptr<FaultKind> make_loss_fault(const NemesisContext& context, std::mt19937_64* rng) {
  return std::make_unique<LossFault>(context, rng);
}

}  // namespace faultline
