// The commands of the KV state machine: checking a client's request before
// it is proposed, and the binary log-entry format that carries commands
// through the Raft log (see README.md for the layout).
//
// Connection-level commands (MULTI, EXEC, DISCARD: kv_session.h) and
// server-level ones (INFO) are not state-machine commands: validate() does
// not know them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace faultline::kv {

// The op codes are part of the log-entry format: never renumber them.
enum class Op : uint8_t {
  kGet = 1,
  kSet = 2,
  kDel = 3,
  kCas = 4,
  kAppend = 5,
  kIncrBy = 6,
  kMGet = 7,
  kSAdd = 8,
  kSMembers = 9,
  kPing = 10,
};

// A valid command: known, right number of arguments, well-formed arguments
// (INCRBY's increment is an integer). `args` excludes the command name.
struct Command {
  Op op = Op::kPing;
  std::vector<std::string> args;

  bool operator==(const Command&) const = default;
};

// What one log entry carries: a single command, or the commands of one
// MULTI/EXEC transaction, applied together (and answered with an array).
struct LogEntry {
  bool batch = false;
  std::vector<Command> commands;
};

// The command's name in lower case, as Redis names it in error messages.
std::string_view command_name(Op op);

// GET, MGET, SMEMBERS and PING change nothing: they are answered from the
// state (after a ReadIndex) instead of going through the log.
bool is_read_only(Op op);

// Checks a client request (name, then arguments; the name in any case). On
// success fills *command. Otherwise the status message is the RESP error to
// send back, e.g. "ERR unknown command 'foo'" or "ERR wrong number of
// arguments for 'get' command".
Status validate(std::vector<std::string> request, Command* command);

// The log entry for one command, or for a transaction (at least one command).
std::string encode_entry(const Command& command);
std::string encode_batch(const std::vector<Command>& commands);

// Decodes and validates a log entry: every command must be one validate()
// accepts. A corrupted entry is kMalformed ("kv log entry: <what> at byte N").
Status decode_entry(std::string_view data, LogEntry* entry);

}  // namespace faultline::kv
