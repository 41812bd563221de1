// PaxosServer's client commands. Every node serves every key: a KV command on
// one key becomes a Change of that key's CASPaxos register, answered when its
// proposal completes (or -UNAVAILABLE after --timeout-ms); the rest are
// answered at once. Commands across keys (MULTI/EXEC, DEL or MGET of several
// keys) are refused: each key is its own register, and nothing orders two
// registers' changes atomically (README.md, "Limitations").
#include <fmt/format.h>

#include "targets/common/server_commands.h"
#include "targets/kvstate/kv_state.h"
#include "targets/paxos/server/paxos_server.h"
#include "targets/resp/resp_writer.h"

namespace faultline::paxos {

namespace {

using common::error_reply;

// The refusal of a command across keys. "; not applied" tells faultline's
// clients (workloads/resp_session.cc) that it had no effect.
std::string cross_key_error(std::string_view what) {
  return error_reply(
      fmt::format("ERR {} is not supported by faultline-paxos: each key is its own Paxos "
                  "register, and nothing orders changes across keys atomically; not applied",
                  what));
}

// A key's register holds the snapshot of a KvState of that key alone ("" when
// absent). Both Changes restore it; a write applies the log entry and
// snapshots the result, a read answers from it and changes nothing.
kv::KvState restore(const std::string& current, std::string* error) {
  kv::KvState state;
  if (current.empty()) return state;
  if (Status s = state.restore(current); !s.is_ok()) {
    *error = error_reply("ERR damaged register: " + s.message());
  }
  return state;
}

Change write_change(std::string entry) {
  return [entry](const std::string& current) {
    std::string reply;
    kv::KvState state = restore(current, &reply);
    if (!reply.empty()) return ChangeResult{current, reply};
    if (Status s = state.apply(entry, &reply); !s.is_ok()) {
      return ChangeResult{current, error_reply("ERR " + s.message())};
    }
    return ChangeResult{state.key_count() ? state.snapshot() : "", reply};
  };
}

Change read_change(kv::Command command) {
  return [command](const std::string& current) {
    std::string reply;
    kv::KvState state = restore(current, &reply);
    if (reply.empty()) state.read(command, &reply);
    return ChangeResult{current, reply};
  };
}

}  // namespace

void PaxosServer::handle(std::vector<std::string> request, kv::Session& session,
                         common::ReplyHandle reply) {
  if (common::answer_server_command(
          request, [this] { return info(); }, reply))
    return;
  if (common::upper(request[0]) == "DEBUG") return reply.send(crash_points_.debug_command(request));
  if (common::upper(request[0]) == "MULTI") return reply.send(cross_key_error("MULTI/EXEC"));
  kv::Action action = session.handle(std::move(request));
  if (action.kind == kv::Action::Kind::kReply) return reply.send(std::move(action.reply));
  if (action.kind == kv::Action::Kind::kRead) {
    if (action.read.args.size() != 1) return reply.send(cross_key_error("MGET of several keys"));
    const std::string key = action.read.args[0];
    return propose(key, read_change(std::move(action.read)), /*read_only=*/true, reply);
  }
  kv::LogEntry entry;
  if (Status s = kv::decode_entry(action.entry, &entry); !s.is_ok()) {
    return reply.send(error_reply("ERR " + s.message()));
  }
  const kv::Command& command = entry.commands.front();
  if (command.op == kv::Op::kDel && command.args.size() != 1) {
    return reply.send(cross_key_error("DEL of several keys"));
  }
  return propose(command.args[0], write_change(std::move(action.entry)), false, reply);
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
