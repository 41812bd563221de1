#include "targets/dht/server/dht_server.h"

namespace faultline::dht {

Status DhtServer::create(boost::asio::io_context& io, DhtServerOptions options,
                         std::unique_ptr<DhtServer>* out) {
  std::shared_ptr<const Ring> ring;
  if (Status s = options.make_ring(&ring); !s.is_ok()) return s;
  std::unique_ptr<DhtServer> server(new DhtServer(io, std::move(options), ring));
  const DhtServerOptions& o = server->options_;
  Status s = server->open(o.data_dir, [&](uint64_t seed) { return o.core_config(ring, seed); });
  if (s.is_ok()) *out = std::move(server);
  return s;
}

}  // namespace faultline::dht
