#include "targets/paxos/server/paxos_server.h"

#include <random>

namespace faultline::paxos {

PaxosServer::PaxosServer(boost::asio::io_context& io, PaxosServerOptions options)
    : CoreServer(io, options, "acceptor log"),
      options_(std::move(options)),
      kv_(options_.tick_ms),
      crash_points_({kPromiseCrashPoint}, options_.allow_crashpoints, std::random_device{}()) {
  crash_points_.disarm_on_sigusr1(io);
}

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

std::function<void()> PaxosServer::after_sent(uint64_t to, const std::vector<Message>& sent) {
  for (const Message& m : sent) {
    if (m.to == to && preempts_open_round(m, options_.id)) {
      return crash_points_.after(kPromiseCrashPoint);
    }
  }
  return {};
}

}  // namespace faultline::paxos
