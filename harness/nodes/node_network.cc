// Network plumbing of a local cluster, through `ip -batch` (one process for
// several changes) and iptables-restore inside each node's namespace.
#include <dirent.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "harness/nodes/node_setup.h"
#include "harness/nodes/subnet.h"
#include "spawn/spawn.h"

namespace faultline {
namespace {

constexpr std::chrono::seconds kIpTimeout{10};

std::vector<std::string> list_dir_prefixed(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0) out.push_back(name);
  }
  return out;
}

int prefix_length(const std::string& subnet) {
  Ipv4Subnet s;
  return parse_subnet(subnet, &s).is_ok() ? s.prefix : 24;
}

}  // namespace

Status create_bridge(const ClusterState& state) {
  // No address forwarding is enabled and no default route is given to the
  // nodes: they reach each other and the controller, nothing else.
  const std::string batch =
      fmt::format("link add {0} type bridge\naddr add {1}/{2} dev {0}\nlink set {0} up\n",
                  state.bridge, state.controller_address, prefix_length(state.subnet));
  return run_checked({"ip", "-batch", "-"}, kIpTimeout, nullptr, batch);
}

Status create_node_network(const ClusterState& state, const LocalNode& node) {
  const std::string host_side = fmt::format(
      "netns add {0}\nlink add {1} type veth peer name eth0 netns {0}\nlink set {1} master {2} "
      "up\n",
      node.netns, node.host_veth, state.bridge);
  if (Status st = run_checked({"ip", "-batch", "-"}, kIpTimeout, nullptr, host_side); !st.is_ok())
    return st;
  const std::string node_side =
      fmt::format("addr add {}/{} dev eth0\nlink set eth0 up\nlink set lo up\n", node.address,
                  prefix_length(state.subnet));
  if (Status st =
          run_checked({"ip", "-n", node.netns, "-batch", "-"}, kIpTimeout, nullptr, node_side);
      !st.is_ok())
    return st;
  const std::string rules = fmt::format(
      "*filter\n:{0} - [0:0]\n-A INPUT -j {0}\n-A OUTPUT -j {0}\nCOMMIT\n", kNemesisChain);
  return run_checked(
      {"ip", "netns", "exec", node.netns, "iptables-restore", "-w", "5", "--noflush"}, kIpTimeout,
      nullptr, rules);
}

Status write_hosts_file(const ClusterState& state, const LocalNode& node) {
  const std::string dir = netns_etc_dir(node.netns);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::io_error(fmt::format("cannot create {}: {}", dir, ec.message()));
  std::ofstream out(dir + "/hosts");
  out << "# written by faultline for cluster " << state.name << "; removed by cluster down\n";
  out << "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  out << state.controller_address << "\tcontroller\n";
  for (const LocalNode& n : state.nodes) out << n.address << "\t" << n.name << "\n";
  if (!out.flush()) return Status::io_error(fmt::format("cannot write {}/hosts", dir));
  return Status::ok();
}

Status flush_nemesis_chain(const LocalNode& node) {
  if (Status st = run_checked(
          {"ip", "netns", "exec", node.netns, "iptables", "-w", "5", "-F", kNemesisChain},
          kIpTimeout);
      !st.is_ok())
    return st;
  // The latency nemesis's redirect (nemesis/latency.cc), where there is one.
  const std::vector<std::string> nat = {"ip", "netns", "exec", node.netns, "iptables",   "-w", "5",
                                        "-t", "nat",   "-n",   "-L",       kNemesisChain};
  if (!run_checked(nat, kIpTimeout).is_ok()) return Status::ok();
  return run_checked(
      {"ip", "netns", "exec", node.netns, "iptables", "-w", "5", "-t", "nat", "-F", kNemesisChain},
      kIpTimeout);
}

std::vector<std::string> list_netns(const std::string& prefix) {
  return list_dir_prefixed("/run/netns", prefix);
}

std::vector<std::string> list_links(const std::string& prefix) {
  return list_dir_prefixed("/sys/class/net", prefix);
}

std::vector<pid_t> netns_pids(const std::string& netns) {
  // What `ip netns pids` does: compare each process's network namespace inode.
  struct stat ns {};
  if (stat(("/run/netns/" + netns).c_str(), &ns) != 0) return {};
  const std::string want = fmt::format("net:[{}]", ns.st_ino);
  std::vector<pid_t> out;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return out;
  while (dirent* e = readdir(proc)) {
    char* end = nullptr;
    const long pid = strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    char link[64];
    const std::string path = fmt::format("/proc/{}/ns/net", pid);
    const ssize_t n = readlink(path.c_str(), link, sizeof link - 1);
    if (n <= 0) continue;
    if (std::string(link, n) == want) out.push_back(static_cast<pid_t>(pid));
  }
  closedir(proc);
  return out;
}

}  // namespace faultline
