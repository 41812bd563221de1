#include "targets/paxos/server/paxos_server.h"

#include <fmt/format.h>

#include <random>

#include "targets/resp/resp_writer.h"

namespace faultline::paxos {

PaxosServer::PaxosServer(boost::asio::io_context& io, PaxosServerOptions options)
    : CoreServer(io, options, "acceptor log"),
      options_(std::move(options)),
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

void PaxosServer::propose(const std::string& key, Change change, bool read_only,
                          common::ReplyHandle reply) {
  const uint64_t id = next_request_++;
  pending_.emplace(id, std::move(reply));
  node_->propose(id, key, std::move(change), read_only);
  schedule_flush();
}

std::function<void()> PaxosServer::after_sent(const Message& m) {
  if (m.type != MessageType::kPromise || !m.ok) return {};
  return crash_points_.after(kPromiseCrashPoint);
}

void PaxosServer::answer(const Response& r) {
  auto it = pending_.find(r.request);
  if (it == pending_.end()) return;
  const common::ReplyHandle reply = std::move(it->second);
  pending_.erase(it);
  if (r.status == ResponseStatus::kOk) return reply.send(r.reply);  // RESP, from the Change
  std::string out;
  // The core counts ticks; say what that is on the clock.
  resp::append_error(&out, fmt::format("{} (tick {} ms)", r.reply, options_.tick_ms));
  reply.send(std::move(out));
}

}  // namespace faultline::paxos
