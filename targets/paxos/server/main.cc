// faultline-paxos: a key-value store whose every key is a CASPaxos register,
// speaking RESP2; faultline's third system under test. README.md (in
// targets/paxos) describes the flags, the algorithm and the failpoints.
#include <spdlog/spdlog.h>

#include "targets/common/server_main.h"
#include "targets/paxos/server/paxos_server.h"

int main(int argc, char** argv) {
  using faultline::Status;
  using namespace faultline::paxos;
  using namespace faultline::common;
  log_to_stderr("paxos");

  PaxosServerOptions options;
  std::vector<std::string> failpoints;
  CLI::App app{"faultline-paxos: a key-value store of CASPaxos registers (RESP2)"};
  add_node_flags(app, "--nodes", &options.id, &options.nodes, &options.client_addr);
  app.add_option("--data-dir", options.data_dir, "directory of the acceptor log")->required();
  app.add_option("--tick-ms", options.tick_ms, "the core's unit of time (ms)")
      ->capture_default_str();
  app.add_option("--timeout-ms", options.timeout_ms,
                 "a proposal not chosen by then answers -UNAVAILABLE (ms)")
      ->capture_default_str();
  app.add_option("--retry-ms", options.retry_ms, "silent acceptors are asked again (ms)")
      ->capture_default_str();
  app.add_option("--backoff-ms", options.backoff_ms,
                 "a refused prepare waits up to this (doubling) before a higher ballot (ms)")
      ->capture_default_str();
  app.add_option("--unsafe-failpoint", failpoints,
                 "break Paxos on purpose (for testing faultline): no-persist-promise, "
                 "accept-lower-ballot, no-adopt-highest, local-read");
  add_allow_crashpoints_flag(app, &options.allow_crashpoints);
  if (const std::optional<int> exit_status = parse_command_line(app, argc, argv)) {
    return *exit_status;
  }
  Status s = options.finish();
  for (const std::string& name : failpoints) {
    if (s.is_ok()) s = enable_failpoint(name, &options.failpoints);
  }
  if (!s.is_ok()) {
    spdlog::error("{}", s.message());
    return 2;
  }
  log_as_node(options.id);
  if (options.failpoints.any()) {
    spdlog::warn("UNSAFE failpoints enabled: {}; this server breaks Paxos on purpose",
                 options.failpoints.to_string());
  }

  boost::asio::io_context io;
  std::unique_ptr<PaxosServer> server;
  s = PaxosServer::create(io, options, &server);
  if (s.is_ok()) s = server->start();
  if (!s.is_ok()) {
    spdlog::error("{}", s.message());
    return 1;
  }
  spdlog::info("{} nodes: serving clients on {}, peers on {}", options.nodes.size(),
               options.client_addr.to_string(), options.nodes.at(options.id).to_string());
  run_until_signal(io);
  return server->failed() ? 1 : 0;
}
