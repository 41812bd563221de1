// What the command handlers of faultline-dht and faultline-paxos share: RESP
// error replies, the arity check, and the server-level commands they answer
// alike and at once. Free of sockets: the servers' handlers and faultline
// sim's simulated nodes (harness/sim) both answer through a SendReply.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::common {

// Sends one complete RESP reply to the client that asked (a connection's
// ReplyHandle::send in the servers).
using SendReply = std::function<void(std::string)>;

std::string upper(std::string_view s);
// A RESP error reply; `message` without the leading '-'.
std::string error_reply(std::string_view message);

// True when `request` (the command and its arguments) has min..max items;
// else answers "ERR wrong number of arguments" as Redis does.
bool check_arity(const std::vector<std::string>& request, size_t min, size_t max,
                 const SendReply& reply);

// COMMAND's reply: redis-cli asks for COMMAND DOCS to offer hints; no
// command table is fine for it (an empty array; COUNT: zero).
std::string command_reply(const std::vector<std::string>& request);
// The reply to CONFIG SUBCOMMAND PARAMETER (three items): only GET, and just
// what redis-benchmark asks at start (save, appendonly; it warns unless
// answered), as a Redis without persistence would; any other parameter
// matches nothing (an empty array), as Redis answers an unknown one.
std::string config_reply(const std::vector<std::string>& request);

// Answers ECHO, INFO (from `info`), COMMAND and CONFIG, checking their
// arity. Returns false, having sent nothing, for any other command.
bool answer_server_command(const std::vector<std::string>& request,
                           const std::function<std::string()>& info, const SendReply& reply);

}  // namespace faultline::common
