// The values of targets' --opt keys, parsed one way for every target so that
// every error reads alike: "--opt KEY=VALUE: expected ... for target T".
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"

namespace faultline {

// An integer from min to max.
Status parse_int_option(const std::string& target, const std::string& key, const std::string& text,
                        int min, int max, int* out);
// "true" or "false".
Status parse_bool_option(const std::string& target, const std::string& key, const std::string& text,
                         bool* out);
// One of `choices`; `out` may be null when only the check is wanted.
Status parse_enum_option(const std::string& target, const std::string& key, const std::string& text,
                         const std::vector<std::string>& choices, std::string* out);
// A comma-separated list of names, each accepted by `check` (whose error is
// reported as "--opt KEY: ..."), appended to `out`.
Status parse_list_option(const std::string& key, const std::string& text,
                         const std::function<Status(const std::string&)>& check,
                         std::vector<std::string>* out);
// The cross-key checks of the daemons' ports and Raft timing: the client and
// peer ports differ; an election timeout is at least `factor` heartbeats.
Status check_ports_differ(int client_port, int peer_port);
Status check_election_option(const std::string& target, int election_ms, int heartbeat_ms,
                             int factor);
// The error for a key the target does not have; `known` lists those it has.
Status unknown_option(const std::string& target, const std::string& key, const std::string& known);

}  // namespace faultline
