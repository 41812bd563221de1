#include "harness/db/paxos_db.h"

#include <fmt/format.h>

#include "harness/db/option_values.h"
#include "targets/paxos/failpoints.h"

namespace faultline {

Status parse_paxos_options(const std::map<std::string, std::string>& options, PaxosOptions* out) {
  PaxosOptions o = *out;
  std::vector<OptionSpec> specs = {int_option("timeout-ms", 10, 600000, &o.timeout_ms),
                                   int_option("retry-ms", 2, 600000, &o.retry_ms),
                                   bool_option("crashpoints", &o.crashpoints)};
  add_daemon_options(&specs, &o.binary, &o.dir, &o.client_port, &o.peer_port, &o.faketime,
                     &o.diskfs);
  // Each failpoint name is checked here, before anything is deployed.
  specs.push_back(list_option(
      "unsafe-failpoint",
      [](const std::string& name) {
        paxos::Failpoints ignored;
        return paxos::enable_failpoint(name, &ignored);
      },
      &o.failpoints));
  if (Status st = parse_options("paxos", options, specs); !st.is_ok()) return st;
  if (Status st = check_ports_differ(o.client_port, o.peer_port); !st.is_ok()) return st;
  if (o.retry_ms > o.timeout_ms)
    return Status::invalid_argument(fmt::format(
        "paxos: --opt retry-ms={} is above timeout-ms={}: a proposal would give up before it "
        "asks a silent acceptor again",
        o.retry_ms, o.timeout_ms));
  *out = std::move(o);
  return Status::ok();
}

PaxosDb::PaxosDb(SshPool& pool, std::vector<SshTarget> nodes, PaxosOptions options)
    : DaemonDb(pool, std::move(nodes),
               {"paxos", options.binary, options.dir, options.client_port, options.faketime, ""}),
      options_(std::move(options)) {}

std::vector<std::string> PaxosDb::server_args(const std::string& node) const {
  std::vector<std::string> args = cluster_args(node, options_.peer_port);
  args.insert(args.end(), {"--timeout-ms", std::to_string(options_.timeout_ms), "--retry-ms",
                           std::to_string(options_.retry_ms)});
  for (const std::string& name : options_.failpoints) {
    args.insert(args.end(), {"--unsafe-failpoint", name});
  }
  if (options_.crashpoints) args.push_back("--allow-crashpoints");
  return args;
}

Status PaxosDb::primaries(std::vector<std::string>* out) {
  out->clear();
  return Status::ok();
}

}  // namespace faultline
