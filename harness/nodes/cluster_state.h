// A local cluster's recorded state (cluster.json in its directory) and the
// naming conventions of everything `cluster up` creates. `down` works from
// both: the state file says what was made, and the names (all carrying the
// cluster's own prefix) let it find what a controller killed mid-way made
// before recording it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace faultline {

// Default parent of the cluster directories (override with --root).
inline constexpr const char* kDefaultClusterRoot = "/var/lib/faultline/clusters";
// The per-node iptables chain (filter table, jumped to from INPUT and OUTPUT)
// that nemesis rules go into; `heal` flushes it, and its namesake in the nat
// table (jumped to from nat OUTPUT) that the latency nemesis makes.
inline constexpr const char* kNemesisChain = "FAULTLINE";
// Node i (1-based) gets host address kFirstNodeHost + i in the subnet; the
// controller's bridge gets .1.
inline constexpr int kFirstNodeHost = 10;
inline constexpr int kMaxNodes = 200;

struct LocalNode {
  std::string name;         // n1
  std::string netns;        // faultline-<cluster>-n1
  std::string host_veth;    // fl-<cluster>-1, the bridge port; its peer is eth0 in the netns
  std::string address;      // 10.77.0.11
  std::string dir;          // <cluster dir>/nodes/n1: working directory, logs, sshd config
  std::string sshd_config;  // <dir>/sshd_config
  std::string host_key;     // <cluster dir>/keys/n1_host_ed25519_key
  pid_t launcher_pid = 0;   // `unshare` holding the node's UTS and PID namespaces
  pid_t sshd_pid = 0;       // sshd, PID 1 of the node's PID namespace
};

struct ClusterState {
  std::string name;
  std::string dir;                 // absolute
  std::string subnet;              // 10.77.0.0/24
  std::string bridge;              // fl-<cluster>-br
  std::string controller_address;  // the bridge's address, .1
  std::string client_key;          // <dir>/keys/id_ed25519 (private; .pub beside it)
  std::string known_hosts;         // <dir>/known_hosts
  std::string phase;               // "creating" while `up` runs, then "up"
  std::vector<LocalNode> nodes;
};

// Cluster names are 1..8 of [a-z0-9], starting with a letter, so that every
// interface name fits Linux's 15 characters and no prefix of one cluster's
// names is another cluster's.
Status validate_cluster_name(const std::string& name);

std::string cluster_dir(const std::string& root, const std::string& name);
std::string state_path(const std::string& cluster_dir);
std::string netns_name(const std::string& cluster, int index);
std::string netns_prefix(const std::string& cluster);  // faultline-<cluster>-n
std::string host_veth_name(const std::string& cluster, int index);
std::string link_prefix(const std::string& cluster);  // fl-<cluster>-: veths and the bridge
std::string bridge_name(const std::string& cluster);
// /etc/netns/<netns>: files here are bind-mounted over /etc inside the node.
std::string netns_etc_dir(const std::string& netns);

// The full plan for `up`: names, addresses and paths of every node, no pids.
ClusterState plan_cluster(const std::string& root, const std::string& name,
                          const std::string& subnet_text, uint32_t subnet_network, int nodes);

// Writes atomically (temporary file, then rename), mode 0600.
Status save_state(const ClusterState& state);
// Reads <dir>/cluster.json; an io_error if it is missing, malformed if unreadable.
Status load_state(const std::string& dir, ClusterState* state);

}  // namespace faultline
