// Faults on the server processes of some nodes, chosen by victim spec
// (choose_victims):
//   kill   SIGKILL (Db::kill); stop-kill starts every server that does not
//          run (Db::start), whoever stopped it.
//   pause  SIGSTOP (Db::pause); stop-pause sends SIGCONT to every running
//          server (Db::resume), which is harmless for one that was not
//          paused, so it also resumes what a crashed controller paused.
#include "nemesis/fault_kind.h"
#include "nemesis/node_commands.h"

namespace faultline {
namespace {

// What one kind does to its victims and how it undoes it, with the names
// its start and stop completions give the nodes they touched.
struct ProcessAction {
  const char* kind;
  const char* victims_field;  // "killed", "paused"
  Status (Db::*apply)(const std::string& node);
  const char* undone_field;  // "restarted", "resumed"
  Status (*undo)(const NemesisContext& context, std::vector<std::string>* nodes);
};

class ProcessFault : public FaultKind {
 public:
  ProcessFault(const NemesisContext& context, std::mt19937_64* rng, ProcessAction action)
      : context_(context), rng_(*rng), action_(action) {}

  std::string name() const override { return action_.kind; }

  Status start(const std::string& spec, nlohmann::json* done) override {
    std::vector<std::string> victims;
    if (Status st = choose_victims(context_, rng_, spec, fault_specs(name()), &victims);
        !st.is_ok())
      return st;
    return apply(spec, victims, done);
  }
  Status start_chosen(const std::string& spec, const nlohmann::json& chosen,
                      nlohmann::json* done) override {
    std::vector<std::string> victims;
    if (Status st =
            recorded_victims(spec, fault_specs(name()), chosen, node_names(context_), &victims);
        !st.is_ok())
      return st;
    return apply(spec, victims, done);
  }

  Status stop(nlohmann::json* done) override {
    std::vector<std::string> nodes;
    Status st = action_.undo(context_, &nodes);
    (*done)[action_.undone_field] = nodes;
    return st;
  }

 private:
  Status apply(const std::string& spec, const std::vector<std::string>& victims,
               nlohmann::json* done) {
    (*done)["spec"] = spec;
    (*done)[action_.victims_field] = victims;
    return on_each(victims,
                   [&](const std::string& node) { return (context_.db.*action_.apply)(node); });
  }

  const NemesisContext& context_;
  std::mt19937_64& rng_;
  ProcessAction action_;
};

}  // namespace

std::unique_ptr<FaultKind> make_kill_fault(const NemesisContext& context, std::mt19937_64* rng) {
  return std::make_unique<ProcessFault>(
      context, rng, ProcessAction{"kill", "killed", &Db::kill, "restarted", start_stopped_servers});
}

std::unique_ptr<FaultKind> make_pause_fault(const NemesisContext& context, std::mt19937_64* rng) {
  return std::make_unique<ProcessFault>(
      context, rng,
      ProcessAction{"pause", "paused", &Db::pause, "resumed", resume_running_servers});
}

}  // namespace faultline
