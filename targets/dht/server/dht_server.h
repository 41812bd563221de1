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

  DhtServer(boost::asio::io_context& io, DhtServerOptions options, std::shared_ptr<const Ring> ring)
      : CoreServer(io, options, "replica log"),
        options_(std::move(options)),
        ring_(std::move(ring)) {}
  void answer(const Response& response) override;
  uint64_t track(Kind kind, common::ReplyHandle reply);
  std::string info() const;

  DhtServerOptions options_;
  std::shared_ptr<const Ring> ring_;
  std::map<uint64_t, Pending> pending_;  // by request id
  uint64_t next_request_ = 1;
};

}  // namespace faultline::dht
