#include "harness/db/targets.h"

#include <fmt/format.h>

#include <filesystem>

#include "harness/db/config_db.h"
#include "harness/db/dht_db.h"
#include "harness/db/etcd_db.h"
#include "harness/db/option_values.h"
#include "harness/db/paxos_db.h"
#include "harness/db/raftkv_db.h"
#include "targets/paxos/failpoints.h"
#include "targets/raftkv/failpoints.h"

namespace faultline {

Status parse_raftkv_options(const std::map<std::string, std::string>& options, RaftkvOptions* out) {
  RaftkvOptions& o = *out;
  std::vector<OptionSpec> specs;
  add_daemon_options(&specs, &o.binary, &o.dir, &o.client_port, &o.peer_port, &o.faketime,
                     &o.diskfs);
  specs.push_back(int_option("election-ms", 10, 60000, &o.election_ms));
  specs.push_back(bool_option("crashpoints", &o.crashpoints));
  specs.push_back(int_option("heartbeat-ms", 1, 30000, &o.heartbeat_ms));
  // Passed through to the server as --NAME VALUE once checked.
  for (const auto& [name, max] : {std::pair<std::string, int>{"snapshot-threshold", 1 << 30},
                                  std::pair<std::string, int>{"max-append-entries", 1 << 20}}) {
    specs.push_back({name, [&o, name, max](const std::string& target, const std::string& value) {
                       int n = 0;
                       o.extra_args.insert(o.extra_args.end(), {"--" + name, value});
                       return parse_int_option(target, name, value, 1, max, &n);
                     }});
  }
  // Each failpoint name is checked here so that a typo fails before anything is deployed.
  std::vector<std::string> failpoints;
  specs.push_back(list_option(
      "unsafe-failpoint",
      [](const std::string& name) {
        raftkv::Failpoints ignored;
        return raftkv::enable_failpoint(name, &ignored);
      },
      &failpoints));
  if (Status st = parse_options("raftkv", options, specs); !st.is_ok()) return st;
  for (const std::string& name : failpoints)
    o.extra_args.insert(o.extra_args.end(), {"--unsafe-failpoint", name});
  if (Status st = check_ports_differ(o.client_port, o.peer_port); !st.is_ok()) return st;
  return check_election_option("raftkv", o.election_ms, o.heartbeat_ms, 2);
}

namespace {

// An error unless `binary` (find_target_binary(name) or --opt binary) was found.
Status require_binary(const std::string& binary, const std::string& name) {
  if (!binary.empty()) return Status::ok();
  return Status::invalid_argument(fmt::format(
      "cannot find {} next to faultline or in its build tree: pass --opt binary=PATH", name));
}

// Mounts the data directories of `db` (the deployment's) through
// faultline-diskfs and tells the deployment how to reach it.
Status enable_diskfs(DaemonDb* db, const std::string& durability, Deployment* out) {
  const std::string binary = find_target_binary("faultline-diskfs");
  if (binary.empty())
    return Status::invalid_argument(
        "cannot find faultline-diskfs (disk faults) next to faultline or in its build tree");
  db->use_diskfs(binary, durability);
  out->diskfs_ctl = db->diskfs()->control_command("");
  return Status::ok();
}

// Hands `db` to the deployment, with one endpoint per node; with `diskfs`
// (option diskfs: a durability model, "" for none) its data directories are
// mounted through diskfs.
Status deploy(std::unique_ptr<DaemonDb> db, const std::vector<SshTarget>& nodes,
              const std::string& target, bool faketime, const std::string& diskfs,
              Deployment* out) {
  out->endpoints.clear();
  for (const SshTarget& t : nodes)
    out->endpoints.push_back({t.node, db->client_host(t.node), db->client_port()});
  out->target = target;
  out->faketime_file = faketime ? db->faketime_file() : "";
  out->crash_point.clear();
  out->diskfs_ctl.clear();
  if (!diskfs.empty())
    if (Status st = enable_diskfs(db.get(), diskfs, out); !st.is_ok()) return st;
  out->db = std::move(db);
  return Status::ok();
}

Status raftkv_deployment(SshPool& pool, const std::vector<SshTarget>& nodes,
                         const std::map<std::string, std::string>& options, Deployment* out) {
  RaftkvOptions o;
  o.binary = find_target_binary("faultline-raftkv");
  if (Status st = parse_raftkv_options(options, &o); !st.is_ok()) return st;
  if (Status st = require_binary(o.binary, "faultline-raftkv"); !st.is_ok()) return st;
  if (Status st = deploy(std::make_unique<RaftkvDb>(pool, nodes, o), nodes, "raftkv", o.faketime,
                         o.diskfs, out);
      !st.is_ok())
    return st;
  out->crash_point = o.crashpoints ? raftkv::kVoteCrashPoint : "";
  return Status::ok();
}

Status dht_deployment(SshPool& pool, const std::vector<SshTarget>& nodes,
                      const std::map<std::string, std::string>& options, Deployment* out) {
  DhtOptions o;
  o.binary = find_target_binary("faultline-dht");
  if (Status st = parse_dht_options(options, &o); !st.is_ok()) return st;
  if (Status st = require_binary(o.binary, "faultline-dht"); !st.is_ok()) return st;
  if (Status st =
          deploy(std::make_unique<DhtDb>(pool, nodes, o), nodes, "dht", o.faketime, o.diskfs, out);
      !st.is_ok())
    return st;
  out->has_leader = false;
  return Status::ok();
}

Status etcd_deployment(SshPool& pool, const std::vector<SshTarget>& nodes,
                       const std::map<std::string, std::string>& options, Deployment* out) {
  EtcdOptions o;
  if (Status st = parse_etcd_options(options, &o); !st.is_ok()) return st;
  if (Status st = deploy(std::make_unique<EtcdDb>(pool, nodes, o), nodes, "etcd", o.faketime,
                         o.diskfs, out);
      !st.is_ok())
    return st;
  out->protocol.kind = ClientProtocol::Kind::kEtcdV3;
  const auto read = options.find("read");
  out->protocol.serializable_reads = read != options.end() && read->second == "serializable";
  return Status::ok();
}

Status paxos_deployment(SshPool& pool, const std::vector<SshTarget>& nodes,
                        const std::map<std::string, std::string>& options, Deployment* out) {
  PaxosOptions o;
  o.binary = find_target_binary("faultline-paxos");
  if (Status st = parse_paxos_options(options, &o); !st.is_ok()) return st;
  if (Status st = require_binary(o.binary, "faultline-paxos"); !st.is_ok()) return st;
  if (Status st = deploy(std::make_unique<PaxosDb>(pool, nodes, o), nodes, "paxos", o.faketime,
                         o.diskfs, out);
      !st.is_ok())
    return st;
  out->has_leader = false;
  out->crash_point = o.crashpoints ? paxos::kPromiseCrashPoint : "";
  return Status::ok();
}

}  // namespace

std::vector<std::string> target_names() { return {"raftkv", "dht", "etcd", "paxos"}; }

std::string target_crash_point(const std::string& target) {
  if (target == "raftkv") return raftkv::kVoteCrashPoint;
  if (target == "paxos") return paxos::kPromiseCrashPoint;
  return "";
}

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
  std::string diskfs;
  std::map<std::string, std::string> values;
  for (const auto& [key, value] : options) {
    if (key == "faketime" || key == "diskfs") {
      if (Status st = key == "faketime" ? parse_bool_option(file.name, key, value, &faketime)
                                        : parse_diskfs_option(file.name, value, &diskfs);
          !st.is_ok())
        return st;
    } else if (file.options.count(key) != 0) {
      values[key] = value;
    } else {
      std::string known = "faketime, diskfs";
      for (const auto& [name, ignored] : file.options) known += ", " + name;
      return Status::invalid_argument(
          fmt::format("--opt {}: unknown option for target {} of {} (known: {})", key, file.name,
                      file.path, known));
    }
  }
  if (Status st = deploy(std::make_unique<ConfigDb>(pool, nodes, file, values, faketime), nodes,
                         file.name, faketime, diskfs, out);
      !st.is_ok())
    return st;
  out->target_file = file.path;
  out->has_leader = file.primary != TargetFile::Probe::kNone;
  out->protocol = bind_protocol(file, values);
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
    // faultline-diskfs is the nemesis's (nemesis/disk/), not a target.
    for (const std::filesystem::path& p :
         {up / name, up / "targets" / subdir / name, up / "nemesis" / "disk" / name}) {
      if (std::filesystem::is_regular_file(p, ec)) return std::filesystem::weakly_canonical(p, ec);
    }
    if (up == up.parent_path()) break;
  }
  return "";
}

}  // namespace faultline
