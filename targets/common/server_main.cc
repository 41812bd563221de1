#include "targets/common/server_main.h"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace faultline::common {
namespace {

// Wraps a parser of server_options.h for add_option_function: a refused text
// becomes CLI11's ValidationError, reported like any bad flag.
template <typename T, typename Parse>
CLI::Option* add_parsed_option(CLI::App& app, const std::string& name, T* out, Parse parse,
                               const std::string& description) {
  return app.add_option_function<std::string>(
      name,
      [name, out, parse](const std::string& text) {
        if (const Status s = parse(text, out); !s.is_ok()) {
          throw CLI::ValidationError(name, s.message());
        }
      },
      description);
}

}  // namespace

void log_to_stderr(const std::string& name) {
  spdlog::set_default_logger(spdlog::stderr_color_mt(name));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
}

void log_as_node(uint64_t id) {
  spdlog::set_pattern(fmt::format("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [node {}] %v", id));
}

void add_node_flags(CLI::App& app, const std::string& peers_flag, uint64_t* id,
                    std::map<uint64_t, Address>* peers, Address* client_addr) {
  app.add_option("--id", *id, "this node's id (positive, listed in " + peers_flag + ")")
      ->required();
  add_address_map_option(app, peers_flag, peers, "every node's peer address: id=host:port,...")
      ->required();
  add_parsed_option(app, "--client-addr", client_addr, &parse_address,
                    "host:port to serve RESP clients on")
      ->required();
}

CLI::Option* add_address_map_option(CLI::App& app, const std::string& name,
                                    std::map<uint64_t, Address>* out,
                                    const std::string& description) {
  return add_parsed_option(app, name, out, &parse_address_map, description);
}

void add_allow_crashpoints_flag(CLI::App& app, bool* allow) {
  app.add_flag("--allow-crashpoints", *allow,
               "TESTING: let the admin command DEBUG CRASHPOINT arm crash points (the process "
               "kills itself at them); off, it is refused");
}

std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the help, or the error
    return e.get_exit_code() == 0 ? 0 : 2;
  }
  return std::nullopt;
}

void run_until_signal(boost::asio::io_context& io) {
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", signal);
    io.stop();
  });
  io.run();
}

}  // namespace faultline::common
