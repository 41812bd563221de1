// DhtKv: the RESP commands of faultline-dht on a dht::Node, without any I/O:
// GET, SET and DEL start an operation on the core and are answered from its
// Response (or -UNAVAILABLE when a phase misses its quorum); CAS is refused
// (it needs consensus); PING at once. Two drivers run it: the server
// (server/dht_server.h, which answers the server-level commands — INFO,
// ECHO, COMMAND, CONFIG — itself) and faultline sim's simulated node
// (harness/sim), so a simulated cluster serves clients with the server's own
// logic.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "targets/common/server_commands.h"
#include "targets/dht/core/node.h"

namespace faultline::dht {

class DhtKv {
 public:
  // `timeout_ms`: the phase timeout, which -UNAVAILABLE replies name.
  explicit DhtKv(int timeout_ms) : timeout_ms_(timeout_ms) {}

  // One client request: answered at once, or started on `node` and answered
  // by answer() once its Response comes out of a Ready (which the driver
  // makes durable first).
  void handle(Node& node, std::vector<std::string> request, common::SendReply reply);
  // Answers the client of `response` (a response to no request of ours is ignored).
  void answer(const Response& response);

 private:
  enum class Kind { kGet, kSet, kDel, kCas };
  struct Pending {
    Kind kind;
    common::SendReply reply;
  };
  uint64_t track(Kind kind, common::SendReply reply);

  int timeout_ms_;
  std::map<uint64_t, Pending> pending_;  // by request id
  uint64_t next_request_ = 1;
};

}  // namespace faultline::dht
