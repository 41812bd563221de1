// RaftNode's client commands: server-level ones (INFO, COMMAND, CONFIG GET,
// PING) answered by any node; the KV commands go to the KvNode.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "targets/raftkv/server/raft_node.h"
#include "targets/resp/resp_writer.h"

namespace faultline::raftkv {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// CONFIG GET: just what redis-benchmark asks at start ("save",
// "appendonly"), as a persistence-less Redis would answer; anything else
// matches nothing (an empty array), as Redis answers an unknown parameter.
std::string config_get(const std::string& parameter) {
  static const std::pair<const char*, const char*> kKnown[] = {{"save", ""}, {"appendonly", "no"}};
  std::string out;
  for (const auto& [name, value] : kKnown) {
    if (upper(parameter) == upper(name)) {
      resp::append_array_header(&out, 2);
      resp::append_bulk(&out, name);
      resp::append_bulk(&out, value);
      return out;
    }
  }
  resp::append_array_header(&out, 0);
  return out;
}

std::string error_reply(std::string_view message) {
  std::string out;
  resp::append_error(&out, message);
  return out;
}

}  // namespace

void RaftNode::handle(std::vector<std::string> request, kv::Session& session,
                      common::ReplyHandle reply) {
  const std::string name = upper(request[0]);
  std::string out;
  if (name == "INFO") {
    resp::append_bulk(&out, node_->info());
  } else if (name == "COMMAND") {
    // redis-cli asks for COMMAND DOCS to offer hints; no command table is
    // fine for it: an empty array (COUNT: zero).
    if (request.size() >= 2 && upper(request[1]) == "COUNT") {
      resp::append_integer(&out, 0);
    } else {
      resp::append_array_header(&out, 0);
    }
  } else if (name == "CONFIG") {
    if (request.size() != 3) {
      out = error_reply("ERR wrong number of arguments for 'config' command");
    } else if (upper(request[1]) != "GET") {
      out = error_reply(
          fmt::format("ERR CONFIG {} is not supported (only CONFIG GET)", upper(request[1])));
    } else {
      out = config_get(request[2]);
    }
  } else if (name == "PING" && !session.in_transaction()) {
    out = session.handle(std::move(request)).reply;
  } else {
    return node_->handle(std::move(request), session,
                         ClientReply([reply](std::string r) { reply.send(std::move(r)); },
                                     [reply] { reply.overlap(); }, reply.after_unanswered()));
  }
  reply.send(std::move(out));
}

}  // namespace faultline::raftkv
