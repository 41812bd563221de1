#include "harness/db/dht_db.h"

#include <fmt/format.h>

#include "harness/db/option_values.h"

namespace faultline {

Status parse_dht_options(const std::map<std::string, std::string>& options, DhtOptions* out) {
  DhtOptions o = *out;
  for (const auto& [key, value] : options) {
    Status st;
    if (key == "mode") {
      st = parse_enum_option("dht", key, value, {"abd", "eventual"}, &o.mode);
    } else if (key == "r") {
      st = parse_int_option("dht", key, value, 1, 64, &o.r);
    } else if (key == "w") {
      st = parse_int_option("dht", key, value, 1, 64, &o.w);
    } else if (key == "replicas") {
      st = parse_int_option("dht", key, value, 1, 64, &o.replicas);
    } else if (key == "vnodes") {
      st = parse_int_option("dht", key, value, 1, 4096, &o.vnodes);
    } else if (key == "timeout-ms") {
      st = parse_int_option("dht", key, value, 10, 600000, &o.timeout_ms);
    } else if (key == "client-port") {
      st = parse_int_option("dht", key, value, 1, 65535, &o.client_port);
    } else if (key == "peer-port") {
      st = parse_int_option("dht", key, value, 1, 65535, &o.peer_port);
    } else if (key == "binary") {
      o.binary = value;
    } else if (key == "dir") {
      o.dir = value;
    } else if (key == "faketime") {
      st = parse_bool_option("dht", key, value, &o.faketime);
    } else {
      st = unknown_option("dht", key,
                          "mode, r, w, replicas, vnodes, timeout-ms, binary, dir, client-port, "
                          "peer-port, faketime");
    }
    if (!st.is_ok()) return st;
  }
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
