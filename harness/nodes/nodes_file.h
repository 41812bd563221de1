// Nodes files: real hosts (VMs, containers, machines running sshd) to test
// on instead of a local cluster. TOML, one [[node]] table per host:
//
//   known_hosts = "known_hosts"   # optional; default ~/.ssh/known_hosts
//   [[node]]
//   name = "n1"                   # required, unique
//   host = "192.168.56.11"        # required
//   port = 22                     # optional, default 22
//   user = "admin"                # optional, default "root"
//   key  = "keys/id_ed25519"      # required: private key file
//   sudo = true                   # optional, default: user != "root"
//
// Relative paths are relative to the nodes file's directory; "~/" is $HOME.
// docs/nodes.md has the full description.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "harness/ssh/ssh_session.h"

namespace faultline {

struct NodesFile {
  std::string path;
  std::string known_hosts;  // resolved
  std::vector<SshTarget> nodes;
};

// Parses and validates a nodes file. Errors say "path:line: what was
// expected" (Status::malformed), or that the file cannot be read (io_error).
Status parse_nodes_file(const std::string& path, NodesFile* out);

}  // namespace faultline
