#include "harness/nodes/local_cluster.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "harness/nodes/named_lock.h"
#include "harness/nodes/node_setup.h"
#include "harness/nodes/process.h"
#include "harness/nodes/subnet.h"
#include "spawn/spawn.h"

namespace faultline {
namespace {

constexpr int kCapNetAdmin = 12;
constexpr int kCapSysAdmin = 21;

uint64_t effective_capabilities() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("CapEff:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
  return 0;
}

bool on_path(const std::string& tool) {
  if (tool.find('/') != std::string::npos) return access(tool.c_str(), X_OK) == 0;
  const char* path = getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  size_t start = 0;
  for (;;) {
    size_t end = dirs.find(':', start);
    std::string dir = dirs.substr(start, end - start);
    if (!dir.empty() && access((dir + "/" + tool).c_str(), X_OK) == 0) return true;
    if (end == std::string::npos) return false;
    start = end + 1;
  }
}

// Subnets used by the other clusters recorded under `root` (their bridges'
// routes show them too, but a cluster being created may have none yet).
std::vector<Ipv4Subnet> recorded_subnets(const std::string& root) {
  std::vector<Ipv4Subnet> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    ClusterState other;
    Ipv4Subnet s;
    if (load_state(entry.path().string(), &other).is_ok() && parse_subnet(other.subnet, &s).is_ok())
      out.push_back(s);
  }
  return out;
}

Status pick_subnet(const ClusterUpOptions& options, Ipv4Subnet* subnet) {
  std::vector<Ipv4Subnet> taken;
  if (Status st = host_route_destinations(&taken); !st.is_ok()) return st;
  for (const Ipv4Subnet& s : recorded_subnets(options.root)) taken.push_back(s);
  if (options.subnet.empty()) return choose_free_subnet(taken, subnet);
  if (Status st = parse_subnet(options.subnet, subnet); !st.is_ok()) return st;
  const uint64_t size = uint64_t{1} << (32 - subnet->prefix);
  if (size < static_cast<uint64_t>(kFirstNodeHost + options.nodes + 2))
    return Status::invalid_argument(fmt::format(
        "subnet {} is too small for {} nodes (they use host addresses .{}..{}); use a /24",
        options.subnet, options.nodes, kFirstNodeHost + 1, kFirstNodeHost + options.nodes));
  return check_no_overlap(*subnet, taken);
}

// Creates everything in the plan but the bridge; `state` gains pids as sshds start.
Status build_cluster(ClusterState* state) {
  if (Status st = create_cluster_keys(*state); !st.is_ok()) return st;
  Status st = run_parallel(state->nodes.size(), [&](size_t i) {
    LocalNode& node = state->nodes[i];
    if (Status s = create_node_network(*state, node); !s.is_ok()) return s;
    if (Status s = write_hosts_file(*state, node); !s.is_ok()) return s;
    return start_sshd(*state, &node);
  });
  // Recorded even after a failure, so that `down` has every pid.
  if (Status saved = save_state(*state); st.is_ok()) st = saved;
  if (!st.is_ok()) return st;
  if (st = wait_sshd_listening(*state, std::chrono::seconds(10)); !st.is_ok()) return st;
  for (const NodeHealth& h : cluster_status(*state))
    if (!h.ok()) return Status::io_error(fmt::format("node {}: {}", h.node, h.error));
  state->phase = "up";
  return save_state(*state);
}

}  // namespace

Status check_cluster_prerequisites() {
  std::vector<std::string> missing;
  const uint64_t caps = effective_capabilities();
  for (auto [bit, name] :
       {std::pair{kCapNetAdmin, "CAP_NET_ADMIN"}, std::pair{kCapSysAdmin, "CAP_SYS_ADMIN"}})
    if ((caps & (uint64_t{1} << bit)) == 0) missing.push_back(std::string(name) + " capability");
  for (const char* tool : {"ip", "ssh-keygen", "unshare", "iptables", "iptables-restore",
                           "hostname", "mount", "/usr/sbin/sshd"})
    if (!on_path(tool)) missing.push_back(std::string("the ") + tool + " program");
  if (missing.empty()) return Status::ok();
  std::string list;
  for (const std::string& m : missing) list += (list.empty() ? "" : ", ") + m;
  return Status::io_error(fmt::format(
      "local clusters need {} (missing: {}). Run as root, e.g. `sudo faultline cluster ...`, "
      "with the tools installed (scripts/install-deps.sh installs iproute2, openssh-server, "
      "iptables, util-linux)",
      geteuid() == 0 ? "CAP_NET_ADMIN, CAP_SYS_ADMIN and some tools" : "root", list));
}

