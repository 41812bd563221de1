#include "harness/db/paxos_db.h"

#include <fmt/format.h>

#include <charconv>

#include "targets/paxos/failpoints.h"

namespace faultline {
namespace {

Status parse_int(const std::string& key, const std::string& text, int min, int max, int* out) {
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    return Status::invalid_argument(fmt::format(
        "--opt {}={}: expected an integer from {} to {} for target paxos", key, text, min, max));
  }
  *out = v;
  return Status::ok();
}

}  // namespace

Status parse_paxos_options(const std::map<std::string, std::string>& options, PaxosOptions* out) {
  PaxosOptions o = *out;
  for (const auto& [key, value] : options) {
    Status st;
    if (key == "timeout-ms") {
      st = parse_int(key, value, 10, 600000, &o.timeout_ms);
    } else if (key == "client-port") {
      st = parse_int(key, value, 1, 65535, &o.client_port);
    } else if (key == "peer-port") {
      st = parse_int(key, value, 1, 65535, &o.peer_port);
    } else if (key == "binary") {
      o.binary = value;
    } else if (key == "dir") {
      o.dir = value;
    } else if (key == "faketime") {
      if (value != "true" && value != "false") {
        st = Status::invalid_argument(
            fmt::format("--opt faketime={}: expected true or false for target paxos", value));
      }
      o.faketime = value == "true";
    } else if (key == "unsafe-failpoint") {
      // Comma-separated; each name is checked here, before anything is deployed.
      for (size_t start = 0; st.is_ok() && start <= value.size();) {
        const size_t comma = std::min(value.find(',', start), value.size());
        const std::string name = value.substr(start, comma - start);
        paxos::Failpoints ignored;
        st = paxos::enable_failpoint(name, &ignored);
        if (!st.is_ok()) st = Status::invalid_argument("--opt unsafe-failpoint: " + st.message());
        o.failpoints.push_back(name);
        start = comma + 1;
      }
    } else {
      st = Status::invalid_argument(
          fmt::format("--opt {}: unknown option for target paxos (known: timeout-ms, binary, dir, "
                      "client-port, peer-port, faketime, unsafe-failpoint)",
                      key));
    }
    if (!st.is_ok()) return st;
  }
  if (o.client_port == o.peer_port) {
    return Status::invalid_argument("--opt client-port and peer-port must differ");
  }
  *out = std::move(o);
  return Status::ok();
}

PaxosDb::PaxosDb(SshPool& pool, std::vector<SshTarget> nodes, PaxosOptions options)
    : DaemonDb(pool, std::move(nodes),
               {"paxos", options.binary, options.dir, options.client_port, options.faketime, ""}),
      options_(std::move(options)) {}

std::vector<std::string> PaxosDb::server_args(const std::string& node) const {
  const std::vector<SshTarget>& nodes = targets();
  std::string peers;
  size_t self = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    peers += fmt::format("{}{}={}:{}", i == 0 ? "" : ",", i + 1, nodes[i].host, options_.peer_port);
    if (nodes[i].node == node) self = i;
  }
  std::vector<std::string> args = {
      "--id",          std::to_string(self + 1),
      "--nodes",       peers,
      "--client-addr", fmt::format("{}:{}", nodes[self].host, options_.client_port),
      "--data-dir",    data_dir(),
      "--timeout-ms",  std::to_string(options_.timeout_ms)};
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
