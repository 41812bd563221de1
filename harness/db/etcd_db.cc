#include "harness/db/etcd_db.h"

#include <fmt/format.h>

#include "harness/db/etcd_http.h"
#include "harness/db/option_values.h"

namespace faultline {

namespace {

constexpr std::chrono::milliseconds kStatusTimeout{1000};

}  // namespace

Status parse_etcd_options(const std::map<std::string, std::string>& options, EtcdOptions* out) {
  EtcdOptions o = *out;
  std::vector<OptionSpec> specs;
  add_daemon_options(&specs, &o.binary, &o.dir, &o.client_port, &o.peer_port, &o.faketime,
                     &o.diskfs);
  specs.push_back(int_option("election-ms", 10, 50000, &o.election_ms));
  specs.push_back(int_option("heartbeat-ms", 1, 10000, &o.heartbeat_ms));
  std::string read;  // the deployment reads it (targets.cc)
  specs.push_back(enum_option("read", {"linearizable", "serializable"}, &read));
  if (Status st = parse_options("etcd", options, specs); !st.is_ok()) return st;
  if (Status st = check_ports_differ(o.client_port, o.peer_port); !st.is_ok()) return st;
  // etcd itself refuses an election timeout below 5 heartbeats.
  if (Status st = check_election_option("etcd", o.election_ms, o.heartbeat_ms, 5); !st.is_ok())
    return st;
  *out = std::move(o);
  return Status::ok();
}

EtcdDb::EtcdDb(SshPool& pool, std::vector<SshTarget> nodes, EtcdOptions options)
    : DaemonDb(
          pool, std::move(nodes),
          {"etcd", options.binary, options.dir, options.client_port, options.faketime, "etcd"}),
      options_(std::move(options)) {}

std::vector<std::string> EtcdDb::server_args(const std::string& node) const {
  const std::vector<SshTarget>& nodes = targets();
  std::string cluster;
  size_t self = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    cluster += fmt::format("{}{}=http://{}:{}", i == 0 ? "" : ",", nodes[i].node, nodes[i].host,
                           options_.peer_port);
    if (nodes[i].node == node) self = i;
  }
  const std::string peer_url = fmt::format("http://{}:{}", nodes[self].host, options_.peer_port);
  const std::string client_url =
      fmt::format("http://{}:{}", nodes[self].host, options_.client_port);
  // The cluster token names the nodes, so that members of another test's
  // cluster that happen to share an address never join this one. Once the
  // data directory exists (a restart), etcd ignores the --initial-* flags.
  return {"--name",
          node,
          "--data-dir",
          data_dir(),
          "--listen-peer-urls",
          peer_url,
          "--initial-advertise-peer-urls",
          peer_url,
          "--listen-client-urls",
          client_url,
          "--advertise-client-urls",
          client_url,
          "--initial-cluster",
          cluster,
          "--initial-cluster-state",
          "new",
          "--initial-cluster-token",
          "faultline-" + nodes[0].host,
          "--election-timeout",
          std::to_string(options_.election_ms),
          "--heartbeat-interval",
          std::to_string(options_.heartbeat_ms)};
}

Status EtcdDb::probe(const std::string& node) {
  EtcdStatus status;
  return etcd_status(client_host(node), client_port(), kStatusTimeout, &status);
}

Status EtcdDb::primaries(std::vector<std::string>* out) {
  return nodes_where(
      [this](const std::string& node) {
        EtcdStatus s;
        return etcd_status(client_host(node), client_port(), kStatusTimeout, &s).is_ok() &&
               s.leader == s.member_id;
      },
      out);
}

}  // namespace faultline
