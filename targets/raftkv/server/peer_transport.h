// PeerTransport: raft::Messages between faultline-raftkv servers, each one
// frame of a FrameTransport (frame_transport.h: connections, backoff, bounded
// queues) encoded by wire_format.h. A payload that does not decode, or a
// message for another node, closes the connection it came on.
#pragma once

#include <cstdint>
#include <functional>
#include <map>

#include "base/status.h"
#include "targets/common/asio.h"
#include "targets/common/frame_transport.h"
#include "targets/raftkv/raft/messages.h"
#include "targets/raftkv/server/server_options.h"

namespace faultline::raftkv {

class PeerTransport {
 public:
  using MessageHandler = std::function<void(raft::Message)>;

  // `peers` includes this node (`self`), whose address is the one to listen on.
  PeerTransport(boost::asio::io_context& io, uint64_t self,
                std::map<uint64_t, common::Address> peers, MessageHandler on_message);

  // Binds and starts accepting; fails if the address cannot be bound.
  Status start() { return frames_.start(); }
  // Queues a message for its `to` peer (dropped if unknown or its queue is
  // full); `written` as FrameTransport::send's.
  void send(const raft::Message& message, std::function<void()> written = {});

 private:
  common::FrameTransport frames_;
};

}  // namespace faultline::raftkv
