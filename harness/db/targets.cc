#include "harness/db/targets.h"

#include <fmt/format.h>

#include <filesystem>

#include "harness/db/config_db.h"
#include "harness/db/dht_db.h"
#include "harness/db/etcd_db.h"
#include "harness/db/option_values.h"
#include "harness/db/paxos_db.h"
#include "harness/db/raftkv_db.h"
#include "targets/raftkv/failpoints.h"

namespace faultline {

Status parse_raftkv_options(const std::map<std::string, std::string>& options, RaftkvOptions* out) {
  RaftkvOptions& o = *out;
  for (const auto& [key, value] : options) {
    Status st;
    if (key == "binary") {
      o.binary = value;
    } else if (key == "dir") {
      o.dir = value;
    } else if (key == "election-ms") {
      st = parse_int_option("raftkv", key, value, 10, 60000, &o.election_ms);
    } else if (key == "heartbeat-ms") {
      st = parse_int_option("raftkv", key, value, 1, 30000, &o.heartbeat_ms);
    } else if (key == "client-port") {
      st = parse_int_option("raftkv", key, value, 1, 65535, &o.client_port);
    } else if (key == "peer-port") {
      st = parse_int_option("raftkv", key, value, 1, 65535, &o.peer_port);
    } else if (key == "snapshot-threshold") {
      int n = 0;
      st = parse_int_option("raftkv", key, value, 1, 1 << 30, &n);
      o.extra_args.insert(o.extra_args.end(), {"--snapshot-threshold", value});
    } else if (key == "max-append-entries") {
      int n = 0;
      st = parse_int_option("raftkv", key, value, 1, 1 << 20, &n);
      o.extra_args.insert(o.extra_args.end(), {"--max-append-entries", value});
    } else if (key == "faketime") {
      st = parse_bool_option("raftkv", key, value, &o.faketime);
    } else if (key == "unsafe-failpoint") {
      // A comma-separated list; each name is checked here so that a typo
      // fails before anything is deployed.
      size_t start = 0;
      while (st.is_ok() && start <= value.size()) {
        const size_t comma = std::min(value.find(',', start), value.size());
        const std::string name = value.substr(start, comma - start);
        raftkv::Failpoints ignored;
        st = raftkv::enable_failpoint(name, &ignored);
        if (!st.is_ok()) st = Status::invalid_argument("--opt unsafe-failpoint: " + st.message());
        o.extra_args.insert(o.extra_args.end(), {"--unsafe-failpoint", name});
        start = comma + 1;
      }
    } else {
      st = Status::invalid_argument(fmt::format(
          "--opt {}: unknown option for target raftkv (known: binary, dir, election-ms, "
          "heartbeat-ms, client-port, peer-port, snapshot-threshold, max-append-entries, faketime, "
          "unsafe-failpoint)",
          key));
    }
    if (!st.is_ok()) return st;
  }
  if (o.client_port == o.peer_port)
    return Status::invalid_argument("--client-port and --peer-port must differ");
  if (o.election_ms < 2 * o.heartbeat_ms)
    return Status::invalid_argument(
        fmt::format("--opt election-ms ({}) must be at least twice heartbeat-ms ({})",
                    o.election_ms, o.heartbeat_ms));
  return Status::ok();
}

namespace {

Status raftkv_deployment(SshPool& pool, const std::vector<SshTarget>& nodes,
                         const std::map<std::string, std::string>& options, Deployment* out) {
  RaftkvOptions o;
  o.binary = find_target_binary("faultline-raftkv");
  if (Status st = parse_raftkv_options(options, &o); !st.is_ok()) return st;
  if (o.binary.empty())
    return Status::invalid_argument(
        "cannot find faultline-raftkv next to faultline or in its build tree: pass --opt "
        "binary=PATH");
  auto db = std::make_unique<RaftkvDb>(pool, nodes, o);
  out->endpoints.clear();
  for (const SshTarget& t : nodes)
    out->endpoints.push_back({t.node, db->client_host(t.node), db->client_port()});
  out->target = "raftkv";
  out->faketime_file = o.faketime ? db->faketime_file() : "";
  out->db = std::move(db);
  return Status::ok();
}

Status dht_deployment(SshPool& pool, const std::vector<SshTarget>& nodes,
                      const std::map<std::string, std::string>& options, Deployment* out) {
  DhtOptions o;
  o.binary = find_target_binary("faultline-dht");
  if (Status st = parse_dht_options(options, &o); !st.is_ok()) return st;
  if (o.binary.empty())
    return Status::invalid_argument(
        "cannot find faultline-dht next to faultline or in its build tree: pass --opt "
        "binary=PATH");
  auto db = std::make_unique<DhtDb>(pool, nodes, o);
  out->endpoints.clear();
  for (const SshTarget& t : nodes)
    out->endpoints.push_back({t.node, db->client_host(t.node), db->client_port()});
  out->target = "dht";
  out->has_leader = false;
  out->faketime_file = o.faketime ? db->faketime_file() : "";
  out->db = std::move(db);
  return Status::ok();
}

Status etcd_deployment(SshPool& pool, const std::vector<SshTarget>& nodes,
                       const std::map<std::string, std::string>& options, Deployment* out) {
  EtcdOptions o;
  if (Status st = parse_etcd_options(options, &o); !st.is_ok()) return st;
  auto db = std::make_unique<EtcdDb>(pool, nodes, o);
  out->endpoints.clear();
  for (const SshTarget& t : nodes)
    out->endpoints.push_back({t.node, db->client_host(t.node), db->client_port()});
  out->target = "etcd";
  out->protocol.kind = ClientProtocol::Kind::kEtcdV3;
  const auto read = options.find("read");
  out->protocol.serializable_reads = read != options.end() && read->second == "serializable";
  out->faketime_file = o.faketime ? db->faketime_file() : "";
  out->db = std::move(db);
  return Status::ok();
}

Status paxos_deployment(SshPool& pool, const std::vector<SshTarget>& nodes,
                        const std::map<std::string, std::string>& options, Deployment* out) {
  PaxosOptions o;
  o.binary = find_target_binary("faultline-paxos");
  if (Status st = parse_paxos_options(options, &o); !st.is_ok()) return st;
  if (o.binary.empty())
    return Status::invalid_argument(
        "cannot find faultline-paxos next to faultline or in its build tree: pass --opt "
        "binary=PATH");
  auto db = std::make_unique<PaxosDb>(pool, nodes, o);
  out->endpoints.clear();
  for (const SshTarget& t : nodes)
    out->endpoints.push_back({t.node, db->client_host(t.node), db->client_port()});
  out->target = "paxos";
  out->has_leader = false;
  out->faketime_file = o.faketime ? db->faketime_file() : "";
  out->db = std::move(db);
  return Status::ok();
}

}  // namespace

std::vector<std::string> target_names() { return {"raftkv", "dht", "etcd", "paxos"}; }

Status make_deployment(const std::string& target, SshPool& pool,
                       const std::vector<SshTarget>& nodes,
                       const std::map<std::string, std::string>& options, Deployment* out) {
  if (target == "raftkv") return raftkv_deployment(pool, nodes, options, out);
  if (target == "dht") return dht_deployment(pool, nodes, options, out);
  if (target == "etcd") return etcd_deployment(pool, nodes, options, out);
  if (target == "paxos") return paxos_deployment(pool, nodes, options, out);
  std::string known;
  for (const std::string& name : target_names()) known += (known.empty() ? "" : ", ") + name;
  return Status::invalid_argument(fmt::format("unknown target '{}' (known: {})", target, known));
}

Status make_file_deployment(const TargetFile& file, SshPool& pool,
                            const std::vector<SshTarget>& nodes,
                            const std::map<std::string, std::string>& options, Deployment* out) {
  bool faketime = false;
  std::map<std::string, std::string> values;
  for (const auto& [key, value] : options) {
    if (key == "faketime") {
      if (Status st = parse_bool_option(file.name, key, value, &faketime); !st.is_ok()) return st;
    } else if (file.options.count(key) != 0) {
      values[key] = value;
    } else {
      std::string known = "faketime";
      for (const auto& [name, ignored] : file.options) known += ", " + name;
      return Status::invalid_argument(
          fmt::format("--opt {}: unknown option for target {} of {} (known: {})", key, file.name,
                      file.path, known));
    }
  }
  auto db = std::make_unique<ConfigDb>(pool, nodes, file, values, faketime);
  out->endpoints.clear();
  for (const SshTarget& t : nodes)
    out->endpoints.push_back({t.node, db->client_host(t.node), db->client_port()});
  out->target = file.name;
  out->target_file = file.path;
  out->has_leader = file.primary != TargetFile::Probe::kNone;
  out->protocol = bind_protocol(file, values);
  out->faketime_file = faketime ? db->faketime_file() : "";
  out->db = std::move(db);
  return Status::ok();
}

std::string find_target_binary(const std::string& name) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const std::filesystem::path dir = self.parent_path();
  // Installed: side by side. Build tree: faultline is <build>/harness/cli/,
  // the targets <build>/targets/<dir>/; test binaries sit elsewhere in it.
  std::string subdir = name.rfind("faultline-", 0) == 0 ? name.substr(10) : name;
  for (std::filesystem::path up = dir;; up = up.parent_path()) {
    for (const std::filesystem::path& p : {up / name, up / "targets" / subdir / name}) {
      if (std::filesystem::is_regular_file(p, ec)) return std::filesystem::weakly_canonical(p, ec);
    }
    if (up == up.parent_path()) break;
  }
  return "";
}

}  // namespace faultline
