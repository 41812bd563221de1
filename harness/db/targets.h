// The systems under test `faultline run` can deploy, by name: each one's Db,
// where its clients connect, and what its client protocol supports. Target
// options come from `--opt key=value` (docs/cli.md lists them per target);
// an unknown key is an error, never ignored.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "harness/db/client_protocol.h"
#include "harness/db/db.h"
#include "harness/db/node_endpoint.h"
#include "harness/db/target_file.h"
#include "harness/ssh/ssh_pool.h"

namespace faultline {

struct Deployment {
  std::string target;
  std::string target_file;  // a config-defined target's file; "" for a built-in one
  std::unique_ptr<Db> db;
  std::vector<NodeEndpoint> endpoints;  // one per node, in node order
  bool has_leader = true;               // primaries() is meaningful
  ClientProtocol protocol;              // how the workloads' clients talk to it
  // The clock offset file the servers read through libfaketime (option
  // faketime=true); empty when they run on the real clock.
  std::string faketime_file;
  // With option diskfs (true/strict or ext4; diskfs=true is set when disk
  // faults are planned and diskfs is not given) the data
  // directories are mounted through faultline-diskfs, and this is the command
  // (run on a node, followed by a control command) that reaches it; "" when
  // they are not.
  std::string diskfs_ctl;
  // With option crashpoints=true (set when kill:aimed is planned) the servers
  // take DEBUG CRASHPOINT (--allow-crashpoints), and this is the point the
  // nemesis arms (target_crash_point); "" when they do not.
  std::string crash_point;
};

std::vector<std::string> target_names();

// The crash point of a built-in target's servers that kill:aimed arms: raftkv
// "vote", paxos "promise"; "" for a target without one (dht, etcd).
std::string target_crash_point(const std::string& target);

// Builds the deployment of `target` on `nodes` (all registered in `pool`,
// which must outlive the result). `options` are the --opt pairs; an unknown
// target or key, or a bad value, is an invalid_argument error naming it.
// Every target takes diskfs (false, true = strict, strict or ext4).
Status make_deployment(const std::string& target, SshPool& pool,
                       const std::vector<SshTarget>& nodes,
                       const std::map<std::string, std::string>& options, Deployment* out);

// Builds the deployment of the config-defined target `file` (docs/targets.md);
// `options` may set the file's options, faketime and diskfs, nothing else.
Status make_file_deployment(const TargetFile& file, SshPool& pool,
                            const std::vector<SshTarget>& nodes,
                            const std::map<std::string, std::string>& options, Deployment* out);

// The executable built with this faultline for `name` (e.g. faultline-raftkv):
// beside faultline when installed, or in its build tree; "" when not found.
std::string find_target_binary(const std::string& name);

}  // namespace faultline
