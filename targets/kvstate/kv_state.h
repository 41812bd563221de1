// The KV state machine that the Raft log feeds: deterministic (the same
// entries in the same order give the same state and replies on every
// replica), no I/O. Values are strings or sets of strings, as in Redis.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "base/status.h"
#include "targets/kvstate/kv_command.h"

namespace faultline::kv {

class KvState {
 public:
  // Applies a committed log entry (from encode_entry / encode_batch) and
  // appends the RESP reply for the client that proposed it: the command's
  // reply, or for a batch an array of each command's reply. A command that
  // fails at run time (WRONGTYPE, INCRBY of a non-integer) replies an error
  // and changes nothing; the other commands of its batch still apply, as in
  // Redis. A corrupted entry (decode_entry fails) changes nothing, appends
  // nothing and returns the error.
  Status apply(std::string_view entry, std::string* reply);
  // The same for an entry decoded already (which cannot be corrupt).
  void apply(const LogEntry& entry, std::string* reply);

  // Answers a read-only command (is_read_only) from the current state. A
  // write command is refused with an error reply: writes go through the log.
  void read(const Command& command, std::string* reply) const;

  // The whole state in a canonical form (keys and set members sorted; see
  // README.md): two replicas with equal states give equal bytes.
  std::string snapshot() const;

  // Replaces the state with a snapshot's. A snapshot that is not exactly
  // what snapshot() produces is kMalformed, and the state is left unchanged.
  Status restore(std::string_view snapshot);

  size_t key_count() const { return data_.size(); }

 private:
  using Members = std::set<std::string>;
  using Value = std::variant<std::string, Members>;

  void execute(const Command& command, std::string* reply);
  void incrby(const Command& command, std::string* reply);
  const Value* find(const std::string& key) const;

  std::unordered_map<std::string, Value> data_;
};

// PING's reply: +PONG, or its argument as a bulk string. Needs no state, so
// a server can answer it directly.
void append_ping_reply(const Command& ping, std::string* reply);

}  // namespace faultline::kv
