// faultline-raftkv: a Raft-replicated key-value server speaking RESP2, the
// system under test that faultline ships. README.md describes the flags, the
// INFO fields and the unsafe failpoints.
#include <spdlog/spdlog.h>

#include "targets/common/server_main.h"
#include "targets/raftkv/server/raft_node.h"

int main(int argc, char** argv) {
  using faultline::Status;
  using namespace faultline::common;
  using namespace faultline::raftkv;
  log_to_stderr("raftkv");

  ServerOptions options;
  std::vector<std::string> failpoints;
  CLI::App app{"faultline-raftkv: a Raft-replicated key-value server (RESP2)"};
  add_node_flags(app, "--peers", &options.id, &options.peers, &options.client_addr);
  add_address_map_option(app, "--client-peers", &options.client_peers,
                         "every node's client address, id=host:port,... (for -NOTLEADER and INFO)");
  app.add_option("--data-dir", options.data_dir, "directory of the WAL and snapshots")->required();
  app.add_option("--election-ms", options.election_ms, "election timeout (ms)")
      ->capture_default_str();
  app.add_option("--heartbeat-ms", options.heartbeat_ms, "heartbeat interval = tick (ms)")
      ->capture_default_str();
  app.add_option("--snapshot-threshold", options.snapshot_threshold,
                 "applied entries between snapshots")
      ->capture_default_str();
  app.add_option("--max-append-entries", options.max_append_entries,
                 "log entries per AppendEntries message")
      ->capture_default_str();
  app.add_option("--unsafe-failpoint", failpoints,
                 "UNSAFE: stale-read, commit-any-term, no-persist-vote, lease-read, "
                 "follower-read, read-cache, early-txn-reads (repeatable)");
  add_allow_crashpoints_flag(app, &options.allow_crashpoints);
  if (const std::optional<int> exit_status = parse_command_line(app, argc, argv)) {
    return *exit_status;
  }

  Status s = Status::ok();
  for (const std::string& name : failpoints) {
    if (s.is_ok()) s = enable_failpoint(name, &options.failpoints);
  }
  if (s.is_ok()) s = options.finish();
  if (!s.is_ok()) {
    spdlog::error("{}", s.message());
    return 2;
  }
  log_as_node(options.id);
  if (options.failpoints.any()) {
    spdlog::warn(
        "!!! UNSAFE FAILPOINTS ENABLED: {} — this server WILL violate its guarantees; "
        "for faultline self-tests only !!!",
        options.failpoints.to_string());
  }

  boost::asio::io_context io;
  std::unique_ptr<RaftNode> node;
  s = RaftNode::create(io, options, &node);
  if (s.is_ok()) s = node->start();
  if (!s.is_ok()) {
    spdlog::error("{}", s.message());
    return 1;
  }
  spdlog::info("serving clients on {}, peers on {}", options.client_addr.to_string(),
               options.peers.at(options.id).to_string());
  run_until_signal(io);
  return 0;
}
