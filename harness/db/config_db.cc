#include "harness/db/config_db.h"

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "harness/db/etcd_http.h"
#include "harness/db/template.h"
#include "harness/nodes/process.h"

namespace faultline {
namespace {

constexpr std::chrono::milliseconds kCommandTimeout{15000};
constexpr std::chrono::milliseconds kUploadTimeout{60000};
constexpr std::chrono::milliseconds kProbeTimeout{2000};

DaemonDbOptions daemon_options(const TargetFile& file, bool faketime) {
  DaemonDbOptions o;
  o.name = file.name;
  o.dir = file.dir;
  o.client_port = file.port;
  o.faketime = faketime;
  o.executable = file.start[0];  // absolute: the parser made it so
  return o;
}

}  // namespace

ConfigDb::ConfigDb(SshPool& pool, std::vector<SshTarget> nodes, TargetFile file,
                   std::map<std::string, std::string> options, bool faketime)
    : DaemonDb(pool, std::move(nodes), daemon_options(file, faketime)),
      file_(std::move(file)),
      options_(std::move(options)) {}

std::map<std::string, std::string> ConfigDb::values(const std::string& node) const {
  std::vector<std::pair<std::string, std::string>> hosts;
  size_t index = 0;
  for (const SshTarget& t : targets()) {
    if (t.node == node) index = hosts.size();
    hosts.emplace_back(t.node, t.host);
  }
  return node_values(file_, hosts, index, options_);
}

Status ConfigDb::run(const std::string& node, const std::string& command) {
  return exec_checked(pool(), node, expand_template(command, values(node)), kCommandTimeout);
}

Status ConfigDb::setup(const std::string& node) {
  if (Status st = DaemonDb::setup(node); !st.is_ok()) return st;
  for (const TargetFile::Upload& u : file_.uploads) {
    if (!std::filesystem::is_regular_file(u.local))
      return Status::invalid_argument(
          fmt::format("{}: upload '{}' is not a file", file_.path, u.local));
    if (Status st = exec_checked(
            pool(), node,
            "mkdir -p " + shell_quote(std::filesystem::path(u.remote).parent_path().string()),
            kCommandTimeout);
        !st.is_ok())
      return st;
    const auto perms = std::filesystem::status(u.local).permissions();
    const int mode =
        (perms & std::filesystem::perms::owner_exec) != std::filesystem::perms::none ? 0755 : 0644;
    if (Status st = pool().upload(node, u.local, u.remote, mode, kUploadTimeout); !st.is_ok())
      return st;
  }
  for (const std::string& command : file_.setup)
    if (Status st = run(node, command); !st.is_ok()) return st;
  return Status::ok();
}

std::vector<std::string> ConfigDb::server_args(const std::string& node) const {
  const std::map<std::string, std::string> v = values(node);
  std::set<std::string> all;
  for (const auto& [name, value] : v) all.insert(name);
  std::vector<std::string> args;
  for (size_t i = 1; i < file_.start.size(); ++i) {
    std::set<std::string> used;
    template_names(file_.start[i], all, &used);
    bool empty_option = false;
    for (const std::string& name : used)
      empty_option |= file_.options.count(name) != 0 && v.at(name).empty();
    if (!empty_option) args.push_back(expand_template(file_.start[i], v));
  }
  return args;
}

Status ConfigDb::stop(const std::string& node, std::chrono::milliseconds grace) {
  bool runs = false;
  if (!file_.stop.empty()) {
    if (Status st = running(node, &runs); !st.is_ok()) return st;
    if (runs)
      if (Status st = run(node, file_.stop); !st.is_ok()) return st;
  }
  return DaemonDb::stop(node, grace);
}

Status ConfigDb::probe(const std::string& node) {
  switch (file_.ready) {
    case TargetFile::Probe::kEtcdStatus: {
      EtcdStatus status;
      return etcd_status(client_host(node), client_port(), kProbeTimeout, &status);
    }
    case TargetFile::Probe::kCommand: return run(node, file_.ready_command);
    default: return DaemonDb::probe(node);
  }
}

Status ConfigDb::primaries(std::vector<std::string>* out) {
  return nodes_where(
      [this](const std::string& node) {
        switch (file_.primary) {
          case TargetFile::Probe::kRespInfo: {
            std::map<std::string, std::string> fields;
            const size_t colon = file_.primary_info.find(':');
            return info(node, &fields).is_ok() && fields[file_.primary_info.substr(0, colon)] ==
                                                      file_.primary_info.substr(colon + 1);
          }
          case TargetFile::Probe::kEtcdStatus: {
            EtcdStatus s;
            return etcd_status(client_host(node), client_port(), kProbeTimeout, &s).is_ok() &&
                   s.leader == s.member_id;
          }
          case TargetFile::Probe::kCommand: return run(node, file_.primary_command).is_ok();
          default: return false;
        }
      },
      out);
}

Status ConfigDb::download_logs(const std::string& node, const std::string& local_dir) {
  if (Status st = DaemonDb::download_logs(node, local_dir); !st.is_ok()) return st;
  for (const std::string& log : file_.logs) {
    const std::string local = local_dir + "/" + std::filesystem::path(log).filename().string();
    if (Status st = download_file(node, log, local); !st.is_ok()) return st;
  }
  return Status::ok();
}

}  // namespace faultline
