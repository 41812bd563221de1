#include "harness/nodes/cluster_state.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/nodes/subnet.h"

namespace faultline {

Status validate_cluster_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 8 && name[0] >= 'a' && name[0] <= 'z';
  for (char c : name) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
  if (ok) return Status::ok();
  return Status::invalid_argument(fmt::format(
      "bad cluster name '{}': expected 1 to 8 lowercase letters or digits, starting with a "
      "letter (it becomes part of interface names, which Linux limits to 15 characters)",
      name));
}

std::string cluster_dir(const std::string& root, const std::string& name) {
  return root + "/" + name;
}
std::string state_path(const std::string& dir) { return dir + "/cluster.json"; }
std::string netns_prefix(const std::string& cluster) { return "faultline-" + cluster + "-n"; }
std::string netns_name(const std::string& cluster, int index) {
  return netns_prefix(cluster) + std::to_string(index);
}
std::string link_prefix(const std::string& cluster) { return "fl-" + cluster + "-"; }
std::string host_veth_name(const std::string& cluster, int index) {
  return link_prefix(cluster) + std::to_string(index);
}
std::string bridge_name(const std::string& cluster) { return link_prefix(cluster) + "br"; }
std::string netns_etc_dir(const std::string& netns) { return "/etc/netns/" + netns; }

ClusterState plan_cluster(const std::string& root, const std::string& name,
                          const std::string& subnet_text, uint32_t subnet_network, int nodes) {
  ClusterState s;
  s.name = name;
  s.dir = cluster_dir(root, name);
  s.subnet = subnet_text;
  s.bridge = bridge_name(name);
  s.controller_address = ipv4_to_string(subnet_network + 1);
  s.client_key = s.dir + "/keys/id_ed25519";
  s.known_hosts = s.dir + "/known_hosts";
  s.phase = "creating";
  for (int i = 1; i <= nodes; ++i) {
    LocalNode n;
    n.name = "n" + std::to_string(i);
    n.netns = netns_name(name, i);
    n.host_veth = host_veth_name(name, i);
    n.address = ipv4_to_string(subnet_network + kFirstNodeHost + i);
    n.dir = s.dir + "/nodes/" + n.name;
    n.sshd_config = n.dir + "/sshd_config";
    n.host_key = s.dir + "/keys/" + n.name + "_host_ed25519_key";
    s.nodes.push_back(n);
  }
  return s;
}

namespace {

nlohmann::json node_to_json(const LocalNode& n) {
  return {{"name", n.name},
          {"netns", n.netns},
          {"host_veth", n.host_veth},
          {"address", n.address},
          {"dir", n.dir},
          {"sshd_config", n.sshd_config},
          {"host_key", n.host_key},
          {"launcher_pid", n.launcher_pid},
          {"sshd_pid", n.sshd_pid}};
}

void node_from_json(const nlohmann::json& j, LocalNode* n) {
  n->name = j.at("name").get<std::string>();
  n->netns = j.at("netns").get<std::string>();
  n->host_veth = j.at("host_veth").get<std::string>();
  n->address = j.at("address").get<std::string>();
  n->dir = j.at("dir").get<std::string>();
  n->sshd_config = j.at("sshd_config").get<std::string>();
  n->host_key = j.at("host_key").get<std::string>();
  n->launcher_pid = j.at("launcher_pid").get<pid_t>();
  n->sshd_pid = j.at("sshd_pid").get<pid_t>();
}

}  // namespace

Status save_state(const ClusterState& s) {
  nlohmann::json j = {{"name", s.name},
                      {"dir", s.dir},
                      {"subnet", s.subnet},
                      {"bridge", s.bridge},
                      {"controller_address", s.controller_address},
                      {"client_key", s.client_key},
                      {"known_hosts", s.known_hosts},
                      {"phase", s.phase},
                      {"nodes", nlohmann::json::array()}};
  for (const LocalNode& n : s.nodes) j["nodes"].push_back(node_to_json(n));
  const std::string path = state_path(s.dir);
  const std::string tmp = path + ".tmp";
  const std::string text = j.dump(2) + "\n";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::io_error(fmt::format("cannot write {}: {}", tmp, strerror(errno)));
  const bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool synced = fsync(fd) == 0;
  close(fd);
  if (!written || !synced || rename(tmp.c_str(), path.c_str()) != 0)
    return Status::io_error(fmt::format("cannot write {}: {}", path, strerror(errno)));
  return Status::ok();
}

Status load_state(const std::string& dir, ClusterState* state) {
  const std::string path = state_path(dir);
  std::ifstream in(path);
  if (!in) return Status::io_error(fmt::format("no cluster state at {}", path));
  std::stringstream text;
  text << in.rdbuf();
  try {
    nlohmann::json j = nlohmann::json::parse(text.str());
    ClusterState s;
    s.name = j.at("name").get<std::string>();
    s.dir = j.at("dir").get<std::string>();
    s.subnet = j.at("subnet").get<std::string>();
    s.bridge = j.at("bridge").get<std::string>();
    s.controller_address = j.at("controller_address").get<std::string>();
    s.client_key = j.at("client_key").get<std::string>();
    s.known_hosts = j.at("known_hosts").get<std::string>();
    s.phase = j.at("phase").get<std::string>();
    for (const nlohmann::json& n : j.at("nodes")) {
      s.nodes.emplace_back();
      node_from_json(n, &s.nodes.back());
    }
    *state = std::move(s);
    return Status::ok();
  } catch (const nlohmann::json::exception& e) {
    return Status::malformed(fmt::format("{}: bad cluster state: {}", path, e.what()));
  }
}

}  // namespace faultline