Status cluster_up(const ClusterUpOptions& options, ClusterState* out) {
  if (Status st = validate_cluster_name(options.name); !st.is_ok()) return st;
  if (options.nodes < 1 || options.nodes > kMaxNodes)
    return Status::invalid_argument(
        fmt::format("--nodes must be 1..{}, got {}", kMaxNodes, options.nodes));
  if (Status st = check_cluster_prerequisites(); !st.is_ok()) return st;
  std::error_code ec;
  std::filesystem::create_directories(options.root, ec);
  if (ec) return Status::io_error(fmt::format("cannot create {}: {}", options.root, ec.message()));
  const std::string root = std::filesystem::canonical(options.root, ec).string();
  if (ec) return Status::io_error(fmt::format("cannot resolve {}: {}", options.root, ec.message()));
  if (root == "/root" || root.rfind("/root/", 0) == 0)
    return Status::invalid_argument(fmt::format(
        "--root {} is inside /root, which each node replaces with its own home; pick another "
        "directory (the default is {})",
        root, kDefaultClusterRoot));
  // Held throughout: a `down` of this cluster waits until this `up` (and any
  // child it forked but had not yet exec'd) is gone. The subnet lock is held
  // until the bridge's route marks the chosen subnet as taken.
  NamedLock cluster_lock(cluster_lock_name(options.name), std::chrono::seconds(30));
  if (!cluster_lock.held())
    return Status::io_error(fmt::format(
        "cluster '{}' is busy: another faultline command is working on it", options.name));
  std::optional<NamedLock> subnet_lock(std::in_place, "faultline-cluster-subnets",
                                       std::chrono::seconds(60));
  if (!subnet_lock->held())
    return Status::io_error("timed out waiting for another `cluster up` to pick its subnet");
  const std::string dir = cluster_dir(root, options.name);
  if (std::filesystem::exists(dir) || !list_netns(netns_prefix(options.name)).empty() ||
      !list_links(link_prefix(options.name)).empty())
    return Status::invalid_argument(fmt::format(
        "cluster '{}' already exists (or left pieces behind: {}, namespaces {}*, links {}*); "
        "remove it with `faultline cluster down --name {}`",
        options.name, dir, netns_prefix(options.name), link_prefix(options.name), options.name));
  Ipv4Subnet subnet;
  ClusterUpOptions resolved = options;
  resolved.root = root;
  if (Status st = pick_subnet(resolved, &subnet); !st.is_ok()) return st;
  ClusterState state =
      plan_cluster(root, options.name, subnet.to_string(), subnet.network, options.nodes);
  if (mkdir(dir.c_str(), 0700) != 0)
    return Status::io_error(fmt::format("cannot create {}: {}", dir, strerror(errno)));
  // The plan is on disk before anything is created: a controller killed from
  // here on leaves a state file `down` can work from.
  Status st = save_state(state);
  if (st.is_ok()) st = create_bridge(state);
  subnet_lock.reset();
  if (st.is_ok()) st = build_cluster(&state);
  if (!st.is_ok()) {
    spdlog::debug("cluster {}: up failed ({}); removing what was created", options.name,
                  st.message());
    Status down = teardown_cluster(root, options.name, nullptr);
    return Status::io_error(fmt::format("cluster up failed: {}{}", st.message(),
                                        down.is_ok() ? " (everything created was removed)"
                                                     : "; cleanup failed too: " + down.message()));
  }
  *out = std::move(state);
  return Status::ok();
}

SshOptions cluster_ssh_options(const ClusterState& state) {
  SshOptions o;
  o.known_hosts = state.known_hosts;
  o.host_key_policy = HostKeyPolicy::kStrict;
  o.connect_timeout = std::chrono::seconds(3);
  return o;
}

std::vector<SshTarget> cluster_targets(const ClusterState& state) {
  std::vector<SshTarget> out;
  for (const LocalNode& n : state.nodes) {
    SshTarget t;
    t.node = n.name;
    t.host = n.address;
    t.user = "root";
    t.key_file = state.client_key;
    out.push_back(t);
  }
  return out;
}

std::vector<NodeHealth> cluster_status(const ClusterState& state) {
  std::vector<NodeHealth> out(state.nodes.size());
  const SshOptions options = cluster_ssh_options(state);
  const std::vector<SshTarget> targets = cluster_targets(state);
  run_parallel(state.nodes.size(), [&](size_t i) {
    const LocalNode& n = state.nodes[i];
    NodeHealth& h = out[i];
    h.node = n.name;
    h.address = n.address;
    struct stat ns {};
    h.netns_present = stat(("/run/netns/" + n.netns).c_str(), &ns) == 0;
    h.sshd_running = process_alive(n.sshd_pid);
    if (!h.netns_present)
      h.error = fmt::format("namespace {} is missing", n.netns);
    else if (!h.sshd_running)
      h.error = fmt::format("sshd (pid {}) is not running", n.sshd_pid);
    if (!h.ok()) return Status::ok();
    std::unique_ptr<SshSession> session;
    ExecResult r;
    Status st = SshSession::connect(targets[i], options, &session);
    if (st.is_ok()) st = session->exec("hostname", std::chrono::seconds(3), &r);
    if (!st.is_ok()) {
      h.error = st.message();
      return Status::ok();
    }
    h.hostname = r.stdout_text.substr(0, r.stdout_text.find('\n'));
    if (r.exit_status != 0 || h.hostname != n.name)
      h.error = fmt::format("`hostname` printed '{}' (exit {}), expected '{}'", h.hostname,
                            r.exit_status, n.name);
    return Status::ok();
  });
  return out;
}

namespace {

// Whether `pid` runs the executable `name` (also "NAME (deleted)").
bool runs(pid_t pid, const std::string& name) {
  std::error_code ec;
  const std::string exe =
      std::filesystem::read_symlink(fmt::format("/proc/{}/exe", pid), ec).filename().string();
  return !ec && exe.rfind(name, 0) == 0;
}

}  // namespace

Status cluster_heal(const ClusterState& state) {
  return run_parallel(state.nodes.size(), [&](size_t i) {
    const LocalNode& n = state.nodes[i];
    if (Status st = flush_nemesis_chain(n); !st.is_ok())
      return Status::io_error(fmt::format("node {}: {}", n.name, st.message()));
    for (pid_t pid : netns_pids(n.netns)) {
      kill(pid, SIGCONT);
      // SIGUSR1 ends diskfs's slow and fail disks (nemesis/disk/diskfs.h), and
      // disarms the crash points of raftkv and paxos (kill:aimed;
      // targets/common/crash_points.h).
      for (const char* name : {"faultline-diskfs", "faultline-raftkv", "faultline-paxos"})
        if (runs(pid, name)) kill(pid, SIGUSR1);
    }
    return Status::ok();
  });
}

}  // namespace faultline
