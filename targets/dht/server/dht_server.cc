#include "targets/dht/server/dht_server.h"

#include <fmt/format.h>

#include "targets/resp/resp_writer.h"

namespace faultline::dht {

DhtServer::DhtServer(boost::asio::io_context& io, DhtServerOptions options)
    : CoreServer(io, options, "replica log"), options_(std::move(options)) {}

Status DhtServer::create(boost::asio::io_context& io, DhtServerOptions options,
                         std::unique_ptr<DhtServer>* out) {
  std::unique_ptr<DhtServer> server(new DhtServer(io, std::move(options)));
  const DhtServerOptions& o = server->options_;
  if (Status s = server->open_store(o.data_dir); !s.is_ok()) return s;
  std::vector<uint64_t> ids;
  for (const auto& [id, address] : o.nodes) ids.push_back(id);
  auto ring = std::make_shared<Ring>();
  if (Status s = Ring::create(ids, o.vnodes, o.replicas, ring.get()); !s.is_ok()) return s;
  server->ring_ = ring;
  if (Status s =
          Node::create(o.core_config(ring, incarnation_seed()), *server->store_, &server->node_);
      !s.is_ok()) {
    return s;
  }
  *out = std::move(server);
  return Status::ok();
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
