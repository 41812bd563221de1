// What the main() of faultline-raftkv and of faultline-dht share: the log
// format, address flags parsed as they are read, the exit status of a bad
// command line, and serving until SIGINT or SIGTERM.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "targets/common/address.h"
#include "targets/common/asio.h"

namespace faultline::common {

// Logs to stderr as `name`, each line "<time> <level> <message>".
void log_to_stderr(const std::string& name);
// From now on each line names this node: "<time> <level> [node <id>] <message>".
void log_as_node(uint64_t id);

// The required flags that place a node: --id, the peer addresses of every
// node (flag `peers_flag`: id=host:port,...) and --client-addr (host:port).
// Addresses are parsed as CLI11 reads them (parse_address, parse_address_map):
// bad text is a command-line error naming the flag.
void add_node_flags(CLI::App& app, const std::string& peers_flag, uint64_t* id,
                    std::map<uint64_t, Address>* peers, Address* client_addr);
// An optional flag of addresses id=host:port,..., parsed likewise.
CLI::Option* add_address_map_option(CLI::App& app, const std::string& name,
                                    std::map<uint64_t, Address>* out,
                                    const std::string& description);

// --allow-crashpoints: lets DEBUG CRASHPOINT arm the server's crash points
// (crash_points.h); off, every such command is refused.
void add_allow_crashpoints_flag(CLI::App& app, bool* allow);

// Parses the command line. nullopt: go on; else main()'s exit status, 0
// after --help, 2 after a bad command line (printed with the reason).
std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv);

// Runs `io` until SIGINT or SIGTERM, which it logs ("signal N: shutting down").
void run_until_signal(boost::asio::io_context& io);

}  // namespace faultline::common
