#include "harness/db/raftkv_db.h"

#include <fmt/format.h>

#include <map>

namespace faultline {

RaftkvDb::RaftkvDb(SshPool& pool, std::vector<SshTarget> nodes, RaftkvOptions options)
    : DaemonDb(pool, std::move(nodes),
               {"raftkv", options.binary, options.dir, options.client_port, options.faketime, ""}),
      options_(std::move(options)) {}

std::vector<std::string> RaftkvDb::server_args(const std::string& node) const {
  const std::vector<SshTarget>& nodes = targets();
  size_t self = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].node == node) self = i;
  }
  std::vector<std::string> args = {
      "--id",           std::to_string(self + 1),
      "--peers",        numbered_addresses(options_.peer_port),
      "--client-peers", numbered_addresses(options_.client_port),
      "--client-addr",  fmt::format("{}:{}", nodes[self].host, options_.client_port),
      "--data-dir",     data_dir(),
      "--election-ms",  std::to_string(options_.election_ms),
      "--heartbeat-ms", std::to_string(options_.heartbeat_ms)};
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  if (options_.crashpoints) args.push_back("--allow-crashpoints");
  return args;
}

Status RaftkvDb::primaries(std::vector<std::string>* out) {
  return nodes_where(
      [this](const std::string& node) {
        std::map<std::string, std::string> fields;
        return info(node, &fields).is_ok() && fields["role"] == "leader";
      },
      out);
}

}  // namespace faultline
