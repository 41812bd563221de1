// faultline-raftkv: a Raft-replicated key-value server speaking RESP2, the
// system under test that faultline ships. README.md describes the flags, the
// INFO fields and the unsafe failpoints.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "targets/raftkv/server/asio.h"
#include "targets/raftkv/server/raft_node.h"

namespace {

using faultline::Status;
using namespace faultline::raftkv;

// CLI11 validator adapter: "" when `parse` accepts the text, else its message.
template <typename Parse>
std::function<std::string(const std::string&)> check_with(Parse parse) {
  return [parse](const std::string& text) {
    const Status s = parse(text);
    return s.is_ok() ? std::string() : s.message();
  };
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("raftkv"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  ServerOptions options;
  std::string peers;
  std::string client_addr;
  std::string client_peers;
  std::vector<std::string> failpoints;
  CLI::App app{"faultline-raftkv: a Raft-replicated key-value server (RESP2)"};
  app.add_option("--id", options.id, "this node's id (positive, listed in --peers)")->required();
  app.add_option("--peers", peers, "every node's peer address: id=host:port,...")
      ->required()
      ->check(check_with([](const std::string& t) {
        std::map<uint64_t, Address> m;
        return parse_address_map(t, &m);
      }));
  app.add_option("--client-addr", client_addr, "host:port to serve RESP clients on")
      ->required()
      ->check(check_with([](const std::string& t) {
        Address a;
        return parse_address(t, &a);
      }));
  app.add_option("--client-peers", client_peers,
                 "every node's client address, id=host:port,... (for -NOTLEADER and INFO)")
      ->check(check_with([](const std::string& t) {
        std::map<uint64_t, Address> m;
        return parse_address_map(t, &m);
      }));
  app.add_option("--data-dir", options.data_dir, "directory of the WAL and snapshots")->required();
  app.add_option("--election-ms", options.election_ms, "election timeout (ms)")
      ->capture_default_str();
  app.add_option("--heartbeat-ms", options.heartbeat_ms, "heartbeat interval = tick (ms)")
      ->capture_default_str();
  app.add_option("--snapshot-threshold", options.snapshot_threshold,
                 "applied entries between snapshots")
      ->capture_default_str();
  app.add_option("--unsafe-failpoint", failpoints,
                 "UNSAFE: stale-read, commit-any-term, no-persist-vote, lease-read, "
                 "follower-read, read-cache (repeatable)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the help, or the error
    return e.get_exit_code() == 0 ? 0 : 2;
  }

  Status s = parse_address_map(peers, &options.peers);
  if (s.is_ok()) s = parse_address(client_addr, &options.client_addr);
  if (s.is_ok() && !client_peers.empty())
    s = parse_address_map(client_peers, &options.client_peers);
  for (const std::string& name : failpoints) {
    if (s.is_ok()) s = enable_failpoint(name, &options.failpoints);
  }
  if (s.is_ok()) s = options.finish();
  if (!s.is_ok()) {
    spdlog::error("{}", s.message());
    return 2;
  }
  spdlog::set_pattern(fmt::format("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [node {}] %v", options.id));
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
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", signal);
    io.stop();
  });
  spdlog::info("serving clients on {}, peers on {}", options.client_addr.to_string(),
               options.peers.at(options.id).to_string());
  io.run();
  return 0;
}
