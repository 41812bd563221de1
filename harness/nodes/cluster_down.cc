// `cluster down`: removes a local cluster from its state file and, for what a
// controller killed mid-way never recorded, from the cluster's naming
// conventions (every name carries the cluster's own prefix).
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "harness/nodes/local_cluster.h"
#include "harness/nodes/named_lock.h"
#include "harness/nodes/node_setup.h"
#include "harness/nodes/process.h"
#include "spawn/spawn.h"

namespace faultline {
namespace {

// A recorded pid is ours only if its command line still names this cluster's
// directory: after a reboot the number may belong to someone else.
bool is_cluster_process(pid_t pid, const std::string& dir) {
  return process_alive(pid) && process_cmdline(pid).find(dir + "/") != std::string::npos;
}

// 1. Processes: the recorded ones (`pids`), everything inside the namespaces
// (sshd, its sessions, whatever was started over SSH), and the cluster's sshd
// launchers by their command line (one may not have joined its namespace yet).
Status remove_processes(const std::string& name, const std::string& dir, std::vector<pid_t> pids,
                        const std::set<std::string>& namespaces, std::vector<std::string>* log) {
  for (pid_t p : pids_with_cmdline_containing({kSshdCommand, dir + "/nodes/"})) pids.push_back(p);
  for (const std::string& ns : namespaces)
    for (pid_t p : netns_pids(ns)) pids.push_back(p);
  std::sort(pids.begin(), pids.end());
  pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
  if (pids.empty()) return Status::ok();
  Status st = terminate_processes(pids, std::chrono::milliseconds(1000));
  if (!st.is_ok()) return Status::io_error(fmt::format("cluster {}: {}", name, st.message()));
  log->push_back(fmt::format("{} processes", pids.size()));
  return Status::ok();
}

// 2. Links, then namespaces, in one `ip -batch` that goes on past errors.
// Deleting the host end of a veth takes its peer with it at once (a
// namespace's own devices are freed asynchronously after it goes).
void remove_links_and_namespaces(const std::string& name, const std::set<std::string>& namespaces,
                                 std::vector<std::string>* log) {
  std::vector<std::string> links = list_links(link_prefix(name));
  std::sort(links.begin(), links.end(), [&](const std::string& a, const std::string& b) {
    return (a == bridge_name(name)) < (b == bridge_name(name));  // the bridge last
  });
  std::string batch;
  for (const std::string& l : links) batch += "link del " + l + "\n";
  std::vector<std::string> present_ns;
  for (const std::string& ns : namespaces) {
    struct stat st {};
    if (stat(("/run/netns/" + ns).c_str(), &st) == 0) {
      batch += "netns del " + ns + "\n";
      present_ns.push_back(ns);
    }
  }
  if (batch.empty()) return;
  CommandResult r;
  run_command({"ip", "-force", "-batch", "-"}, std::chrono::seconds(20), &r, batch);
  for (const std::string& l : links) log->push_back("link " + l);
  for (const std::string& ns : present_ns) log->push_back("namespace " + ns);
}

// 3. Files: the /etc/netns entries and the cluster directory.
Status remove_files(const std::string& name, const std::string& dir,
                    const std::set<std::string>& namespaces, std::vector<std::string>* log) {
  std::error_code ec;
  std::set<std::string> etc_dirs;
  for (const std::string& ns : namespaces) etc_dirs.insert(netns_etc_dir(ns));
  for (const auto& entry : std::filesystem::directory_iterator("/etc/netns", ec))
    if (entry.path().filename().string().rfind(netns_prefix(name), 0) == 0)
      etc_dirs.insert(entry.path().string());
  for (const std::string& d : etc_dirs)
    if (std::filesystem::remove_all(d, ec) > 0) log->push_back(d);
  if (std::filesystem::remove_all(dir, ec) > 0) log->push_back(dir);
  if (ec) return Status::io_error(fmt::format("cannot remove {}: {}", dir, ec.message()));
  return Status::ok();
}

// What is left is what could not be removed.
Status check_nothing_left(const std::string& name) {
  std::vector<std::string> left = list_links(link_prefix(name));
  for (const std::string& ns : list_netns(netns_prefix(name))) left.push_back(ns);
  if (left.empty()) return Status::ok();
  std::string names;
  for (const std::string& l : left) names += (names.empty() ? "" : ", ") + l;
  return Status::io_error(fmt::format("cluster {}: could not remove {}", name, names));
}

}  // namespace

std::string cluster_lock_name(const std::string& cluster) { return "faultline-cluster-" + cluster; }

Status cluster_down(const std::string& root, const std::string& name,
                    std::vector<std::string>* removed) {
  if (Status st = validate_cluster_name(name); !st.is_ok()) return st;
  // Waits out a running `up`, and the children of a killed one that were
  // forked but had not yet exec'd: afterwards every process `up` started shows
  // its final command line.
  NamedLock lock(cluster_lock_name(name), std::chrono::seconds(30));
  if (!lock.held())
    return Status::io_error(
        fmt::format("cluster '{}' is busy: another faultline command is working on it", name));
  return teardown_cluster(root, name, removed);
}

Status teardown_cluster(const std::string& root, const std::string& name,
                        std::vector<std::string>* removed) {
  std::error_code ec;
  const std::string dir = cluster_dir(std::filesystem::weakly_canonical(root, ec).string(), name);
  std::vector<std::string> local_log;
  std::vector<std::string>* log = removed != nullptr ? removed : &local_log;

  ClusterState state;
  Status loaded = load_state(dir, &state);
  if (!loaded.is_ok() && loaded.code() != Status::Code::kIoError)
    spdlog::warn("cluster {}: {}; removing by naming conventions only", name, loaded.message());
  std::set<std::string> namespaces;
  std::vector<pid_t> pids;
  if (loaded.is_ok()) {
    for (const LocalNode& n : state.nodes) {
      namespaces.insert(n.netns);
      for (pid_t p : {n.launcher_pid, n.sshd_pid})
        if (is_cluster_process(p, dir)) pids.push_back(p);
    }
  }
  for (const std::string& ns : list_netns(netns_prefix(name))) namespaces.insert(ns);

  if (Status st = remove_processes(name, dir, std::move(pids), namespaces, log); !st.is_ok())
    return st;
  remove_links_and_namespaces(name, namespaces, log);
  if (Status st = remove_files(name, dir, namespaces, log); !st.is_ok()) return st;
  return check_nothing_left(name);
}

}  // namespace faultline
