#include "harness/cli/db_command.h"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "harness/cli/exit_codes.h"
#include "harness/db/raftkv_db.h"
#include "harness/nodes/local_cluster.h"

namespace faultline {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct DbArgs {
  std::string action;
  std::string target = "raftkv";
  std::string name = "local";
  std::string root = kDefaultClusterRoot;
  std::string binary;
  RaftkvOptions raftkv;
  double ready_timeout_s = 15;
};

int fail(const Status& st) {
  std::cerr << "faultline db: " << st.message() << "\n";
  return st.code() == Status::Code::kInvalidArgument ? exit_code::kUsage
                                                     : exit_code::kInfrastructure;
}

// The faultline-raftkv built with this faultline: in the build tree it is
// <build>/targets/raftkv/ while faultline is <build>/harness/cli/; installed,
// the two sit side by side.
std::string default_raftkv_binary() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const std::filesystem::path dir = self.parent_path();
  for (const std::filesystem::path& p :
       {dir / "faultline-raftkv", dir / "../../targets/raftkv/faultline-raftkv"}) {
    if (std::filesystem::is_regular_file(p, ec)) return std::filesystem::weakly_canonical(p, ec);
  }
  return "";
}

int run(DbArgs args) {
  if (args.raftkv.client_port == args.raftkv.peer_port)
    return fail(Status::invalid_argument("--client-port and --peer-port must differ"));
  ClusterState state;
  if (Status st = load_state(cluster_dir(args.root, args.name), &state); !st.is_ok()) {
    if (st.code() != Status::Code::kIoError) return fail(st);
    return fail(Status::io_error(
        fmt::format("no cluster '{}' ({}); start one with `faultline cluster up --name {}`",
                    args.name, st.message(), args.name)));
  }
  args.raftkv.binary = args.binary.empty() ? default_raftkv_binary() : args.binary;
  SshPool pool(cluster_ssh_options(state));
  for (const SshTarget& t : cluster_targets(state))
    if (Status st = pool.add(t); !st.is_ok()) return fail(st);
  RaftkvDb db(pool, cluster_targets(state), args.raftkv);
  const milliseconds ready_timeout(static_cast<int64_t>(args.ready_timeout_s * 1000));

  if (args.action == "start") {
    if (args.raftkv.binary.empty())
      return fail(Status::invalid_argument(
          "cannot find faultline-raftkv next to faultline or in its build tree: pass --binary"));
    Status st = for_each_node(db, [&](const std::string& n) {
      if (Status s = db.setup(n); !s.is_ok()) return s;
      if (Status s = db.start(n); !s.is_ok()) return s;
      return db.wait_ready(n, ready_timeout);
    });
    if (!st.is_ok()) return fail(st);
    std::string leader;
    if (st = wait_for_primary(db, ready_timeout, &leader); !st.is_ok()) return fail(st);
    std::cout << fmt::format("raftkv on cluster {}: {} nodes up ({}), leader {}\n", state.name,
                             state.nodes.size(), args.raftkv.binary, leader);
    for (const std::string& n : db.nodes())
      std::cout << fmt::format("  {:<5} redis-cli -h {} -p {}\n", n, db.client_host(n),
                               db.client_port());
    return exit_code::kValid;
  }
  if (args.action == "stop") {
    Status st = for_each_node(db, [&](const std::string& n) { return db.stop(n, seconds(10)); });
    if (!st.is_ok()) return fail(st);
    std::cout << fmt::format("raftkv on cluster {}: stopped on {} nodes\n", state.name,
                             state.nodes.size());
    return exit_code::kValid;
  }
  int down = 0;
  for (const std::string& n : db.nodes()) {
    std::map<std::string, std::string> info;
    const std::string where = fmt::format("{}:{}", db.client_host(n), db.client_port());
    if (Status st = db.info(n, &info); !st.is_ok()) {
      ++down;
      std::cout << fmt::format("{:<5} {:<21} DOWN: {}\n", n, where, st.message());
      continue;
    }
    std::cout << fmt::format("{:<5} {:<21} {:<13} term {:<4} leader {} ({})\n", n, where,
                             info["role"], info["term"], info["leader_id"],
                             info["leader_client_addr"]);
  }
  return down == 0 ? exit_code::kValid : exit_code::kInfrastructure;
}

}  // namespace

void add_db_command(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<DbArgs>();
  CLI::App* cmd =
      app.add_subcommand("db", "Deploy and run a system under test on a local cluster's nodes");
  cmd->add_option("action", args->action,
                  "start: upload, start, wait for a leader; stop: SIGTERM every node; status: "
                  "each node's role, term and leader")
      ->required()
      ->check(CLI::IsMember({"start", "stop", "status"}));
  cmd->add_option("--target", args->target, "System under test")
      ->check(CLI::IsMember({"raftkv"}))
      ->capture_default_str();
  cmd->add_option("--name", args->name, "Cluster name")->capture_default_str();
  cmd->add_option("--root", args->root, "Directory holding the cluster directories")
      ->capture_default_str();
  cmd->add_option("--binary", args->binary,
                  "faultline-raftkv to deploy (default: next to faultline, or in its build tree)");
  cmd->add_option("--dir", args->raftkv.dir, "Directory on each node")->capture_default_str();
  cmd->add_option("--client-port", args->raftkv.client_port, "RESP port on each node")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  cmd->add_option("--peer-port", args->raftkv.peer_port, "Raft peer port on each node")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  cmd->add_option("--ready-timeout", args->ready_timeout_s,
                  "Seconds to wait for each node, then for a leader (start)")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  cmd->callback([args, exit_code]() { *exit_code = run(*args); });
}

}  // namespace faultline
