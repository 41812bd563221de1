#include "targets/dht/server/dht_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <random>

#include "targets/dht/server/message_codec.h"
#include "targets/resp/resp_writer.h"

namespace faultline::dht {

DhtServer::DhtServer(boost::asio::io_context& io, DhtServerOptions options)
    : io_(io), options_(std::move(options)), ticker_(io) {}

Status DhtServer::create(boost::asio::io_context& io, DhtServerOptions options,
                         std::unique_ptr<DhtServer>* out) {
  std::unique_ptr<DhtServer> server(new DhtServer(io, std::move(options)));
  const DhtServerOptions& o = server->options_;
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
  if (Status s = DurableReplicaStore::open(env, o.data_dir, {}, &server->store_); !s.is_ok()) {
    return s;
  }
  if (!server->store_->recovery_note().empty()) {
    spdlog::warn("replica log recovery: {}", server->store_->recovery_note());
  }
  std::vector<uint64_t> ids;
  for (const auto& [id, address] : o.nodes) ids.push_back(id);
  auto ring = std::make_shared<Ring>();
  if (Status s = Ring::create(ids, o.vnodes, o.replicas, ring.get()); !s.is_ok()) return s;
  server->ring_ = ring;
  // Operation ids must differ between incarnations (node.h): seed from the clock.
  const uint64_t seed =
      std::random_device{}() ^
      static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  if (Status s = Node::create(o.core_config(ring, seed), *server->store_, &server->node_);
      !s.is_ok()) {
    return s;
  }
  spdlog::info("recovered {} replica records ({} log bytes), issued counter {}",
               server->store_->size(), server->store_->log_bytes(),
               server->store_->issued_counter());
  *out = std::move(server);
  return Status::ok();
}

Status DhtServer::start() {
  transport_ = std::make_unique<common::FrameTransport>(
      io_, options_.id, options_.nodes,
      [this](std::string payload) { return on_frame(std::move(payload)); });
  if (Status s = transport_->start(); !s.is_ok()) return s;
  listener_ = std::make_unique<common::ClientListener>(io_, options_.client_addr, *this);
  if (Status s = listener_->start(); !s.is_ok()) return s;
  tick();
  return Status::ok();
}

Status DhtServer::on_frame(std::string payload) {
  Message m;
  if (Status s = decode_message(payload, &m); !s.is_ok()) return s;
  if (Status s = node_->step(m); !s.is_ok()) return s;
  schedule_flush();
  return Status::ok();
}

void DhtServer::tick() {
  node_->tick();
  schedule_flush();
  ticker_.expires_after(std::chrono::milliseconds(options_.tick_ms));
  ticker_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

void DhtServer::schedule_flush() {
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  boost::asio::post(io_, [this] { flush(); });
}

void DhtServer::flush() {
  flush_scheduled_ = false;
  if (failed_ || !node_->has_ready()) return;
  Ready rd = node_->ready();
  if (Status s = store_->sync(); !s.is_ok()) {
    spdlog::critical("replica log sync failed: {}; stopping (restart to recover)", s.message());
    failed_ = true;
    io_.stop();
    return;
  }
  for (const Message& m : rd.messages) transport_->send(m.to, encode_message(m));
  for (const Response& r : rd.responses) answer(r);
}

uint64_t DhtServer::track(Kind kind, common::ReplyHandle reply) {
  const uint64_t id = next_request_++;
  pending_.emplace(id, Pending{kind, std::move(reply)});
  schedule_flush();
  return id;
}

void DhtServer::answer(const Response& r) {
  auto it = pending_.find(r.request);
  if (it == pending_.end()) return;
  const Pending p = std::move(it->second);
  pending_.erase(it);
  std::string out;
  if (r.status == ResponseStatus::kUnavailable) {
    // The core counts ticks; say what that is on the clock.
    resp::append_error(&out, fmt::format("{} ({} ms)", r.error, options_.timeout_ms));
  } else if (r.status != ResponseStatus::kOk) {
    resp::append_error(&out, r.error);  // "ERR CAS ... needs consensus"
  } else if (p.kind == Kind::kGet) {
    if (r.value) {
      resp::append_bulk(&out, *r.value);
    } else {
      resp::append_null_bulk(&out);
    }
  } else if (p.kind == Kind::kDel) {
    // A blind delete: the tombstone is stored, whether or not a value was.
    resp::append_integer(&out, 1);
  } else {
    resp::append_simple_string(&out, "OK");
  }
  p.reply.send(std::move(out));
}

}  // namespace faultline::dht
