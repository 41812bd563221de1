#include "targets/paxos/server/paxos_server.h"

namespace faultline::paxos {

Status PaxosServer::create(boost::asio::io_context& io, PaxosServerOptions options,
                           std::unique_ptr<PaxosServer>* out) {
  std::unique_ptr<PaxosServer> server(new PaxosServer(io, std::move(options)));
  const PaxosServerOptions& o = server->options_;
  if (Status s = server->open(o.data_dir, [&o](uint64_t seed) { return o.core_config(seed); });
      !s.is_ok()) {
    return s;
  }
  *out = std::move(server);
  return Status::ok();
}

}  // namespace faultline::paxos
