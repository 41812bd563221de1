// Crashes: SIGKILL the servers on some nodes (Db::kill); stop-kill starts
// every server that does not run (Db::start), whoever stopped it.
#include "nemesis/fault_kind.h"
#include "nemesis/node_commands.h"

namespace faultline {
namespace {

class KillFault : public FaultKind {
 public:
  KillFault(const NemesisContext& context, std::mt19937_64* rng) : context_(context), rng_(*rng) {}

  std::string name() const override { return "kill"; }

  Status start(const std::string& spec, nlohmann::json* done) override {
    std::vector<std::string> victims;
    if (Status st = choose_victims(context_, rng_, spec, fault_specs(name()), &victims);
        !st.is_ok())
      return st;
    (*done)["spec"] = spec;
    (*done)["killed"] = victims;
    return on_each(victims, [&](const std::string& node) { return context_.db.kill(node); });
  }

  Status stop(nlohmann::json* done) override {
    std::vector<std::string> started;
    Status st = start_stopped_servers(context_, &started);
    (*done)["restarted"] = started;
    return st;
  }

 private:
  const NemesisContext& context_;
  std::mt19937_64& rng_;
};

}  // namespace

std::unique_ptr<FaultKind> make_kill_fault(const NemesisContext& context, std::mt19937_64* rng) {
  return std::make_unique<KillFault>(context, rng);
}

}  // namespace faultline
