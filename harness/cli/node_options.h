// Command-line options shared by the commands that act on nodes (`db`,
// `run`): which nodes (a local cluster by name, or a nodes file) and target
// options (--opt key=value), plus the exit code a failed Status maps to.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "harness/nodes/node_set.h"

namespace faultline {

struct NodeArgs {
  std::string name = "local";
  std::string root = kDefaultClusterRoot;
  std::string nodes_file;
  std::string known_hosts;
  bool accept_new_host_keys = false;
};

void add_node_options(CLI::App* cmd, NodeArgs* args);
// Opens the nodes: the nodes file if given, else the local cluster (brought
// up with `create_nodes` nodes if it does not exist and create_nodes > 0).
Status open_nodes(const NodeArgs& args, int create_nodes, std::unique_ptr<NodeSet>* out);

void add_target_options(CLI::App* cmd, std::vector<std::string>* opts);
// "key=value" pairs into a map; a pair without '=' or a repeated key is an error.
// `flag` names the option in errors.
Status parse_opts(const std::vector<std::string>& opts, std::map<std::string, std::string>* out,
                  const char* flag = "--opt");

// invalid_argument: 64 (usage); malformed: 65; anything else: 3 (infrastructure).
int exit_code_for(const Status& st);

}  // namespace faultline
