#include "harness/cli/cluster_command.h"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <iostream>

#include "base/exit_codes.h"
#include "harness/nodes/local_cluster.h"
#include "harness/nodes/nodes_file.h"
#include "harness/nodes/setup_check.h"

namespace faultline {
namespace {

struct ClusterArgs {
  std::string action;
  std::string name = "local";
  int nodes = 3;
  std::string subnet;
  std::string root = kDefaultClusterRoot;
  std::string nodes_file;
  std::string known_hosts;
  bool accept_new_host_keys = false;
  double connect_timeout_s = 5;
  bool require_faketime = false;
  bool verbose = false;
};

// Bad arguments and input are usage errors (64); everything that went wrong
// with the machine or the nodes is an infrastructure failure (3).
int fail(const Status& st) {
  std::cerr << "faultline cluster: " << st.message() << "\n";
  switch (st.code()) {
    case Status::Code::kInvalidArgument:
    case Status::Code::kMalformed: return exit_code::kUsage;
    default: return exit_code::kInfrastructure;
  }
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int run_up(const ClusterArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  ClusterUpOptions options;
  options.root = args.root;
  options.name = args.name;
  options.nodes = args.nodes;
  options.subnet = args.subnet;
  ClusterState state;
  if (Status st = cluster_up(options, &state); !st.is_ok()) return fail(st);
  std::cout << fmt::format("cluster {}: {} nodes on {} (controller {}), state in {}\n", state.name,
                           state.nodes.size(), state.subnet, state.controller_address,
                           state_path(state.dir));
  for (const LocalNode& n : state.nodes)
    std::cout << fmt::format("  {:<5} {:<15} sshd pid {}\n", n.name, n.address, n.sshd_pid);
  std::cout << fmt::format("log in: ssh -i {} -o UserKnownHostsFile={} root@{}\n", state.client_key,
                           state.known_hosts, state.nodes[0].address);
  std::cout << fmt::format("up in {:.2f} s\n", seconds_since(start));
  return exit_code::kValid;
}

int run_down(const ClusterArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  if (Status st = check_cluster_prerequisites(); !st.is_ok()) return fail(st);
  std::vector<std::string> removed;
  if (Status st = cluster_down(args.root, args.name, &removed); !st.is_ok()) return fail(st);
  if (removed.empty())
    std::cout << fmt::format("cluster {}: nothing to remove\n", args.name);
  else
    std::cout << fmt::format("cluster {}: removed {} things in {:.2f} s\n", args.name,
                             removed.size(), seconds_since(start));
  for (const std::string& r : removed) spdlog::debug("removed {}", r);
  return exit_code::kValid;
}

Status load(const ClusterArgs& args, ClusterState* state) {
  const std::string dir = cluster_dir(args.root, args.name);
  Status st = load_state(dir, state);
  if (st.code() == Status::Code::kIoError)
    return Status::io_error(
        fmt::format("no cluster '{}' ({}); start one with `faultline "
                    "cluster up --name {}`",
                    args.name, st.message(), args.name));
  return st;
}

int run_status(const ClusterArgs& args) {
  ClusterState state;
  if (Status st = load(args, &state); !st.is_ok()) return fail(st);
  int bad = 0;
  for (const NodeHealth& h : cluster_status(state)) {
    bad += h.ok() ? 0 : 1;
    std::cout << fmt::format("{:<5} {:<15} {}\n", h.node, h.address,
                             h.ok() ? "ok (hostname " + h.hostname + ")" : "FAILED: " + h.error);
  }
  std::cout << fmt::format("cluster {}: {} of {} nodes ok\n", state.name, state.nodes.size() - bad,
                           state.nodes.size());
  return bad == 0 ? exit_code::kValid : exit_code::kInfrastructure;
}

int run_heal(const ClusterArgs& args) {
  if (Status st = check_cluster_prerequisites(); !st.is_ok()) return fail(st);
  ClusterState state;
  if (Status st = load(args, &state); !st.is_ok()) return fail(st);
  if (Status st = cluster_heal(state); !st.is_ok()) return fail(st);
  std::cout << fmt::format(
      "cluster {}: healed {} nodes (nemesis chains flushed, processes "
      "resumed)\n",
      state.name, state.nodes.size());
  return exit_code::kValid;
}

int run_nodes_file_status(const ClusterArgs& args) {
  NodesFile file;
  if (Status st = parse_nodes_file(args.nodes_file, &file); !st.is_ok()) {
    std::cerr << "faultline cluster: " << st.message() << "\n";
    return st.code() == Status::Code::kIoError ? exit_code::kNoInput : exit_code::kUsage;
  }
  SshOptions options;
  options.known_hosts = args.known_hosts.empty() ? file.known_hosts : args.known_hosts;
  options.host_key_policy =
      args.accept_new_host_keys ? HostKeyPolicy::kAcceptNew : HostKeyPolicy::kStrict;
  options.connect_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(std::llround(args.connect_timeout_s * 1000)));
  SetupRequirements requirements;
  requirements.faketime = args.require_faketime;
  int bad = 0;
  for (const NodeReport& r : check_nodes(file.nodes, options, requirements)) {
    std::string what;
    if (!r.error.empty()) {
      what = "FAILED: " + r.error;
    } else if (!r.missing.empty()) {
      what = "missing:";
      for (const std::string& m : r.missing) what += (what.size() > 8 ? "; " : " ") + m;
    } else {
      what = "ok (hostname " + r.hostname + ")";
    }
    bad += r.ok() ? 0 : 1;
    std::cout << fmt::format("{:<8} {:<21} {}\n", r.node, r.address, what);
  }
  std::cout << fmt::format("{}: {} of {} nodes ready\n", args.nodes_file, file.nodes.size() - bad,
                           file.nodes.size());
  return bad == 0 ? exit_code::kValid : exit_code::kInfrastructure;
}

int run(const ClusterArgs& args, const CLI::App& cmd) {
  auto given = [&](const char* option) { return cmd.count(option) > 0; };
  if (args.action != "up" && (given("--nodes") || given("--subnet")))
    return fail(Status::invalid_argument("--nodes and --subnet go with `cluster up` only"));
  const bool remote = !args.nodes_file.empty();
  if (remote && args.action != "status")
    return fail(Status::invalid_argument(
        "--nodes-file goes with `cluster status` only (real hosts are not created or removed)"));
  if (!remote && (given("--known-hosts") || given("--accept-new-host-keys")))
    return fail(
        Status::invalid_argument("--known-hosts and --accept-new-host-keys go with --nodes-file"));
  if (args.action == "up") return run_up(args);
  if (args.action == "down") return run_down(args);
  if (args.action == "heal") return run_heal(args);
  return remote ? run_nodes_file_status(args) : run_status(args);
}

}  // namespace

void add_cluster_command(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ClusterArgs>();
  CLI::App* cmd = app.add_subcommand(
      "cluster", "Local test clusters (network namespaces with sshd), or check real hosts");
  cmd->add_option("action", args->action,
                  "up: create; down: remove; status: check every node over SSH; heal: undo "
                  "faults")
      ->required()
      ->check(CLI::IsMember({"up", "down", "status", "heal"}));
  cmd->add_option("--name", args->name, "Cluster name (1-8 of a-z0-9)")->capture_default_str();
  cmd->add_option("--nodes", args->nodes, "Number of nodes (up)")
      ->check(CLI::Range(1, kMaxNodes))
      ->capture_default_str();
  cmd->add_option("--subnet", args->subnet,
                  "Private IPv4 subnet for the nodes (up; default: the first /24 of "
                  "10.77.0.0/16 that no host route overlaps)");
  cmd->add_option("--root", args->root, "Directory holding the cluster directories")
      ->capture_default_str();
  cmd->add_option("--nodes-file", args->nodes_file,
                  "status: check the real hosts listed in this TOML file instead");
  cmd->add_option("--known-hosts", args->known_hosts,
                  "known_hosts file for --nodes-file (default: the file's, else "
                  "~/.ssh/known_hosts)");
  cmd->add_flag("--accept-new-host-keys", args->accept_new_host_keys,
                "Record the key of a host not yet in known_hosts (a changed key still fails)");
  cmd->add_option("--connect-timeout", args->connect_timeout_s, "Seconds to reach each node")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  cmd->add_flag("--require-faketime", args->require_faketime,
                "The setup check also requires libfaketime (clock-skew faults)");
  cmd->add_flag("--verbose,-v", args->verbose, "Log every SSH command (debug level)");
  cmd->callback([args, cmd, exit_code] {
    // Logs go to stderr: stdout carries the command's own report.
    spdlog::set_default_logger(spdlog::stderr_color_mt("cluster"));
    if (args->verbose) spdlog::set_level(spdlog::level::debug);
    *exit_code = run(*args, *cmd);
  });
}

}  // namespace faultline
