// PaxosKv: the key-value face of a paxos::Node, without any I/O: it turns a
// client's single-key RESP command into a Change of that key's CASPaxos
// register, proposes it on the node and, from the node's Responses, answers
// the client. Two drivers run it: the server (server/paxos_server.h, which
// answers the server-level commands — INFO, ECHO, COMMAND, CONFIG — itself)
// and faultline sim's simulated node (harness/sim), so a simulated cluster
// serves clients with the server's own logic.
//
// Each key's register holds a one-key KvState snapshot, so a command is the
// Change "restore, apply the command, snapshot": the KV semantics are exactly
// raftkv's, one key at a time. Commands across keys (MULTI/EXEC, DEL or MGET
// of several keys) are refused: nothing orders two registers' changes
// atomically (README.md, "Limitations").
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "targets/common/server_commands.h"
#include "targets/kvstate/kv_session.h"
#include "targets/paxos/core/node.h"

namespace faultline::paxos {

class PaxosKv {
 public:
  // `tick_ms`: the core's unit of time, which -UNAVAILABLE replies name.
  explicit PaxosKv(int tick_ms) : tick_ms_(tick_ms) {}

  // A KV command (PING included) of a connection whose MULTI/EXEC state is
  // `session`: answered at once, or proposed on `node` and answered by
  // answer() once the proposal's Response comes out of a Ready (which the
  // driver makes durable first). A read or write, once proposed, calls
  // `overlap` (if any): its place among the connection's commands on its key
  // is fixed (the node applies a key's requests in the order they came, a
  // read among them), so the connection may hand on its next commands before
  // this one is answered (common/client_listener.h, ReplyHandle::overlap).
  void handle(Node& node, std::vector<std::string> request, kv::Session& session,
              common::SendReply reply, const std::function<void()>& overlap = {});
  // Answers the client of `response` (a response to no request of ours is ignored).
  void answer(const Response& response);

 private:
  void propose(Node& node, const std::string& key, Change change, bool read_only,
               common::SendReply reply);

  int tick_ms_;
  std::map<uint64_t, common::SendReply> pending_;  // by request id
  uint64_t next_request_ = 1;
};

}  // namespace faultline::paxos
