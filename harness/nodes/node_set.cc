#include "harness/nodes/node_set.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "harness/nodes/local_cluster.h"
#include "harness/nodes/nodes_file.h"

namespace faultline {

Status NodeSet::init_pool(const SshOptions& options) {
  pool_ = std::make_unique<SshPool>(options);
  for (const SshTarget& t : targets_)
    if (Status st = pool_->add(t); !st.is_ok()) return st;
  return Status::ok();
}

Status NodeSet::open_local(const LocalNodesRequest& request, std::unique_ptr<NodeSet>* out) {
  std::unique_ptr<NodeSet> set(new NodeSet());
  set->local_ = true;
  set->root_ = request.root;
  Status st = load_state(cluster_dir(request.root, request.name), &set->cluster_);
  if (!st.is_ok() && st.code() == Status::Code::kIoError && request.create_nodes > 0) {
    if (Status c = check_cluster_prerequisites(); !c.is_ok()) return c;
    ClusterUpOptions up;
    up.root = request.root;
    up.name = request.name;
    up.nodes = request.create_nodes;
    spdlog::info("bringing up local cluster '{}' with {} nodes", request.name, up.nodes);
    st = cluster_up(up, &set->cluster_);
    set->created_ = st.is_ok();
  } else if (!st.is_ok() && st.code() == Status::Code::kIoError) {
    return Status::io_error(
        fmt::format("no cluster '{}' ({}); start one with `faultline cluster up --name {}`",
                    request.name, st.message(), request.name));
  } else if (st.is_ok() && set->cluster_.phase != "up") {
    return Status::io_error(fmt::format(
        "cluster '{}' is half made (phase '{}'): run `faultline cluster down --name {}`",
        request.name, set->cluster_.phase, request.name));
  }
  if (!st.is_ok()) return st;
  set->targets_ = cluster_targets(set->cluster_);
  set->description_ =
      fmt::format("local cluster '{}' ({} nodes)", request.name, set->targets_.size());
  if (Status p = set->init_pool(cluster_ssh_options(set->cluster_)); !p.is_ok()) return p;
  *out = std::move(set);
  return Status::ok();
}

Status NodeSet::open_remote(const RemoteNodesRequest& request, std::unique_ptr<NodeSet>* out) {
  NodesFile file;
  if (Status st = parse_nodes_file(request.nodes_file, &file); !st.is_ok()) return st;
  std::unique_ptr<NodeSet> set(new NodeSet());
  set->targets_ = file.nodes;
  set->description_ =
      fmt::format("nodes file {} ({} nodes)", request.nodes_file, set->targets_.size());
  SshOptions options;
  options.known_hosts = request.known_hosts.empty() ? file.known_hosts : request.known_hosts;
  options.host_key_policy =
      request.accept_new_host_keys ? HostKeyPolicy::kAcceptNew : HostKeyPolicy::kStrict;
  if (Status st = set->init_pool(options); !st.is_ok()) return st;
  *out = std::move(set);
  return Status::ok();
}

std::vector<std::string> NodeSet::names() const {
  std::vector<std::string> names;
  for (const SshTarget& t : targets_) names.push_back(t.node);
  return names;
}

Status NodeSet::release() {
  if (!created_) return Status::ok();
  pool_.reset();  // close the sessions before their sshds go
  created_ = false;
  spdlog::info("taking down local cluster '{}'", cluster_.name);
  return cluster_down(root_, cluster_.name);
}

NodeSet::~NodeSet() {
  if (Status st = release(); !st.is_ok())
    spdlog::error("taking down cluster '{}': {}", cluster_.name, st.message());
}

}  // namespace faultline
