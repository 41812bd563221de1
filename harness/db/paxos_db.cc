#include "harness/db/paxos_db.h"

#include <fmt/format.h>

#include "harness/db/option_values.h"
#include "targets/paxos/failpoints.h"

namespace faultline {

Status parse_paxos_options(const std::map<std::string, std::string>& options, PaxosOptions* out) {
  PaxosOptions o = *out;
  for (const auto& [key, value] : options) {
    Status st;
    if (key == "timeout-ms") {
      st = parse_int_option("paxos", key, value, 10, 600000, &o.timeout_ms);
    } else if (key == "client-port") {
      st = parse_int_option("paxos", key, value, 1, 65535, &o.client_port);
    } else if (key == "peer-port") {
      st = parse_int_option("paxos", key, value, 1, 65535, &o.peer_port);
    } else if (key == "binary") {
      o.binary = value;
    } else if (key == "dir") {
      o.dir = value;
    } else if (key == "faketime") {
      st = parse_bool_option("paxos", key, value, &o.faketime);
    } else if (key == "unsafe-failpoint") {
      // Each name is checked here, before anything is deployed.
      st = parse_list_option(
          key, value,
          [](const std::string& name) {
            paxos::Failpoints ignored;
            return paxos::enable_failpoint(name, &ignored);
          },
          &o.failpoints);
    } else {
      st = unknown_option("paxos", key,
                          "timeout-ms, binary, dir, client-port, peer-port, faketime, "
                          "unsafe-failpoint");
    }
    if (!st.is_ok()) return st;
  }
  if (Status st = check_ports_differ(o.client_port, o.peer_port); !st.is_ok()) return st;
  *out = std::move(o);
  return Status::ok();
}

PaxosDb::PaxosDb(SshPool& pool, std::vector<SshTarget> nodes, PaxosOptions options)
    : DaemonDb(pool, std::move(nodes),
               {"paxos", options.binary, options.dir, options.client_port, options.faketime, ""}),
      options_(std::move(options)) {}

std::vector<std::string> PaxosDb::server_args(const std::string& node) const {
  std::vector<std::string> args = cluster_args(node, options_.peer_port);
  args.insert(args.end(), {"--timeout-ms", std::to_string(options_.timeout_ms)});
  for (const std::string& name : options_.failpoints) {
    args.insert(args.end(), {"--unsafe-failpoint", name});
  }
  return args;
}

Status PaxosDb::primaries(std::vector<std::string>* out) {
  out->clear();
  return Status::ok();
}

}  // namespace faultline
