// Local clusters: N nodes on this machine, each a network namespace on a
// private bridge with its own sshd, reached over real SSH like a remote host.
// `faultline cluster up|down|status|heal` (harness/cli/cluster_command.cc) is
// the front end; docs/nodes.md describes the layout.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "harness/nodes/cluster_state.h"
#include "harness/ssh/ssh_session.h"

namespace faultline {

struct ClusterUpOptions {
  std::string root = kDefaultClusterRoot;  // cluster directories live in root/<name>
  std::string name = "local";
  int nodes = 3;
  std::string subnet;  // empty: the first free /24 of 10.77.0.0/16
};

// What is missing for managing local clusters (root, or CAP_NET_ADMIN and
// CAP_SYS_ADMIN; the ip, sshd, ssh-keygen, unshare, iptables tools), as a
// message saying how to fix it; ok if nothing is.
Status check_cluster_prerequisites();

// Creates the cluster and waits until every node answers over SSH. On failure
// everything created so far is removed again. A cluster of that name must not
// exist already (an invalid_argument error names it).
Status cluster_up(const ClusterUpOptions& options, ClusterState* state);

// Removes everything `up` created for the cluster `name` under `root`, from
// its state file and from the naming conventions: processes (recorded pids
// and whatever runs in its namespaces), namespaces, veths, bridge, the
// /etc/netns entries and the cluster directory. Idempotent: removing a cluster
// that is (partly or wholly) gone is fine. `removed` (optional) lists what it removed.
Status cluster_down(const std::string& root, const std::string& name,
                    std::vector<std::string>* removed = nullptr);

struct NodeHealth {
  std::string node;
  std::string address;
  bool netns_present = false;
  bool sshd_running = false;
  std::string hostname;  // what `hostname` printed over SSH ("" if SSH failed)
  std::string error;     // why the node is not healthy, "" if it is
  bool ok() const { return error.empty(); }
};

// Checks each node: namespace present, sshd running, and a real SSH exec of
// `hostname` printing the node's name.
std::vector<NodeHealth> cluster_status(const ClusterState& state);

// Undoes faults: flushes each node's nemesis chain, resumes (SIGCONT) every
// process in the node that a nemesis may have paused, and sends SIGUSR1 to
// faultline-diskfs (heals its disk) and to faultline-raftkv and
// faultline-paxos (disarms their crash points).
Status cluster_heal(const ClusterState& state);

// How to reach the cluster's nodes over SSH.
SshOptions cluster_ssh_options(const ClusterState& state);
std::vector<SshTarget> cluster_targets(const ClusterState& state);

}  // namespace faultline
