// faultline-dht: a consistent-hashing DHT of quorum-replicated registers
// speaking RESP2, faultline's second system under test. README.md (in
// targets/dht) describes the flags, the modes and their guarantees.
#include <spdlog/spdlog.h>

#include "targets/common/server_main.h"
#include "targets/dht/server/dht_server.h"

int main(int argc, char** argv) {
  using faultline::Status;
  using namespace faultline::dht;
  using namespace faultline::common;
  log_to_stderr("dht");

  DhtServerOptions options;
  std::string mode = "abd";
  CLI::App app{"faultline-dht: a consistent-hashing DHT with ABD or eventual replication (RESP2)"};
  add_node_flags(app, "--nodes", &options.id, &options.nodes, &options.client_addr);
  app.add_option("--data-dir", options.data_dir, "directory of the replica log")->required();
  app.add_option("--replicas", options.replicas, "N: replicas per key")->capture_default_str();
  app.add_option("--vnodes", options.vnodes, "virtual nodes per node")->capture_default_str();
  app.add_option("--mode", mode, "abd (linearizable) or eventual (NOT linearizable)")
      ->capture_default_str();
  app.add_option("--r", options.r, "eventual mode: replies a read waits for (default: majority)");
  app.add_option("--w", options.w, "eventual mode: acks a write waits for (default: majority)");
  app.add_option("--tick-ms", options.tick_ms, "the core's unit of time (ms)")
      ->capture_default_str();
  app.add_option("--timeout-ms", options.timeout_ms,
                 "a quorum not reached by then answers -UNAVAILABLE (ms)")
      ->capture_default_str();
  app.add_option("--retry-ms", options.retry_ms, "silent replicas are asked again (ms)")
      ->capture_default_str();
  if (const std::optional<int> exit_status = parse_command_line(app, argc, argv)) {
    return *exit_status;
  }

  Status s = parse_mode(mode, &options.mode);
  if (s.is_ok()) s = options.finish();
  if (!s.is_ok()) {
    spdlog::error("{}", s.message());
    return 2;
  }
  log_as_node(options.id);
  if (options.mode == Mode::kEventual) {
    spdlog::warn("mode eventual (R={}, W={}): last write wins, NOT linearizable", options.r,
                 options.w);
  }

  boost::asio::io_context io;
  std::unique_ptr<DhtServer> server;
  s = DhtServer::create(io, options, &server);
  if (s.is_ok()) s = server->start();
  if (!s.is_ok()) {
    spdlog::error("{}", s.message());
    return 1;
  }
  spdlog::info("mode {}, {} nodes, N={}: serving clients on {}, peers on {}",
               mode_name(options.mode), options.nodes.size(), options.replicas,
               options.client_addr.to_string(), options.nodes.at(options.id).to_string());
  run_until_signal(io);
  return server->failed() ? 1 : 0;
}
