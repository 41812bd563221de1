// FrameTransport: byte payloads between servers over TCP, in the frames of
// frame_format.h (version, length, CRC-32C), whatever the payloads encode.
// raftkv's PeerTransport carries raft::Messages over it; faultline-dht
// (targets/dht/server) its own messages. Single-threaded: everything runs on
// the one io_context of the server.
//
// Outgoing: one connection per peer, opened on the first payload, reopened
// after a failure with exponential backoff (50 ms doubling to 1 s). Each
// peer's queue is bounded; a payload that does not fit is dropped, as are the
// queued ones when the connection fails: the protocols above retransmit.
// Incoming: any number of connections; a bad frame, or a payload the handler
// rejects, is logged and closes that connection, never the server.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "targets/common/address.h"
#include "targets/common/asio.h"

namespace faultline::common {

class PeerLink;

class FrameTransport {
 public:
  // Takes one received payload; an error closes the connection it came on.
  using FrameHandler = std::function<Status(std::string payload)>;

  // `peers` includes this node (`self`), whose address is the one to listen on.
  FrameTransport(boost::asio::io_context& io, uint64_t self, std::map<uint64_t, Address> peers,
                 FrameHandler on_frame);
  ~FrameTransport();

  // Binds and starts accepting; fails if the address cannot be bound.
  Status start();
  // Queues a payload for peer `to`. False when `to` is unknown (or this node)
  // or the payload is over kMaxFramePayload; a full queue drops it silently.
  // `written`, if set, runs once the frame has been handed to the kernel
  // (never, if it is dropped): where a crash point ends the process
  // (crash_points.h) so that the peer still gets the frame.
  bool send(uint64_t to, std::string_view payload, std::function<void()> written = {});

 private:
  void accept();

  boost::asio::io_context& io_;
  uint64_t self_;
  std::map<uint64_t, Address> peers_;
  FrameHandler on_frame_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::map<uint64_t, std::unique_ptr<PeerLink>> links_;
};

}  // namespace faultline::common
