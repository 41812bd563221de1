// Disk faults through faultline-diskfs (nemesis/disk/; the Db mounts every
// node's data directory through it when disk faults are planned, and
// NemesisOptions::diskfs_ctl reaches it). Specs:
//   lose-unsynced  a power cut on disk_nodes nodes (0: all): SIGKILL their
//                  servers (Db::kill), drop what was not fsynced (file data
//                  since the file's last fsync, names since their
//                  directory's), start them again (Db::start)
//   torn           the same, but each node keeps a random prefix of its
//                  unsynced changes (the change at the cut in part)
//   slow           one random node's writes and fsyncs take disk_slow_ms more
//   fail           one random node's writes and fsyncs fail (EIO) for disk_fail_s
// The value says what each node lost: {"lost": {"n1": {"files": [...],
// "bytes": N, "entries": ["create wal-2.log", ...]}}}. stop-disk heals every
// node's diskfs and starts every server that does not run (a server may exit
// on a failed fsync, as it should).
#include <fmt/format.h>

#include <algorithm>
#include <mutex>

#include "nemesis/fault_kind.h"
#include "nemesis/node_commands.h"
#include "nemesis/random.h"
#include "nemesis/storage_choices.h"

namespace faultline {
namespace {

class DiskFault : public FaultKind {
 public:
  DiskFault(const NemesisContext& context, std::mt19937_64* rng) : context_(context), rng_(*rng) {}

  std::string name() const override { return "disk"; }

  Status start(const std::string& spec, nlohmann::json* done) override {
    const std::vector<std::string>& specs = fault_specs(name());
    if (std::find(specs.begin(), specs.end(), spec) == specs.end())
      return unknown_spec("disk", spec, specs);
    (*done)["spec"] = spec;
    const std::vector<std::string> all = node_names(context_);
    if (spec == "slow" || spec == "fail") {
      const std::string node = choose(all, 1, rng_)[0];
      (*done)["node"] = node;
      const std::string command = spec == "slow"
                                      ? fmt::format("slow {}", context_.options.disk_slow_ms)
                                      : fmt::format("fail {}", context_.options.disk_fail_s);
      if (spec == "slow")
        (*done)["ms"] = context_.options.disk_slow_ms;
      else
        (*done)["seconds"] = context_.options.disk_fail_s;
      return control(node, command, nullptr);
    }
    const std::vector<std::string> victims = disk_victims(all, context_.options, rng_);
    (*done)["nodes"] = victims;
    // A power cut: every victim is down before any loses its data.
    if (Status st =
            on_each(victims, [&](const std::string& node) { return context_.db.kill(node); });
        !st.is_ok())
      return st;
    std::map<std::string, std::string> commands;
    for (const std::string& node : victims)
      commands[node] = spec == "torn" ? fmt::format("torn {}", rng_()) : "lose-unsynced";
    std::mutex mutex;
    nlohmann::json lost = nlohmann::json::object();
    Status st = on_each(victims, [&](const std::string& node) {
      nlohmann::json answer;
      Status s = control(node, commands[node], &answer);
      std::lock_guard<std::mutex> lock(mutex);
      lost[node] = answer.value("lost", nlohmann::json());
      return s;
    });
    (*done)["lost"] = lost;
    // Started whatever happened above: a node left down is not the fault asked for.
    nlohmann::json start_errors = nlohmann::json::object();
    Status started = on_each(victims, [&](const std::string& node) {
      Status s = context_.db.start(node);
      std::lock_guard<std::mutex> lock(mutex);
      if (!s.is_ok()) start_errors[node] = s.message();
      return Status::ok();
    });
    (*done)["restarted"] = start_errors.empty();
    if (!start_errors.empty()) (*done)["start_errors"] = start_errors;
    return st;
  }

  Status stop(nlohmann::json* done) override {
    const std::vector<std::string> all = node_names(context_);
    Status st =
        on_each(all, [&](const std::string& node) { return control(node, "heal", nullptr); });
    (*done)["healed"] = all;
    std::vector<std::string> started;
    if (Status s = start_stopped_servers(context_, &started); st.is_ok()) st = s;
    (*done)["restarted"] = started;
    return st;
  }

 private:
  // Sends a control command to the node's diskfs; *answer gets its JSON.
  Status control(const std::string& node, const std::string& command, nlohmann::json* answer) {
    std::string out;
    Status st = run_on_node(context_, node, context_.options.diskfs_ctl + " " + command, &out);
    if (!st.is_ok()) return st;
    const nlohmann::json parsed = nlohmann::json::parse(out, nullptr, false);
    if (!parsed.is_object() || !parsed.value("ok", false))
      return Status::io_error(
          fmt::format("node {}: diskfs answered '{}' to {}", node, out, command));
    if (answer != nullptr) *answer = parsed;
    return Status::ok();
  }

  const NemesisContext& context_;
  std::mt19937_64& rng_;
};

}  // namespace

std::unique_ptr<FaultKind> make_disk_fault(const NemesisContext& context, std::mt19937_64* rng) {
  return std::make_unique<DiskFault>(context, rng);
}

}  // namespace faultline
