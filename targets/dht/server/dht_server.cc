#include "targets/dht/server/dht_server.h"

#include <fmt/format.h>

#include "targets/resp/resp_writer.h"

namespace faultline::dht {

Status DhtServer::create(boost::asio::io_context& io, DhtServerOptions options,
                         std::unique_ptr<DhtServer>* out) {
  std::vector<uint64_t> ids;
  for (const auto& [id, address] : options.nodes) ids.push_back(id);
  auto ring = std::make_shared<Ring>();
  if (Status s = Ring::create(ids, options.vnodes, options.replicas, ring.get()); !s.is_ok()) {
    return s;
  }
  std::unique_ptr<DhtServer> server(new DhtServer(io, std::move(options), ring));
  const DhtServerOptions& o = server->options_;
  Status s = server->open(o.data_dir, [&](uint64_t seed) { return o.core_config(ring, seed); });
  if (s.is_ok()) *out = std::move(server);
  return s;
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
