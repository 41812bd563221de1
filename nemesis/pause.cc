// Pauses: SIGSTOP the servers on some nodes (Db::pause); stop-pause sends
// SIGCONT to every running server (Db::resume), which is harmless for one
// that was not paused, so it also resumes what a crashed controller paused.
#include "nemesis/fault_kind.h"
#include "nemesis/node_commands.h"

namespace faultline {
namespace {

class PauseFault : public FaultKind {
 public:
  PauseFault(const NemesisContext& context, std::mt19937_64* rng) : context_(context), rng_(*rng) {}

  std::string name() const override { return "pause"; }

  Status start(const std::string& spec, nlohmann::json* done) override {
    std::vector<std::string> victims;
    if (Status st = choose_victims(context_, rng_, spec, fault_specs(name()), &victims);
        !st.is_ok())
      return st;
    (*done)["spec"] = spec;
    (*done)["paused"] = victims;
    return on_each(victims, [&](const std::string& node) { return context_.db.pause(node); });
  }

  Status stop(nlohmann::json* done) override {
    std::vector<std::string> resumed;
    Status st = resume_running_servers(context_, &resumed);
    (*done)["resumed"] = resumed;
    return st;
  }

 private:
  const NemesisContext& context_;
  std::mt19937_64& rng_;
};

}  // namespace

std::unique_ptr<FaultKind> make_pause_fault(const NemesisContext& context, std::mt19937_64* rng) {
  return std::make_unique<PauseFault>(context, rng);
}

}  // namespace faultline
