#include "targets/paxos/server/paxos_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <random>

#include "targets/paxos/server/message_codec.h"
#include "targets/resp/resp_writer.h"

namespace faultline::paxos {

namespace {
// The acceptor log is compacted past this size (and twice the live state).
constexpr uint64_t kCompactBytes = 16 << 20;
}  // namespace

PaxosServer::PaxosServer(boost::asio::io_context& io, PaxosServerOptions options)
    : io_(io), options_(std::move(options)), ticker_(io) {}

Status PaxosServer::create(boost::asio::io_context& io, PaxosServerOptions options,
                           std::unique_ptr<PaxosServer>* out) {
  std::unique_ptr<PaxosServer> server(new PaxosServer(io, std::move(options)));
  const PaxosServerOptions& o = server->options_;
  // Parents as by mkdir -p; the data directory itself through the Env, which
  // syncs its parent so that the directory survives a crash.
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(o.data_dir).parent_path(), ec);
  if (ec) {
    return Status::io_error(
        fmt::format("cannot create the parents of --data-dir {}: {}", o.data_dir, ec.message()));
  }
  common::Env* env = common::posix_env();
  if (Status s = env->create_dir(o.data_dir); !s.is_ok()) return s;
  if (Status s = DurableAcceptorStore::open(env, o.data_dir, kCompactBytes, &server->store_);
      !s.is_ok()) {
    return s;
  }
  if (!server->store_->recovery_note().empty()) {
    spdlog::warn("acceptor log recovery: {}", server->store_->recovery_note());
  }
  // Operation ids must differ between incarnations (node.h): seed from the clock.
  const uint64_t seed =
      std::random_device{}() ^
      static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  if (Status s = Node::create(o.core_config(seed), *server->store_, &server->node_); !s.is_ok()) {
    return s;
  }
  spdlog::info("recovered {} acceptor states ({} log bytes), issued ballot counter {}",
               server->store_->size(), server->store_->log_bytes(),
               server->store_->issued_counter());
  *out = std::move(server);
  return Status::ok();
}

Status PaxosServer::start() {
  transport_ = std::make_unique<common::FrameTransport>(
      io_, options_.id, options_.nodes,
      [this](std::string payload) { return on_frame(std::move(payload)); });
  if (Status s = transport_->start(); !s.is_ok()) return s;
  listener_ = std::make_unique<common::ClientListener>(io_, options_.client_addr, *this);
  if (Status s = listener_->start(); !s.is_ok()) return s;
  tick();
  return Status::ok();
}

Status PaxosServer::on_frame(std::string payload) {
  Message m;
  if (Status s = decode_message(payload, &m); !s.is_ok()) return s;
  if (Status s = node_->step(m); !s.is_ok()) return s;
  schedule_flush();
  return Status::ok();
}

void PaxosServer::tick() {
  node_->tick();
  schedule_flush();
  ticker_.expires_after(std::chrono::milliseconds(options_.tick_ms));
  ticker_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

void PaxosServer::schedule_flush() {
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  boost::asio::post(io_, [this] { flush(); });
}

void PaxosServer::flush() {
  flush_scheduled_ = false;
  if (failed_ || !node_->has_ready()) return;
  Ready rd = node_->ready();
  // The Ready contract: durable before anything leaves.
  if (Status s = store_->sync(); !s.is_ok()) {
    spdlog::critical("acceptor log sync failed: {}; stopping (restart to recover)", s.message());
    failed_ = true;
    io_.stop();
    return;
  }
  for (const Message& m : rd.messages) transport_->send(m.to, encode_message(m));
  for (const Response& r : rd.responses) answer(r);
}

void PaxosServer::propose(const std::string& key, Change change, bool read_only,
                          common::ReplyHandle reply) {
  const uint64_t id = next_request_++;
  pending_.emplace(id, std::move(reply));
  node_->propose(id, key, std::move(change), read_only);
  schedule_flush();
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
