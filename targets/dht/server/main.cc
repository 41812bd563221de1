// faultline-dht: a consistent-hashing DHT of quorum-replicated registers
// speaking RESP2, faultline's second system under test. README.md (in
// targets/dht) describes the flags, the modes and their guarantees.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "targets/dht/server/dht_server.h"
#include "targets/raftkv/server/asio.h"

int main(int argc, char** argv) {
  using faultline::Status;
  using namespace faultline::dht;
  spdlog::set_default_logger(spdlog::stderr_color_mt("dht"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  DhtServerOptions options;
  std::string nodes, client_addr, mode = "abd";
  CLI::App app{"faultline-dht: a consistent-hashing DHT with ABD or eventual replication (RESP2)"};
  app.add_option("--id", options.id, "this node's id (positive, listed in --nodes)")->required();
  app.add_option("--nodes", nodes, "every node's peer address: id=host:port,...")->required();
  app.add_option("--client-addr", client_addr, "host:port to serve RESP clients on")->required();
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the help, or the error
    return e.get_exit_code() == 0 ? 0 : 2;
  }

  Status s = faultline::raftkv::parse_address_map(nodes, &options.nodes);
  if (s.is_ok()) s = faultline::raftkv::parse_address(client_addr, &options.client_addr);
  if (s.is_ok()) s = parse_mode(mode, &options.mode);
  if (s.is_ok()) s = options.finish();
  if (!s.is_ok()) {
    spdlog::error("{}", s.message());
    return 2;
  }
  spdlog::set_pattern(fmt::format("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [node {}] %v", options.id));
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
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", signal);
    io.stop();
  });
  spdlog::info("mode {}, {} nodes, N={}: serving clients on {}, peers on {}",
               mode_name(options.mode), options.nodes.size(), options.replicas,
               options.client_addr.to_string(), options.nodes.at(options.id).to_string());
  io.run();
  return server->failed() ? 1 : 0;
}
