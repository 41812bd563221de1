// DhtServer: the heart of faultline-dht. It drives one dht::Node core on one
// io_context: ticks it from a timer, feeds it peer messages (FrameTransport)
// and client requests (ClientListener, RESP2), and carries out each Ready:
//
//   1. sync the DurableReplicaStore (one fdatasync for everything the inputs
//      since the last Ready stored: group commit),
//   2. then send the messages and answer the clients.
//
// So a replica acknowledges only what is durable, and a coordinator sends a
// version only once the counter it issued is durable. Inputs arriving
// together are batched into one Ready: handling is posted once to run after
// the io_context's already-queued completions. If a sync fails the server
// stops (failed() is then true): what reached the disk is unknown until a
// restart's recovery decides.
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
#include "targets/dht/core/node.h"
#include "targets/dht/server/dht_options.h"
#include "targets/dht/storage/durable_replica_store.h"

namespace faultline::dht {

class DhtServer : public common::CommandHandler {
 public:
  // Recovers the replica store from options.data_dir (created, with its
  // parents, if missing; a damaged log is refused) and builds the core;
  // start() opens the sockets.
  static Status create(boost::asio::io_context& io, DhtServerOptions options,
                       std::unique_ptr<DhtServer>* out);
  Status start();
  bool failed() const { return failed_; }

  // common::CommandHandler (dht_commands.cc): PING, ECHO, GET, SET, DEL, CAS (an
  // error: it needs consensus), INFO, COMMAND, CONFIG GET.
  void handle(std::vector<std::string> request, kv::Session& session,
              common::ReplyHandle reply) override;

 private:
  enum class Kind { kGet, kSet, kDel, kCas };
  struct Pending {
    Kind kind;
    common::ReplyHandle reply;
  };

  DhtServer(boost::asio::io_context& io, DhtServerOptions options);
  Status on_frame(std::string payload);
  void tick();
  void schedule_flush();
  void flush();
  void answer(const Response& response);
  uint64_t track(Kind kind, common::ReplyHandle reply);
  std::string info() const;

  boost::asio::io_context& io_;
  DhtServerOptions options_;
  std::shared_ptr<const Ring> ring_;
  std::unique_ptr<DurableReplicaStore> store_;
  std::unique_ptr<Node> node_;
  std::unique_ptr<common::FrameTransport> transport_;
  std::unique_ptr<common::ClientListener> listener_;
  boost::asio::steady_timer ticker_;
  std::map<uint64_t, Pending> pending_;  // by request id
  uint64_t next_request_ = 1;
  bool flush_scheduled_ = false;
  bool failed_ = false;
};

}  // namespace faultline::dht
