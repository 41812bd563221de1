// RaftNode's client commands: server-level ones (INFO, COMMAND, CONFIG GET,
// PING) answered by any node; the KV commands go to the KvNode.
#include <fmt/format.h>

#include "targets/common/server_commands.h"
#include "targets/raftkv/server/raft_node.h"
#include "targets/resp/resp_writer.h"

namespace faultline::raftkv {

using common::error_reply;
using common::upper;

void RaftNode::handle(std::vector<std::string> request, kv::Session& session,
                      common::ReplyHandle reply) {
  const std::string name = upper(request[0]);
  std::string out;
  if (name == "INFO") {
    resp::append_bulk(&out, node_->info());
  } else if (name == "COMMAND") {
    out = common::command_reply(request);
  } else if (name == "CONFIG") {
    out = request.size() != 3 ? error_reply("ERR wrong number of arguments for 'config' command")
                              : common::config_reply(request);
  } else if (name == "DEBUG") {
    out = crash_points_.debug_command(request);
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
