// NodeSet: the nodes one test runs on, whichever kind they are — a local
// namespace cluster (found by name, or brought up for the run) or the real
// hosts of a nodes file — with one SSH pool over them. Everything above this
// (deployment, nemesis, clients) sees only SshTargets and the pool, so local
// and remote nodes take the same code path.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "harness/nodes/cluster_state.h"
#include "harness/ssh/ssh_pool.h"

namespace faultline {

struct LocalNodesRequest {
  std::string root = kDefaultClusterRoot;
  std::string name = "local";
  // When the cluster does not exist: bring it up with this many nodes (and
  // take it down again in release()); 0 means it must exist already.
  int create_nodes = 0;
};

struct RemoteNodesRequest {
  std::string nodes_file;
  std::string known_hosts;  // overrides the file's; "" keeps it
  bool accept_new_host_keys = false;
};

class NodeSet {
 public:
  static Status open_local(const LocalNodesRequest& request, std::unique_ptr<NodeSet>* out);
  static Status open_remote(const RemoteNodesRequest& request, std::unique_ptr<NodeSet>* out);
  // Closes the SSH sessions; a cluster this NodeSet created is taken down
  // unless release() already did or keep_cluster() was called.
  ~NodeSet();
  NodeSet(const NodeSet&) = delete;
  NodeSet& operator=(const NodeSet&) = delete;

  const std::vector<SshTarget>& targets() const { return targets_; }
  std::vector<std::string> names() const;
  SshPool& pool() { return *pool_; }
  // "local cluster 'local' (5 nodes)" or "nodes file F (3 nodes)".
  const std::string& description() const { return description_; }
  // The local cluster's state; nullptr for remote nodes.
  const ClusterState* cluster() const { return local_ ? &cluster_ : nullptr; }
  bool created_cluster() const { return created_; }

  // Takes down the cluster this NodeSet created (a no-op otherwise).
  Status release();
  void keep_cluster() { created_ = false; }

 private:
  NodeSet() = default;
  Status init_pool(const SshOptions& options);

  std::string description_;
  std::vector<SshTarget> targets_;
  std::unique_ptr<SshPool> pool_;
  bool local_ = false;
  bool created_ = false;
  std::string root_;
  ClusterState cluster_;
};

}  // namespace faultline
