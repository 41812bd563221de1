// The RESP2 client side of the servers (faultline-raftkv, faultline-dht): accepts connections,
// parses requests with resp::RequestParser and hands each to a CommandHandler. Pipelining works: a
// read from the socket may hold many requests, and the replies go out in request order whatever
// order they complete in. A request is handed on once every earlier one is answered, so that each
// connection sees its own writes and never a later one, as with Redis; except that the handler may
// overlap() a request whose place in the order it keeps itself (a write, as a log entry), and then
// the next requests are handed on at once (a read among them waits for the writes before it:
// after_unanswered()). Concurrency (and group commit) comes from many connections, and from
// pipelined writes. Single-threaded, on the server's io_context.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "targets/common/address.h"
#include "targets/common/asio.h"
#include "targets/kvstate/kv_session.h"

namespace faultline::common {

class ClientConnection;

// Where the reply to one request goes. Copyable; replying after the client
// disconnected does nothing.
class ReplyHandle {
 public:
  ReplyHandle(std::weak_ptr<ClientConnection> connection, uint64_t seq, bool after_unanswered)
      : connection_(std::move(connection)), seq_(seq), after_unanswered_(after_unanswered) {}
  // `reply` is one complete RESP value (or several, for none of our commands).
  void send(std::string reply) const;
  // The handler has fixed this request's place among the connection's
  // effects (a write proposed to the log, whose later writes land after it):
  // the connection may hand on its next requests before this one is answered.
  void overlap() const;
  // Whether earlier requests of the connection were unanswered (overlapped)
  // when this one was handed on: a read must then see their effects.
  bool after_unanswered() const { return after_unanswered_; }

 private:
  std::weak_ptr<ClientConnection> connection_;
  uint64_t seq_;
  bool after_unanswered_;
};

class CommandHandler {
 public:
  virtual ~CommandHandler() = default;
  // One parsed request (name first). `session` is the connection's
  // MULTI/EXEC state. Must eventually call reply.send() exactly once, unless
  // the connection goes away first.
  virtual void handle(std::vector<std::string> request, kv::Session& session,
                      ReplyHandle reply) = 0;
};

class ClientListener {
 public:
  ClientListener(boost::asio::io_context& io, Address address, CommandHandler& handler);
  // Binds and starts accepting; fails if the address cannot be bound.
  Status start();
  // A connection that closed: the listener stops keeping it alive.
  void forget(const std::shared_ptr<ClientConnection>& connection);

 private:
  void accept();

  boost::asio::io_context& io_;
  Address address_;
  CommandHandler& handler_;
  boost::asio::ip::tcp::acceptor acceptor_;
  // Open connections. They own themselves through this set (not only
  // through their pending operations), since one that waits for a commit
  // may have no socket operation pending.
  std::set<std::shared_ptr<ClientConnection>> connections_;
};

}  // namespace faultline::common
