#include "targets/raftkv/server/peer_transport.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "targets/common/frame_format.h"
#include "targets/raftkv/server/wire_format.h"

namespace faultline::raftkv {

PeerTransport::PeerTransport(boost::asio::io_context& io, uint64_t self,
                             std::map<uint64_t, common::Address> peers, MessageHandler on_message)
    : frames_(io, self, std::move(peers),
              [self, on_message = std::move(on_message)](std::string payload) {
                raft::Message m;
                if (Status s = decode_message(payload, &m); !s.is_ok()) return s;
                if (m.to != self) {
                  return Status::invalid_argument(
                      fmt::format("message for node {}, not this node", m.to));
                }
                on_message(std::move(m));
                return Status::ok();
              }) {}

void PeerTransport::send(const raft::Message& message, std::function<void()> written) {
  const std::string payload = encode_message(message);
  if (payload.size() > common::kMaxFramePayload) {
    spdlog::error("{} to {} is {} bytes, past the frame limit {}; not sent",
                  raft::to_string(message.type), message.to, payload.size(),
                  common::kMaxFramePayload);
    return;
  }
  frames_.send(message.to, payload, std::move(written));
}

}  // namespace faultline::raftkv
