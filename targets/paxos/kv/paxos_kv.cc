#include "targets/paxos/kv/paxos_kv.h"

#include <fmt/format.h>

#include "targets/kvstate/kv_state.h"
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

Change write_change(kv::LogEntry entry) {
  return [entry = std::move(entry)](const std::string& current) {
    std::string reply;
    kv::KvState state = restore(current, &reply);
    if (!reply.empty()) return ChangeResult{current, reply};
    state.apply(entry, &reply);
    return ChangeResult{state.key_count() ? state.snapshot() : "", reply};
  };
}

Change read_change(kv::Command command) {
  return [command = std::move(command)](const std::string& current) {
    std::string reply;
    kv::KvState state = restore(current, &reply);
    if (reply.empty()) state.read(command, &reply);
    return ChangeResult{current, reply};
  };
}

}  // namespace

void PaxosKv::handle(Node& node, std::vector<std::string> request, kv::Session& session,
                     common::SendReply reply, const std::function<void()>& overlap) {
  if (common::upper(request[0]) == "MULTI") return reply(cross_key_error("MULTI/EXEC"));
  kv::Action action = session.handle(std::move(request));
  if (action.kind == kv::Action::Kind::kReply) return reply(std::move(action.reply));
  if (action.kind == kv::Action::Kind::kRead) {
    if (action.read.args.size() != 1) return reply(cross_key_error("MGET of several keys"));
    const std::string key = action.read.args[0];
    propose(node, key, read_change(std::move(action.read)), /*read_only=*/true, std::move(reply));
    if (overlap) overlap();
    return;
  }
  kv::LogEntry entry;
  if (Status s = kv::decode_entry(action.entry, &entry); !s.is_ok()) {
    return reply(error_reply("ERR " + s.message()));
  }
  const kv::Command& command = entry.commands.front();
  if (command.op == kv::Op::kDel && command.args.size() != 1) {
    return reply(cross_key_error("DEL of several keys"));
  }
  const std::string key = command.args[0];
  propose(node, key, write_change(std::move(entry)), false, std::move(reply));
  if (overlap) overlap();
}

void PaxosKv::propose(Node& node, const std::string& key, Change change, bool read_only,
                      common::SendReply reply) {
  const uint64_t id = next_request_++;
  pending_.emplace(id, std::move(reply));
  node.propose(id, key, std::move(change), read_only);
}

void PaxosKv::answer(const Response& r) {
  auto it = pending_.find(r.request);
  if (it == pending_.end()) return;
  const common::SendReply reply = std::move(it->second);
  pending_.erase(it);
  if (r.status == ResponseStatus::kOk) return reply(r.reply);  // RESP, from the Change
  std::string out;
  // The core counts ticks; say what that is on the clock.
  resp::append_error(&out, fmt::format("{} (tick {} ms)", r.reply, tick_ms_));
  reply(std::move(out));
}

}  // namespace faultline::paxos
