// DhtServer's client commands: the server-level ones (INFO, ECHO, COMMAND,
// CONFIG GET) here; GET, SET, DEL, CAS and PING through DhtKv (kv/dht_kv.h).
#include <fmt/format.h>

#include "targets/common/server_commands.h"
#include "targets/dht/server/dht_server.h"

namespace faultline::dht {

void DhtServer::handle(std::vector<std::string> request, kv::Session&, common::ReplyHandle reply) {
  const common::SendReply send = [reply](std::string r) { reply.send(std::move(r)); };
  if (common::answer_server_command(
          request, [this] { return info(); }, send))
    return;
  kv_.handle(*node_, std::move(request), send);
  schedule_flush();
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
