// DhtServer's client commands. Every node serves every key: GET, SET and DEL
// start an operation on the core, answered when it completes (or fails with
// -UNAVAILABLE after --timeout-ms); the rest are answered at once.
#include <fmt/format.h>

#include "targets/common/server_commands.h"
#include "targets/dht/server/dht_server.h"
#include "targets/resp/resp_writer.h"

namespace faultline::dht {

using common::check_arity;
using common::error_reply;

void DhtServer::handle(std::vector<std::string> request, kv::Session&, common::ReplyHandle reply) {
  if (common::answer_server_command(
          request, [this] { return info(); }, reply))
    return;
  const std::string name = common::upper(request[0]);
  const size_t argc = request.size();
  if (name == "GET") {
    if (check_arity(request, 2, 2, reply))
      node_->read(track(Kind::kGet, reply), std::move(request[1]));
  } else if (name == "SET") {
    if (argc > 3) return reply.send(error_reply("ERR SET options (EX, NX, ...) are not supported"));
    if (check_arity(request, 3, 3, reply)) {
      node_->write(track(Kind::kSet, reply), std::move(request[1]), std::move(request[2]));
    }
  } else if (name == "DEL") {
    if (argc > 2) return reply.send(error_reply("ERR DEL takes one key on this server"));
    if (check_arity(request, 2, 2, reply)) {
      node_->write(track(Kind::kDel, reply), std::move(request[1]), std::nullopt);
    }
  } else if (name == "CAS") {
    if (check_arity(request, 4, 4, reply))
      node_->cas(track(Kind::kCas, reply), std::move(request[1]));
  } else if (name == "PING") {
    if (!check_arity(request, 1, 2, reply)) return;
    std::string out;
    if (argc == 1) {
      resp::append_simple_string(&out, "PONG");
    } else {
      resp::append_bulk(&out, request[1]);
    }
    reply.send(std::move(out));
  } else {
    reply.send(error_reply(fmt::format(
        "ERR unknown command '{}' (faultline-dht serves PING, ECHO, GET, SET, DEL, INFO)",
        request[0])));
  }
}

std::string DhtServer::info() const {
  const Config& c = node_->config();
  std::string ranges;
  for (const Ring::Range& r : ring_->primary_ranges(options_.id)) {
    ranges += fmt::format("{}({:016x},{:016x}]", ranges.empty() ? "" : ",", r.start, r.end);
  }
  double share = 0;  // of the circle, this node as primary
  for (const Ring::Range& r : ring_->primary_ranges(options_.id)) {
    share += static_cast<double>(r.end - r.start - 1) + 1;  // mod 2^64; start == end: all
  }
  share /= 18446744073709551616.0;
  std::string ids;
  for (uint64_t id : ring_->nodes()) ids += fmt::format("{}{}", ids.empty() ? "" : ",", id);
  return fmt::format(
      "# dht\r\nnode_id:{}\r\nmode:{}\r\nring_size:{}\r\nring_nodes:{}\r\nreplicas:{}\r\n"
      "vnodes:{}\r\nread_quorum:{}\r\nwrite_quorum:{}\r\ntimeout_ms:{}\r\n"
      "pending_operations:{}\r\nstored_keys:{}\r\nlog_bytes:{}\r\nprimary_share:{:.4f}\r\n"
      "primary_ranges:{}\r\n",
      options_.id, mode_name(c.mode), ring_->nodes().size(), ids, ring_->replication(),
      ring_->vnodes_per_node(), c.mode == Mode::kAbd ? ring_->majority() : c.read_quorum,
      c.mode == Mode::kAbd ? ring_->majority() : c.write_quorum, options_.timeout_ms,
      node_->pending_operations(), store_->size(), store_->log_bytes(), share, ranges);
}

}  // namespace faultline::dht
