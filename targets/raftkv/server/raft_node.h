// RaftNode: the I/O shell of faultline-raftkv around one KvNode (the raft
// core, its storage and the KV state machine, with the logic that answers
// clients: ../node/kv_node.h). On one io_context it ticks the node from a
// timer, feeds it peer messages (PeerTransport) and client requests
// (ClientListener), keeps its storage in the data directory on the POSIX file
// system, and runs its Ready loop once for all the inputs that arrived
// together: handling is posted to run after the already-queued completions.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "targets/common/asio.h"
#include "targets/common/client_listener.h"
#include "targets/common/crash_points.h"
#include "targets/raftkv/node/kv_node.h"
#include "targets/raftkv/server/peer_transport.h"
#include "targets/raftkv/server/server_options.h"

namespace faultline::raftkv {

class RaftNode : public common::CommandHandler, private KvNodeHost {
 public:
  // Recovers the node from options.data_dir (refusing a damaged directory)
  // and builds its core; start() opens the sockets.
  static Status create(boost::asio::io_context& io, ServerOptions options,
                       std::unique_ptr<RaftNode>* out);
  Status start();

  // CommandHandler (raft_node_commands.cc): INFO, COMMAND, CONFIG GET, PING
  // and DEBUG CRASHPOINT (refused without --allow-crashpoints) on any node;
  // the KV commands go to the KvNode.
  void handle(std::vector<std::string> request, kv::Session& session,
              common::ReplyHandle reply) override;

 private:
  RaftNode(boost::asio::io_context& io, ServerOptions options);

  // Waits for the next tick.
  void schedule_tick();

  // KvNodeHost
  // Sends; the crash point `vote` after each granted vote.
  void send(raft::Message message) override;
  void schedule_ready() override;
  int64_t now_ms() override;
  std::string client_address(uint64_t id) override;

  boost::asio::io_context& io_;
  ServerOptions options_;
  std::unique_ptr<KvNode> node_;
  std::unique_ptr<PeerTransport> transport_;
  std::unique_ptr<common::ClientListener> listener_;
  common::CrashPoints crash_points_;
  // Raft's ticks: from the steady clock — or, under the lease-read
  // failpoint, from the wall clock (node/read_lease.h says why).
  boost::asio::steady_timer tick_timer_;
  boost::asio::system_timer wall_tick_timer_;
  bool ready_scheduled_ = false;
};

}  // namespace faultline::raftkv
