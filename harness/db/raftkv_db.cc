#include "harness/db/raftkv_db.h"

#include <fmt/format.h>

#include <map>

#include "harness/nodes/process.h"

namespace faultline {

RaftkvDb::RaftkvDb(SshPool& pool, std::vector<SshTarget> nodes, RaftkvOptions options)
    : DaemonDb(pool, std::move(nodes),
               {"raftkv", options.binary, options.dir, options.client_port, options.faketime, ""}),
      options_(std::move(options)) {}

std::vector<std::string> RaftkvDb::server_args(const std::string& node) const {
  const std::vector<SshTarget>& nodes = targets();
  std::string peers, client_peers;
  size_t self = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::string sep = i == 0 ? "" : ",";
    peers += fmt::format("{}{}={}:{}", sep, i + 1, nodes[i].host, options_.peer_port);
    client_peers += fmt::format("{}{}={}:{}", sep, i + 1, nodes[i].host, options_.client_port);
    if (nodes[i].node == node) self = i;
  }
  std::vector<std::string> args = {
      "--id",           std::to_string(self + 1),
      "--peers",        peers,
      "--client-peers", client_peers,
      "--client-addr",  fmt::format("{}:{}", nodes[self].host, options_.client_port),
      "--data-dir",     data_dir(),
      "--election-ms",  std::to_string(options_.election_ms),
      "--heartbeat-ms", std::to_string(options_.heartbeat_ms)};
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  return args;
}

Status RaftkvDb::primaries(std::vector<std::string>* out) {
  const std::vector<std::string> names = nodes();
  std::vector<std::map<std::string, std::string>> infos(names.size());
  std::vector<char> answered(names.size(), 0);  // not vector<bool>: written concurrently
  // Nodes that do not answer are not primaries; the calls cannot fail.
  Status st = run_parallel(names.size(), [&](size_t i) {
    answered[i] = info(names[i], &infos[i]).is_ok() ? 1 : 0;
    return Status::ok();
  });
  if (!st.is_ok()) return st;
  out->clear();
  for (size_t i = 0; i < names.size(); ++i)
    if (answered[i] && infos[i]["role"] == "leader") out->push_back(names[i]);
  return Status::ok();
}

}  // namespace faultline
