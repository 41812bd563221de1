// DhtServer's client commands. Every node serves every key: GET, SET and DEL
// start an operation on the core, answered when it completes (or fails with
// -UNAVAILABLE after --timeout-ms); the rest are answered at once.
#include <fmt/format.h>

#include <cctype>

#include "targets/dht/server/dht_server.h"
#include "targets/resp/resp_writer.h"

namespace faultline::dht {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string error_reply(std::string_view message) {
  std::string out;
  resp::append_error(&out, message);
  return out;
}

}  // namespace

void DhtServer::handle(std::vector<std::string> request, kv::Session&, common::ReplyHandle reply) {
  const std::string name = upper(request[0]);
  const size_t argc = request.size();
  auto arity = [&](size_t min, size_t max) {
    if (argc >= min && argc <= max) return true;
    reply.send(error_reply(
        fmt::format("ERR wrong number of arguments for '{}' command", lower(request[0]))));
    return false;
  };
  std::string out;
  if (name == "GET") {
    if (arity(2, 2)) node_->read(track(Kind::kGet, reply), std::move(request[1]));
    return;
  }
  if (name == "SET") {
    if (argc > 3) {
      return reply.send(error_reply("ERR SET options (EX, NX, ...) are not supported"));
    }
    if (arity(3, 3)) {
      node_->write(track(Kind::kSet, reply), std::move(request[1]), std::move(request[2]));
    }
    return;
  }
  if (name == "DEL") {
    if (argc > 2) return reply.send(error_reply("ERR DEL takes one key on this server"));
    if (arity(2, 2)) node_->write(track(Kind::kDel, reply), std::move(request[1]), std::nullopt);
    return;
  }
  if (name == "CAS") {
    if (arity(4, 4)) node_->cas(track(Kind::kCas, reply), std::move(request[1]));
    return;
  }
  if (name == "PING") {
    if (!arity(1, 2)) return;
    if (argc == 1) {
      resp::append_simple_string(&out, "PONG");
    } else {
      resp::append_bulk(&out, request[1]);
    }
  } else if (name == "ECHO") {  // redis-cli --pipe ends its input with an ECHO
    if (!arity(2, 2)) return;
    resp::append_bulk(&out, request[1]);
  } else if (name == "INFO") {
    if (!arity(1, 2)) return;
    resp::append_bulk(&out, info());
  } else if (name == "COMMAND") {
    // redis-cli asks for COMMAND DOCS to offer hints; an empty table is fine.
    if (argc >= 2 && upper(request[1]) == "COUNT") {
      resp::append_integer(&out, 0);
    } else {
      resp::append_array_header(&out, 0);
    }
  } else if (name == "CONFIG") {
    // redis-benchmark asks CONFIG GET save / appendonly and warns unless
    // answered: as a Redis without persistence would (the replica log is not
    // Redis's); any other parameter matches nothing.
    if (!arity(3, 3)) return;
    const std::string parameter = lower(request[2]);
    if (upper(request[1]) != "GET") {
      out = error_reply(
          fmt::format("ERR CONFIG {} is not supported (only CONFIG GET)", upper(request[1])));
    } else if (parameter == "save" || parameter == "appendonly") {
      resp::append_array_header(&out, 2);
      resp::append_bulk(&out, parameter);
      resp::append_bulk(&out, parameter == "save" ? "" : "no");
    } else {
      resp::append_array_header(&out, 0);
    }
  } else {
    out = error_reply(fmt::format(
        "ERR unknown command '{}' (faultline-dht serves PING, ECHO, GET, SET, DEL, INFO)",
        request[0]));
  }
  reply.send(std::move(out));
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
