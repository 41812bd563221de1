// Faults on the server processes of some nodes, chosen by victim spec
// (choose_victims):
//   kill   SIGKILL (Db::kill); stop-kill starts every server that does not
//          run (Db::start), whoever stopped it. kill:aimed instead arms
//          the servers' crash point on a minority and restarts them as they
//          crash (aimed_kill.h); stop-kill (and heal) end that first.
//   pause  SIGSTOP (Db::pause); stop-pause sends SIGCONT to every running
//          server (Db::resume), which is harmless for one that was not
//          paused, so it also resumes what a crashed controller paused.
#include "nemesis/aimed_kill.h"
#include "nemesis/fault_kind.h"
#include "nemesis/node_commands.h"
#include "nemesis/random.h"

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

// kill: ProcessFault's, or for spec aimed an AimedKill on a minority.
class KillFault : public FaultKind {
 public:
  KillFault(const NemesisContext& context, std::mt19937_64* rng)
      : context_(context),
        rng_(*rng),
        plain_(context, rng,
               ProcessAction{"kill", "killed", &Db::kill, "restarted", start_stopped_servers}) {}

  std::string name() const override { return "kill"; }

  Status start(const std::string& spec, nlohmann::json* done) override {
    if (spec != "aimed") return plain_.start(spec, done);
    end_aimed(done);  // a start without its stop: the newer arming wins
    // A minority by default, so that a quorum stays up whatever crashes;
    // crash-nodes arms more (a crashed node is back within a second).
    std::vector<std::string> victims;
    if (context_.options.crash_nodes > 0) {
      victims = choose(node_names(context_), context_.options.crash_nodes, rng_);
    } else if (Status st =
                   choose_victims(context_, rng_, "minority", drawn_specs("kill"), &victims);
               !st.is_ok()) {
      return st;
    }
    Status st;
    aimed_ = std::make_unique<AimedKill>(context_, std::move(victims), done, &st);
    return st;
  }
  // A replayed kill (aimed records no choice: its replay is a plain start).
  Status start_chosen(const std::string& spec, const nlohmann::json& chosen,
                      nlohmann::json* done) override {
    return plain_.start_chosen(spec, chosen, done);
  }

  Status stop(nlohmann::json* done) override {
    Status st = end_aimed(done);
    if (Status s = plain_.stop(done); st.is_ok()) st = s;
    return st;
  }

  Status heal(nlohmann::json* done) override { return end_aimed(done); }

 private:
  Status end_aimed(nlohmann::json* done) {
    if (aimed_ == nullptr) return Status::ok();
    Status st = aimed_->end(done);
    aimed_.reset();
    return st;
  }

  const NemesisContext& context_;
  std::mt19937_64& rng_;
  ProcessFault plain_;
  std::unique_ptr<AimedKill> aimed_;  // while kill:aimed is on
};

}  // namespace

std::unique_ptr<FaultKind> make_kill_fault(const NemesisContext& context, std::mt19937_64* rng) {
  return std::make_unique<KillFault>(context, rng);
}

std::unique_ptr<FaultKind> make_pause_fault(const NemesisContext& context, std::mt19937_64* rng) {
  return std::make_unique<ProcessFault>(
      context, rng,
      ProcessAction{"pause", "paused", &Db::pause, "resumed", resume_running_servers});
}

}  // namespace faultline
