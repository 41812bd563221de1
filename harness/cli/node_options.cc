#include "harness/cli/node_options.h"

#include <fmt/format.h>

#include "base/exit_codes.h"

namespace faultline {

void add_node_options(CLI::App* cmd, NodeArgs* args) {
  cmd->add_option("--name", args->name, "Local cluster name")->capture_default_str();
  cmd->add_option("--root", args->root, "Directory holding the local cluster directories")
      ->capture_default_str();
  cmd->add_option("--nodes-file", args->nodes_file,
                  "Real hosts to use instead of a local cluster (TOML, docs/nodes.md)");
  cmd->add_option("--known-hosts", args->known_hosts,
                  "known_hosts file for --nodes-file (default: the file's, else "
                  "~/.ssh/known_hosts)");
  cmd->add_flag("--accept-new-host-keys", args->accept_new_host_keys,
                "With --nodes-file: record the key of a host not yet in known_hosts");
}

Status open_nodes(const NodeArgs& args, int create_nodes, std::unique_ptr<NodeSet>* out) {
  if (!args.nodes_file.empty()) {
    RemoteNodesRequest r;
    r.nodes_file = args.nodes_file;
    r.known_hosts = args.known_hosts;
    r.accept_new_host_keys = args.accept_new_host_keys;
    return NodeSet::open_remote(r, out);
  }
  if (!args.known_hosts.empty() || args.accept_new_host_keys)
    return Status::invalid_argument(
        "--known-hosts and --accept-new-host-keys go with --nodes-file");
  LocalNodesRequest l;
  l.root = args.root;
  l.name = args.name;
  l.create_nodes = create_nodes;
  return NodeSet::open_local(l, out);
}

void add_target_options(CLI::App* cmd, std::vector<std::string>* opts) {
  cmd->add_option("--opt", *opts,
                  "Target option key=value (repeatable), e.g. unsafe-failpoint=stale-read; "
                  "docs/cli.md lists each target's");
}

Status parse_opts(const std::vector<std::string>& opts, std::map<std::string, std::string>* out,
                  const char* flag) {
  for (const std::string& o : opts) {
    const size_t eq = o.find('=');
    if (eq == std::string::npos || eq == 0)
      return Status::invalid_argument(fmt::format("{} '{}': expected key=value", flag, o));
    if (!out->emplace(o.substr(0, eq), o.substr(eq + 1)).second)
      return Status::invalid_argument(fmt::format("{} {}: given twice", flag, o.substr(0, eq)));
  }
  return Status::ok();
}

int exit_code_for(const Status& st) {
  switch (st.code()) {
    case Status::Code::kInvalidArgument: return exit_code::kUsage;
    case Status::Code::kMalformed: return exit_code::kMalformed;
    default: return exit_code::kInfrastructure;
  }
}

}  // namespace faultline
