// ConfigDb: the Db of a config-defined target (harness/db/target_file.h,
// docs/targets.md). DaemonDb does the lifecycle of the daemon the file's
// `start` names (pidfile, NAME.log, signals for stop, kill, pause); this
// adds the file's uploads and setup commands, its readiness and primary
// probes, and its extra log files. Commands run with sh on the node, their
// placeholders expanded for that node.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness/db/daemon_db.h"
#include "harness/db/target_file.h"

namespace faultline {

class ConfigDb : public DaemonDb {
 public:
  // `options`: the --opt values of the file's options (checked by the
  // caller); `faketime` as for DaemonDb.
  ConfigDb(SshPool& pool, std::vector<SshTarget> nodes, TargetFile file,
           std::map<std::string, std::string> options, bool faketime);

  // DaemonDb::setup (DIR/data), then the uploads, then the setup commands.
  Status setup(const std::string& node) override;
  Status probe(const std::string& node) override;
  // The file's stop command first, if it has one and the daemon runs (its
  // failure is the error), then DaemonDb::stop for what is left.
  Status stop(const std::string& node, std::chrono::milliseconds grace) override;
  // From the file's primary probe; always empty for `none`.
  Status primaries(std::vector<std::string>* out) override;
  // NAME.log, then each of the file's logs (by its file name).
  Status download_logs(const std::string& node, const std::string& local_dir) override;
  // start[1..] expanded for the node; an argument using an option whose
  // value is empty is left out.
  std::vector<std::string> server_args(const std::string& node) const override;

 private:
  std::map<std::string, std::string> values(const std::string& node) const;
  // Runs the file's command for the node: ok when it exits 0.
  Status run(const std::string& node, const std::string& command);

  TargetFile file_;
  std::map<std::string, std::string> options_;
};

}  // namespace faultline
