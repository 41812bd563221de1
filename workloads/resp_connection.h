// One RESP2 connection for workload clients, where every step is bounded by
// the operation's deadline and the caller can tell "nothing was sent" (the
// command certainly did not happen) from "sent, then no reply" (unknown).
// Commands are encoded and replies parsed with hiredis; the socket is our own
// so that connect, send and receive all honour one deadline.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/status.h"
#include "targets/resp/resp_client.h"

struct redisReader;  // hiredis

namespace faultline {

class RespConnection {
 public:
  using Clock = std::chrono::steady_clock;

  RespConnection();
  ~RespConnection();
  RespConnection(const RespConnection&) = delete;
  RespConnection& operator=(const RespConnection&) = delete;

  // Connects to host:port (closing any previous connection). Errors say
  // "host:port: connect: why"; nothing has been sent then.
  Status connect(const std::string& host, int port, Clock::time_point deadline);
  // Whether a connection is open, the peer has not closed it and it holds no
  // unread bytes; if not, it is closed. A server that closed an idle
  // connection is noticed here, before sending to it.
  bool usable();
  void close();

  // Sends the commands back to back (a pipeline). On error the connection is
  // closed and *sent_any says whether any byte left: if not, the server saw
  // none of them.
  Status send(const std::vector<std::vector<std::string>>& commands, Clock::time_point deadline,
              bool* sent_any);
  // Reads the next reply. On error (timeout, connection lost, protocol) the
  // connection is closed.
  Status read(Clock::time_point deadline, RespReply* reply);

 private:
  Status fail(std::string what);
  int fd_ = -1;
  std::string where_;  // host:port, for messages
  redisReader* reader_ = nullptr;
};

}  // namespace faultline
