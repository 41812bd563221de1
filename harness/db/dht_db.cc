#include "harness/db/dht_db.h"

#include <fmt/format.h>

#include "harness/db/option_values.h"

namespace faultline {

Status parse_dht_options(const std::map<std::string, std::string>& options, DhtOptions* out) {
  DhtOptions o = *out;
  std::vector<OptionSpec> specs = {enum_option("mode", {"abd", "eventual"}, &o.mode),
                                   int_option("r", 1, 64, &o.r),
                                   int_option("w", 1, 64, &o.w),
                                   int_option("replicas", 1, 64, &o.replicas),
                                   int_option("vnodes", 1, 4096, &o.vnodes),
                                   int_option("timeout-ms", 10, 600000, &o.timeout_ms)};
  add_daemon_options(&specs, &o.binary, &o.dir, &o.client_port, &o.peer_port, &o.faketime,
                     &o.diskfs);
  if (Status st = parse_options("dht", options, specs); !st.is_ok()) return st;
  if (o.mode == "abd" && (o.r != 0 || o.w != 0)) {
    return Status::invalid_argument(
        "--opt r/w: mode abd always uses a majority of the replicas; r and w are for "
        "mode=eventual");
  }
  if (o.r > o.replicas || o.w > o.replicas) {
    return Status::invalid_argument(
        fmt::format("--opt r={} w={}: expected at most replicas ({})", o.r, o.w, o.replicas));
  }
  if (Status st = check_ports_differ(o.client_port, o.peer_port); !st.is_ok()) return st;
  *out = std::move(o);
  return Status::ok();
}

DhtDb::DhtDb(SshPool& pool, std::vector<SshTarget> nodes, DhtOptions options)
    : DaemonDb(pool, std::move(nodes),
               {"dht", options.binary, options.dir, options.client_port, options.faketime, ""}),
      options_(std::move(options)) {}

std::vector<std::string> DhtDb::server_args(const std::string& node) const {
  std::vector<std::string> args = cluster_args(node, options_.peer_port);
  args.insert(args.end(), {"--mode", options_.mode, "--replicas", std::to_string(options_.replicas),
                           "--vnodes", std::to_string(options_.vnodes), "--timeout-ms",
                           std::to_string(options_.timeout_ms)});
  if (options_.r != 0) args.insert(args.end(), {"--r", std::to_string(options_.r)});
  if (options_.w != 0) args.insert(args.end(), {"--w", std::to_string(options_.w)});
  return args;
}

Status DhtDb::setup(const std::string& node) {
  if (static_cast<size_t>(options_.replicas) > targets().size()) {
    return Status::invalid_argument(fmt::format("dht: replicas={} but the cluster has {} nodes",
                                                options_.replicas, targets().size()));
  }
  return DaemonDb::setup(node);
}

Status DhtDb::primaries(std::vector<std::string>* out) {
  out->clear();
  return Status::ok();
}

}  // namespace faultline
