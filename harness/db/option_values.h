// The targets' --opt keys, parsed one way for every target so that every
// error reads alike: "--opt KEY=VALUE: expected ... for target T". A target
// lists its keys as OptionSpecs (where each value goes) and parse_options()
// applies the --opt pairs.
#pragma once

#include <functional>
#include <map>
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

// One --opt key of a target, and what parses a value of it (storing it).
struct OptionSpec {
  using Parse = std::function<Status(const std::string& target, const std::string& value)>;
  std::string key;
  Parse parse;
};
OptionSpec int_option(const std::string& key, int min, int max, int* out);
OptionSpec bool_option(const std::string& key, bool* out);
OptionSpec text_option(const std::string& key, std::string* out);
OptionSpec enum_option(const std::string& key, std::vector<std::string> choices, std::string* out);
// A comma-separated list of names, each accepted by `check` (whose error is
// reported as "--opt KEY: ..."), appended to `out`.
OptionSpec list_option(const std::string& key, std::function<Status(const std::string&)> check,
                       std::vector<std::string>* out);
// --opt diskfs: false (not mounted: ""), true or strict ("strict"), ext4
// ("ext4"): the durability model of faultline-diskfs (nemesis/disk/
// unsynced_tracker.h) the data directory is mounted with.
Status parse_diskfs_option(const std::string& target, const std::string& text, std::string* out);
// Appends the keys of every daemon target (harness/db/daemon_db.h) to
// `specs`: binary, dir, client-port, peer-port, faketime, diskfs.
void add_daemon_options(std::vector<OptionSpec>* specs, std::string* binary, std::string* dir,
                        int* client_port, int* peer_port, bool* faketime, std::string* diskfs);

// Applies each --opt pair through the spec of its key; the first error, or
// "--opt KEY: unknown option for target T (known: ...)".
Status parse_options(const std::string& target, const std::map<std::string, std::string>& options,
                     const std::vector<OptionSpec>& specs);

// The cross-key checks of the daemons' ports and Raft timing: the client and
// peer ports differ; an election timeout is at least `factor` heartbeats.
Status check_ports_differ(int client_port, int peer_port);
Status check_election_option(const std::string& target, int election_ms, int heartbeat_ms,
                             int factor);

}  // namespace faultline
