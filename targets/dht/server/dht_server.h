// DhtServer: the heart of faultline-dht, the CoreServer
// (targets/common/core_server.h) of one dht::Node over a DurableReplicaStore.
// Each Ready is synced before it is sent or answered, so a replica
// acknowledges only what is durable, and a coordinator sends a version only
// once the counter it issued is durable.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "targets/common/core_server.h"
#include "targets/dht/core/node.h"
#include "targets/dht/kv/dht_kv.h"
#include "targets/dht/server/dht_options.h"
#include "targets/dht/server/message_codec.h"
#include "targets/dht/storage/durable_replica_store.h"

namespace faultline::dht {

class DhtServer : public common::CoreServer<Node, DurableReplicaStore> {
 public:
  // Recovers the replica store from options.data_dir (created, with its
  // parents, if missing; a damaged log is refused) and builds the core;
  // start() opens the sockets.
  static Status create(boost::asio::io_context& io, DhtServerOptions options,
                       std::unique_ptr<DhtServer>* out);

  // common::CommandHandler (dht_commands.cc): ECHO, INFO, COMMAND, CONFIG GET
  // here; PING, GET, SET, DEL and CAS (an error: it needs consensus) through
  // DhtKv.
  void handle(std::vector<std::string> request, kv::Session& session,
              common::ReplyHandle reply) override;

 private:
  DhtServer(boost::asio::io_context& io, DhtServerOptions options, std::shared_ptr<const Ring> ring)
      : CoreServer(io, options, "replica log"),
        options_(std::move(options)),
        ring_(std::move(ring)),
        kv_(options_.timeout_ms) {}
  void answer(const Response& response) override { kv_.answer(response); }
  std::string info() const;

  DhtServerOptions options_;
  std::shared_ptr<const Ring> ring_;
  DhtKv kv_;
};

}  // namespace faultline::dht
