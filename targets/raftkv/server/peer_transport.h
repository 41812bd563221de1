// PeerTransport: raft::Messages between faultline-raftkv servers over TCP, in
// the frames of wire_format.h. Single-threaded: everything runs on the one
// io_context of the server.
//
// Outgoing: one connection per peer, opened on the first message, reopened
// after a failure with exponential backoff (50 ms doubling to 1 s). Each
// peer's queue is bounded; a message that does not fit is dropped, as are the
// queued messages when the connection fails: Raft retransmits what matters.
// Incoming: any number of connections; a bad frame or message is logged and
// closes that connection, never the server.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "harness/history/status.h"
#include "targets/raftkv/raft/messages.h"
#include "targets/raftkv/server/asio.h"
#include "targets/raftkv/server/server_options.h"

namespace faultline::raftkv {

class PeerLink;

class PeerTransport {
 public:
  using MessageHandler = std::function<void(raft::Message)>;

  // `peers` includes this node (`self`), whose address is the one to listen on.
  PeerTransport(boost::asio::io_context& io, uint64_t self, std::map<uint64_t, Address> peers,
                MessageHandler on_message);
  ~PeerTransport();

  // Binds and starts accepting; fails if the address cannot be bound.
  Status start();
  // Queues a message for its `to` peer (dropped if unknown or its queue is full).
  void send(const raft::Message& message);

 private:
  void accept();

  boost::asio::io_context& io_;
  uint64_t self_;
  std::map<uint64_t, Address> peers_;
  MessageHandler on_message_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::map<uint64_t, std::unique_ptr<PeerLink>> links_;
};

}  // namespace faultline::raftkv
