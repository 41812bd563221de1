// Config-defined targets: a system under test described in TOML, with no C++
// (`faultline run --target-file FILE`, or a [target] table in a test file;
// docs/targets.md is the reference, docs/examples/targets/ the examples).
// The file says what to upload to each node, the commands to set it up and
// the daemon to start (templates with {node}, {index}, {host}, {port},
// {dir}, {data_dir}, {nodes}, {hosts}, named lists and options), how to tell
// it is ready and who is primary, which log files to collect, and the client
// protocol. Everything is checked when the file is read: an unknown key, a
// missing required one, a value of the wrong type or a bad template is a
// malformed error "path:line: ..." before anything is deployed.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "harness/db/client_protocol.h"
#include "harness/nodes/toml_file.h"

namespace faultline {

struct TargetFile {
  std::string path;  // the file it was read from
  std::string name;  // names the daemon's log (NAME.log) and pidfile
  std::string dir;   // on each node (absolute); {data_dir} is DIR/data
  int port = 0;      // the client port
  struct Upload {
    std::string local;   // absolute (a relative path is the file's directory's)
    std::string remote;  // absolute (a relative path is under dir)
  };
  std::vector<Upload> uploads;
  std::vector<std::string> setup;  // sh commands run on each node after the uploads
  // The daemon's argv: start[0] the program (under dir unless absolute), the
  // rest templates; an argument whose option placeholder is empty is left out.
  std::vector<std::string> start;
  // Optional: a graceful stop (sh on the node, e.g. "redis-cli -h {host}
  // shutdown"), run before the daemon gets SIGTERM; kill and pause are
  // always signals.
  std::string stop;
  std::map<std::string, std::string> lists;    // {name}: this template per node, comma-joined
  std::map<std::string, std::string> options;  // {name}: --opt name=value, else this default
  std::vector<std::string> logs;               // more files to collect (absolute), besides NAME.log
  enum class Probe { kNone, kRespPing, kRespInfo, kEtcdStatus, kCommand };
  Probe ready = Probe::kRespPing;  // kRespPing, kEtcdStatus or kCommand
  Probe primary = Probe::kNone;    // kNone, kRespInfo, kEtcdStatus or kCommand
  std::string ready_command;       // kCommand: exit 0 when the node serves
  std::string primary_command;     // kCommand: exit 0 on a primary
  std::string primary_info;        // kRespInfo: the INFO line of a primary ("role:leader")
  ClientProtocol protocol;
};

// Reads a target file: a TOML file whose only table is [target]. A missing
// file is an io_error; anything wrong in it is malformed, with path:line.
Status parse_target_file(const std::string& path, TargetFile* out);
// Reads the [target] table `table` of the TOML file at `path` (a test file).
Status parse_target_table(const toml::table& table, const std::string& path, TargetFile* out);

// The placeholders of a node's commands, for `node` (its index is 1-based)
// of `hosts` (node name -> address, in node order), with the options given
// (--opt) over the file's defaults.
std::map<std::string, std::string> node_values(
    const TargetFile& file, const std::vector<std::pair<std::string, std::string>>& hosts,
    size_t index, const std::map<std::string, std::string>& options);

// The file's client protocol with the options given (--opt) over the file's
// defaults bound into its http-json templates.
ClientProtocol bind_protocol(const TargetFile& file,
                             const std::map<std::string, std::string>& options);

}  // namespace faultline
