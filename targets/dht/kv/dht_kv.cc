#include "targets/dht/kv/dht_kv.h"

#include <fmt/format.h>

#include "targets/resp/resp_writer.h"

namespace faultline::dht {

using common::check_arity;
using common::error_reply;

void DhtKv::handle(Node& node, std::vector<std::string> request, common::SendReply reply) {
  const std::string name = common::upper(request[0]);
  const size_t argc = request.size();
  if (name == "GET") {
    if (check_arity(request, 2, 2, reply))
      node.read(track(Kind::kGet, reply), std::move(request[1]));
  } else if (name == "SET") {
    if (argc > 3) return reply(error_reply("ERR SET options (EX, NX, ...) are not supported"));
    if (check_arity(request, 3, 3, reply)) {
      node.write(track(Kind::kSet, reply), std::move(request[1]), std::move(request[2]));
    }
  } else if (name == "DEL") {
    if (argc > 2) return reply(error_reply("ERR DEL takes one key on this server"));
    if (check_arity(request, 2, 2, reply)) {
      node.write(track(Kind::kDel, reply), std::move(request[1]), std::nullopt);
    }
  } else if (name == "CAS") {
    if (check_arity(request, 4, 4, reply))
      node.cas(track(Kind::kCas, reply), std::move(request[1]));
  } else if (name == "PING") {
    if (!check_arity(request, 1, 2, reply)) return;
    std::string out;
    if (argc == 1) {
      resp::append_simple_string(&out, "PONG");
    } else {
      resp::append_bulk(&out, request[1]);
    }
    reply(std::move(out));
  } else {
    reply(error_reply(fmt::format(
        "ERR unknown command '{}' (faultline-dht serves PING, ECHO, GET, SET, DEL, INFO)",
        request[0])));
  }
}

uint64_t DhtKv::track(Kind kind, common::SendReply reply) {
  const uint64_t id = next_request_++;
  pending_.emplace(id, Pending{kind, std::move(reply)});
  return id;
}

void DhtKv::answer(const Response& r) {
  auto it = pending_.find(r.request);
  if (it == pending_.end()) return;
  const Pending p = std::move(it->second);
  pending_.erase(it);
  std::string out;
  if (r.status == ResponseStatus::kUnavailable) {
    // The core counts ticks; say what that is on the clock.
    resp::append_error(&out, fmt::format("{} ({} ms)", r.error, timeout_ms_));
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
  p.reply(std::move(out));
}

}  // namespace faultline::dht
