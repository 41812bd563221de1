// PaxosServer: the heart of faultline-paxos, the CoreServer
// (targets/common/core_server.h) of one paxos::Node over a
// DurableAcceptorStore: every promise, accept and issued ballot of a Ready is
// synced (one fdatasync: group commit) before it is sent or answered.
//
// Each key is a CASPaxos register holding a one-key KvState snapshot, so a
// command is the Change "restore, apply the command, snapshot": the KV
// semantics are exactly raftkv's, one key at a time (kv/paxos_kv.h, shared
// with faultline sim's simulated nodes).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "targets/common/core_server.h"
#include "targets/common/crash_points.h"
#include "targets/paxos/core/node.h"
#include "targets/paxos/kv/paxos_kv.h"
#include "targets/paxos/server/message_codec.h"
#include "targets/paxos/server/paxos_options.h"
#include "targets/paxos/storage/durable_acceptor_store.h"

namespace faultline::paxos {

class PaxosServer : public common::CoreServer<Node, DurableAcceptorStore> {
 public:
  // Recovers the acceptor store from options.data_dir (created, with its
  // parents, if missing; a damaged log is refused) and builds the core;
  // start() opens the sockets.
  static Status create(boost::asio::io_context& io, PaxosServerOptions options,
                       std::unique_ptr<PaxosServer>* out);

  // common::CommandHandler (paxos_commands.cc): INFO, ECHO, COMMAND,
  // CONFIG GET and DEBUG CRASHPOINT (refused without --allow-crashpoints)
  // here; PING and the single-key KV commands of targets/kvstate through
  // PaxosKv.
  void handle(std::vector<std::string> request, kv::Session& session,
              common::ReplyHandle reply) override;

 private:
  PaxosServer(boost::asio::io_context& io, PaxosServerOptions options);
  void answer(const Response& response) override { kv_.answer(response); }
  // The crash point `promise` after a peer's batch with a granted promise
  // that preempted another node's open round (preempts_open_round).
  std::function<void()> after_sent(uint64_t to, const std::vector<Message>& sent) override;
  std::string info() const;

  PaxosServerOptions options_;
  PaxosKv kv_;
  common::CrashPoints crash_points_;
};

}  // namespace faultline::paxos
