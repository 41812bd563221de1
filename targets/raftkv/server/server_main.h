// What the main() of faultline-raftkv and of faultline-dht share: the log
// format, address flags parsed as they are read, the exit status of a bad
// command line, and serving until SIGINT or SIGTERM.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "targets/raftkv/server/asio.h"
#include "targets/raftkv/server/server_options.h"

namespace faultline::raftkv {

// Logs to stderr as `name`, each line "<time> <level> <message>".
void log_to_stderr(const std::string& name);
// From now on each line names this node: "<time> <level> [node <id>] <message>".
void log_as_node(uint64_t id);

// Options whose text parse_address / parse_address_map turn into *out as
// CLI11 reads it: bad text is a command-line error naming the option.
CLI::Option* add_address_option(CLI::App& app, const std::string& name, Address* out,
                                const std::string& description);
CLI::Option* add_address_map_option(CLI::App& app, const std::string& name,
                                    std::map<uint64_t, Address>* out,
                                    const std::string& description);

// Parses the command line. nullopt: go on; else main()'s exit status, 0
// after --help, 2 after a bad command line (printed with the reason).
std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv);

// Runs `io` until SIGINT or SIGTERM, which it logs ("signal N: shutting down").
void run_until_signal(boost::asio::io_context& io);

}  // namespace faultline::raftkv
