#include "harness/cli/db_command.h"

#include <fmt/format.h>

#include <iostream>

#include "base/exit_codes.h"
#include "harness/cli/node_options.h"
#include "harness/db/targets.h"
#include "targets/resp/resp_client.h"

namespace faultline {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct DbArgs {
  std::string action;
  std::string target = "raftkv";
  std::string target_file;  // a config-defined target instead (docs/targets.md)
  NodeArgs nodes;
  std::vector<std::string> opts;
  std::string binary, dir;
  int client_port = 0, peer_port = 0;
  double ready_timeout_s = 15;
};

int fail(const Status& st) {
  std::cerr << "faultline db: " << st.message() << "\n";
  return exit_code_for(st);
}

// --binary, --dir and the ports are shorthands for the --opt keys of the same name.
Status target_options(const DbArgs& args, std::map<std::string, std::string>* out) {
  if (Status st = parse_opts(args.opts, out); !st.is_ok()) return st;
  if (!args.binary.empty()) (*out)["binary"] = args.binary;
  if (!args.dir.empty()) (*out)["dir"] = args.dir;
  if (args.client_port != 0) (*out)["client-port"] = std::to_string(args.client_port);
  if (args.peer_port != 0) (*out)["peer-port"] = std::to_string(args.peer_port);
  return Status::ok();
}

int run(const DbArgs& args) {
  std::map<std::string, std::string> options;
  if (Status st = target_options(args, &options); !st.is_ok()) return fail(st);
  // A target file is read and checked before any node is touched.
  TargetFile file;
  if (!args.target_file.empty()) {
    if (Status st = parse_target_file(args.target_file, &file); !st.is_ok()) {
      const int code = fail(st);
      return st.code() == Status::Code::kIoError ? exit_code::kNoInput : code;
    }
  }
  std::unique_ptr<NodeSet> nodes;
  if (Status st = open_nodes(args.nodes, /*create_nodes=*/0, &nodes); !st.is_ok()) return fail(st);
  Deployment d;
  if (Status st = args.target_file.empty()
                      ? make_deployment(args.target, nodes->pool(), nodes->targets(), options, &d)
                      : make_file_deployment(file, nodes->pool(), nodes->targets(), options, &d);
      !st.is_ok())
    return fail(st);
  Db& db = *d.db;
  const milliseconds ready_timeout(static_cast<int64_t>(args.ready_timeout_s * 1000));

  if (args.action == "start") {
    Status st = for_each_node(db, [&](const std::string& n) {
      if (Status s = db.setup(n); !s.is_ok()) return s;
      if (Status s = db.start(n); !s.is_ok()) return s;
      return db.wait_ready(n, ready_timeout);
    });
    if (!st.is_ok()) return fail(st);
    std::string leader = "none (leaderless target)";
    if (d.has_leader && (st = wait_for_primary(db, ready_timeout, &leader), !st.is_ok()))
      return fail(st);
    std::cout << fmt::format("{} on {}: {} nodes up, leader {}\n", d.target, nodes->description(),
                             d.endpoints.size(), leader);
    for (const NodeEndpoint& e : d.endpoints)
      std::cout << fmt::format("  {:<5} redis-cli -h {} -p {}\n", e.name, e.host, e.port);
    return exit_code::kValid;
  }
  if (args.action == "stop") {
    Status st = for_each_node(db, [&](const std::string& n) { return db.stop(n, seconds(10)); });
    if (!st.is_ok()) return fail(st);
    std::cout << fmt::format("{} on {}: stopped on {} nodes\n", d.target, nodes->description(),
                             d.endpoints.size());
    return exit_code::kValid;
  }
  int down = 0;
  for (const NodeEndpoint& e : d.endpoints) {
    const std::string where = fmt::format("{}:{}", e.host, e.port);
    RespReply reply;
    Status st = resp_command(e.host, e.port, {"INFO"}, seconds(1), &reply);
    if (st.is_ok() && reply.kind != RespReply::Kind::kString)
      st = Status::io_error("INFO answered: " + reply.text);
    if (!st.is_ok()) {
      ++down;
      std::cout << fmt::format("{:<5} {:<21} DOWN: {}\n", e.name, where, st.message());
      continue;
    }
    std::map<std::string, std::string> info = parse_info(reply.text);
    if (d.has_leader) {
      std::cout << fmt::format("{:<5} {:<21} {:<13} term {:<4} leader {} ({})\n", e.name, where,
                               info["role"], info["term"], info["leader_id"],
                               info["leader_client_addr"]);
    } else {
      std::cout << fmt::format("{:<5} {:<21} up ({})\n", e.name, where, info["mode"]);
    }
  }
  return down == 0 ? exit_code::kValid : exit_code::kInfrastructure;
}

}  // namespace

void add_db_command(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<DbArgs>();
  CLI::App* cmd = app.add_subcommand(
      "db", "Deploy and run a system under test on a local cluster's nodes or real hosts");
  cmd->add_option("action", args->action,
                  "start: upload, start, wait for a leader; stop: SIGTERM every node; status: "
                  "each node's role, term and leader")
      ->required()
      ->check(CLI::IsMember({"start", "stop", "status"}));
  cmd->add_option("--target", args->target, "System under test")
      ->check(CLI::IsMember(target_names()))
      ->capture_default_str();
  cmd->add_option("--target-file", args->target_file,
                  "A system under test defined in TOML instead (docs/targets.md)")
      ->excludes(cmd->get_option("--target"));
  add_node_options(cmd, &args->nodes);
  add_target_options(cmd, &args->opts);
  cmd->add_option("--binary", args->binary,
                  "Server executable to deploy (default: next to faultline, or in its build "
                  "tree); same as --opt binary=PATH");
  cmd->add_option("--dir", args->dir, "Directory on each node (--opt dir=...)");
  cmd->add_option("--client-port", args->client_port, "RESP port on each node")
      ->check(CLI::Range(1, 65535));
  cmd->add_option("--peer-port", args->peer_port, "Peer port on each node")
      ->check(CLI::Range(1, 65535));
  cmd->add_option("--ready-timeout", args->ready_timeout_s,
                  "Seconds to wait for each node, then for a leader (start)")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  cmd->callback([args, exit_code]() { *exit_code = run(*args); });
}

}  // namespace faultline
