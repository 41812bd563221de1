// The pieces `cluster up` assembles (and `cluster down` takes apart): the
// bridge, each node's namespace with its veth, address and nemesis chain, its
// /etc/netns hosts file, the cluster's SSH keys, and each node's sshd.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/status.h"
#include "harness/nodes/cluster_state.h"

namespace faultline {

// --- network (node_network.cc) ---

// The bridge in the host namespace, holding the controller address (.1).
Status create_bridge(const ClusterState& state);
// Namespace, veth pair (host end on the bridge, eth0 inside), address, lo up,
// and the empty nemesis chain jumped to from INPUT and OUTPUT.
Status create_node_network(const ClusterState& state, const LocalNode& node);
// /etc/netns/<netns>/hosts: localhost, every node by name, and "controller".
Status write_hosts_file(const ClusterState& state, const LocalNode& node);
// Flushes the node's nemesis chain (and the latency nemesis's one in the nat table).
Status flush_nemesis_chain(const LocalNode& node);

// Names in /run/netns starting with `prefix`.
std::vector<std::string> list_netns(const std::string& prefix);
// Network interfaces of the host namespace whose names start with `prefix`.
std::vector<std::string> list_links(const std::string& prefix);
// Pids of the processes whose network namespace is the named one.
std::vector<pid_t> netns_pids(const std::string& netns);

// --- removal (cluster_down.cc) ---

// The name of the lock that `up` holds throughout and `down` takes first.
std::string cluster_lock_name(const std::string& cluster);
// cluster_down's work; the caller holds the cluster lock.
Status teardown_cluster(const std::string& root, const std::string& name,
                        std::vector<std::string>* removed);

// --- SSH (node_sshd.cc) ---

// How each node's sshd is started (its config file follows); `down` also
// finds the cluster's sshds and their launchers by it.
inline constexpr const char* kSshdCommand = "/usr/sbin/sshd -D -e -f ";

// The client key pair and one host key per node (ssh-keygen, ed25519, 0600),
// authorized_keys, and the controller's known_hosts.
Status create_cluster_keys(const ClusterState& state);
// Writes the node's sshd_config and starts sshd in the node's namespaces
// (network; UTS with the node's name as hostname; PID, where sshd is PID 1, so
// everything it started dies with it; mount, with <node dir>/root over
// /root). Fills node->launcher_pid and sshd_pid.
Status start_sshd(const ClusterState& state, LocalNode* node);
// Waits until every node's sshd accepts TCP connections on port 22.
Status wait_sshd_listening(const ClusterState& state, std::chrono::milliseconds timeout);

}  // namespace faultline
