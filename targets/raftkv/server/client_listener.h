// The RESP2 client side of faultline-raftkv: accepts connections, parses
// requests with resp::RequestParser and hands each to a CommandHandler.
// Pipelining works: a read from the socket may hold many requests. They are
// handled strictly one after another, the next once the previous one is
// answered (a write after its commit, a read after its ReadIndex), so that
// each connection sees its own writes and never a later one, as with Redis.
// Concurrency (and group commit) comes from many connections.
// Single-threaded, on the server's io_context.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "harness/history/status.h"
#include "targets/kvstate/kv_session.h"
#include "targets/raftkv/server/asio.h"
#include "targets/raftkv/server/server_options.h"

namespace faultline::raftkv {

class ClientConnection;

// Where the reply to one request goes. Copyable; replying after the client
// disconnected does nothing.
class ReplyHandle {
 public:
  ReplyHandle(std::weak_ptr<ClientConnection> connection, uint64_t seq)
      : connection_(std::move(connection)), seq_(seq) {}
  // `reply` is one complete RESP value (or several, for none of our commands).
  void send(std::string reply) const;

 private:
  std::weak_ptr<ClientConnection> connection_;
  uint64_t seq_;
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

}  // namespace faultline::raftkv
