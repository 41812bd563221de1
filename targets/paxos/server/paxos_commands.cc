// PaxosServer's client commands: the server-level ones (INFO, ECHO, COMMAND,
// CONFIG GET, DEBUG CRASHPOINT) here; PING and the KV commands, each a Change
// of one key's CASPaxos register, through PaxosKv (kv/paxos_kv.h).
#include <fmt/format.h>

#include "targets/common/server_commands.h"
#include "targets/paxos/server/paxos_server.h"

namespace faultline::paxos {

void PaxosServer::handle(std::vector<std::string> request, kv::Session& session,
                         common::ReplyHandle reply) {
  const common::SendReply send = [reply](std::string r) { reply.send(std::move(r)); };
  if (common::answer_server_command(
          request, [this] { return info(); }, send))
    return;
  if (common::upper(request[0]) == "DEBUG") return send(crash_points_.debug_command(request));
  kv_.handle(*node_, std::move(request), session, send, [reply] { reply.overlap(); });
  schedule_flush();
}

std::string PaxosServer::info() const {
  const Ballot b = node_->max_ballot();
  std::string ids;
  for (const auto& [id, address] : options_.nodes) {
    ids += fmt::format("{}{}", ids.empty() ? "" : ",", id);
  }
  // role: every node proposes and accepts; there is no leader to redirect to.
  return fmt::format(
      "# paxos\r\nnode_id:{}\r\nrole:proposer\r\nalgorithm:caspaxos\r\nnodes:{}\r\n"
      "quorum:{}\r\nballot:{}.{}\r\nissued_counter:{}\r\ntimeout_ms:{}\r\n"
      "pending_proposals:{}\r\nwaiting_requests:{}\r\nstored_keys:{}\r\nlog_bytes:{}\r\n"
      "failpoints:{}\r\n",
      options_.id, ids, options_.nodes.size() / 2 + 1, b.counter, b.node, store_->issued_counter(),
      options_.timeout_ms, node_->pending_proposals(), node_->waiting_requests(), store_->size(),
      store_->log_bytes(), options_.failpoints.to_string());
}

}  // namespace faultline::paxos
