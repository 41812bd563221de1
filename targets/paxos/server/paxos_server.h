// PaxosServer: the heart of faultline-paxos. It drives one paxos::Node core
// on one io_context: ticks it from a timer, feeds it peer messages
// (FrameTransport) and client requests (ClientListener, RESP2), and carries
// out each Ready in the order its contract demands:
//
//   1. sync the DurableAcceptorStore (one fdatasync for every promise,
//      accept and issued ballot since the last Ready: group commit),
//   2. then send the messages and answer the clients.
//
// Inputs arriving together are batched into one Ready: handling is posted
// once to run after the io_context's already-queued completions. If a sync
// fails the server stops (failed() is then true).
//
// Each key is a CASPaxos register holding a one-key KvState snapshot, so a
// command is the Change "restore, apply the command, snapshot"
// (paxos_commands.cc): the KV semantics are exactly raftkv's, one key at a
// time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "targets/common/asio.h"
#include "targets/common/client_listener.h"
#include "targets/common/frame_transport.h"
#include "targets/paxos/core/node.h"
#include "targets/paxos/server/paxos_options.h"
#include "targets/paxos/storage/durable_acceptor_store.h"

namespace faultline::paxos {

class PaxosServer : public common::CommandHandler {
 public:
  // Recovers the acceptor store from options.data_dir (created, with its
  // parents, if missing; a damaged log is refused) and builds the core;
  // start() opens the sockets.
  static Status create(boost::asio::io_context& io, PaxosServerOptions options,
                       std::unique_ptr<PaxosServer>* out);
  Status start();
  bool failed() const { return failed_; }

  // common::CommandHandler (paxos_commands.cc): the single-key KV commands
  // of targets/kvstate, PING, ECHO, INFO, COMMAND, CONFIG GET.
  void handle(std::vector<std::string> request, kv::Session& session,
              common::ReplyHandle reply) override;

 private:
  PaxosServer(boost::asio::io_context& io, PaxosServerOptions options);
  Status on_frame(std::string payload);
  void tick();
  void schedule_flush();
  void flush();
  void answer(const Response& response);
  void propose(const std::string& key, Change change, bool read_only, common::ReplyHandle reply);
  std::string info() const;

  boost::asio::io_context& io_;
  PaxosServerOptions options_;
  std::unique_ptr<DurableAcceptorStore> store_;
  std::unique_ptr<Node> node_;
  std::unique_ptr<common::FrameTransport> transport_;
  std::unique_ptr<common::ClientListener> listener_;
  boost::asio::steady_timer ticker_;
  std::map<uint64_t, common::ReplyHandle> pending_;  // by request id
  uint64_t next_request_ = 1;
  bool flush_scheduled_ = false;
  bool failed_ = false;
};

}  // namespace faultline::paxos
