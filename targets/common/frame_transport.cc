#include "targets/common/frame_transport.h"

#include <spdlog/spdlog.h>

#include <array>
#include <deque>

#include "targets/common/frame_format.h"
#include "targets/common/tcp_listen.h"

namespace faultline::common {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr size_t kMaxQueuedMessages = 4096;
constexpr size_t kMaxQueuedBytes = 64u << 20;
constexpr size_t kMaxWriteBatchBytes = 1u << 20;
constexpr int kMinBackoffMs = 50;
constexpr int kMaxBackoffMs = 1000;

// One accepted connection: reads frames until the peer hangs up or sends
// something invalid.
class IncomingConnection : public std::enable_shared_from_this<IncomingConnection> {
 public:
  IncomingConnection(tcp::socket socket, const FrameTransport::FrameHandler& on_frame)
      : socket_(std::move(socket)), on_frame_(on_frame) {}

  void read() {
    socket_.async_read_some(asio::buffer(chunk_),
                            [self = shared_from_this()](error_code ec, size_t n) {
                              if (ec) return;  // hung up; the socket closes with us
                              self->in_.append(self->chunk_.data(), n);
                              if (self->consume_frames()) self->read();
                            });
  }

 private:
  // Hands every complete frame's payload on; false (and closes) on bad input.
  bool consume_frames() {
    size_t offset = 0;
    std::string payload;
    std::string error;
    while (true) {
      size_t used = 0;
      const FrameResult r =
          decode_frame(std::string_view(in_).substr(offset), &payload, &used, &error);
      if (r == FrameResult::kNeedMore) break;
      if (r == FrameResult::kError) return close(error);
      offset += used;
      if (Status s = on_frame_(std::move(payload)); !s.is_ok()) return close(s.message());
    }
    in_.erase(0, offset);
    return true;
  }

  bool close(const std::string& why) {
    error_code ignored;
    spdlog::warn("peer connection from {}: {}; closing it",
                 socket_.remote_endpoint(ignored).address().to_string(), why);
    socket_.close(ignored);
    return false;
  }

  tcp::socket socket_;
  const FrameTransport::FrameHandler& on_frame_;
  std::array<char, 64 * 1024> chunk_;
  std::string in_;
};

}  // namespace

// The outgoing connection to one peer, with its bounded queue of frames.
class PeerLink {
 public:
  PeerLink(asio::io_context& io, uint64_t id, Address address)
      : io_(io), id_(id), address_(std::move(address)), socket_(io), timer_(io) {}

  void send(std::string frame, std::function<void()> written) {
    if (queue_.size() >= kMaxQueuedMessages || queued_bytes_ + frame.size() > kMaxQueuedBytes) {
      if (dropped_++ % 1000 == 0) {
        spdlog::warn("peer {}: queue full, dropped {} message(s) so far", id_, dropped_);
      }
      return;
    }
    queued_bytes_ += frame.size();
    queue_.push_back({std::move(frame), std::move(written)});
    if (state_ == State::kIdle) connect();
    if (state_ == State::kConnected && !writing_) write();
  }

 private:
  enum class State { kIdle, kConnecting, kConnected, kBackoff };

  void connect() {
    state_ = State::kConnecting;
    error_code ec;
    tcp::resolver resolver(io_);
    const auto endpoints = resolver.resolve(address_.host, std::to_string(address_.port), ec);
    if (ec) return fail("resolve", ec);
    asio::async_connect(socket_, endpoints, [this](error_code ec, const tcp::endpoint&) {
      if (ec) return fail("connect", ec);
      state_ = State::kConnected;
      backoff_ms_ = kMinBackoffMs;
      error_code ignored;
      socket_.set_option(tcp::no_delay(true), ignored);
      spdlog::info("connected to peer {} at {}", id_, address_.to_string());
      if (!queue_.empty()) write();
    });
  }

  void write() {
    writing_ = true;
    out_.clear();
    batch_ = 0;
    while (batch_ < queue_.size() && (batch_ == 0 || out_.size() < kMaxWriteBatchBytes)) {
      out_ += queue_[batch_++].frame;
    }
    asio::async_write(socket_, asio::buffer(out_), [this](error_code ec, size_t) {
      writing_ = false;
      if (ec) return fail("write", ec);
      for (; batch_ > 0; --batch_) {
        queued_bytes_ -= queue_.front().frame.size();
        const std::function<void()> written = std::move(queue_.front().written);
        queue_.pop_front();
        if (written) written();
      }
      if (!queue_.empty()) write();
    });
  }

  // Drops the connection and the queue, and retries after the backoff.
  void fail(const char* what, const error_code& ec) {
    if (state_ == State::kConnected || backoff_ms_ == kMinBackoffMs) {
      spdlog::info("peer {} at {}: {} failed: {}", id_, address_.to_string(), what, ec.message());
    }
    error_code ignored;
    socket_.close(ignored);
    queue_.clear();
    queued_bytes_ = 0;
    state_ = State::kBackoff;
    timer_.expires_after(std::chrono::milliseconds(backoff_ms_));
    backoff_ms_ = std::min(backoff_ms_ * 2, kMaxBackoffMs);
    timer_.async_wait([this](error_code ec) {
      if (ec) return;
      state_ = State::kIdle;
      if (!queue_.empty()) connect();
    });
  }

  asio::io_context& io_;
  uint64_t id_;
  Address address_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  State state_ = State::kIdle;
  int backoff_ms_ = kMinBackoffMs;
  struct Queued {
    std::string frame;
    std::function<void()> written;  // FrameTransport::send's
  };
  std::deque<Queued> queue_;
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  std::string out_;   // the frames being written
  size_t batch_ = 0;  // how many queued frames out_ holds
  uint64_t dropped_ = 0;
};

FrameTransport::FrameTransport(asio::io_context& io, uint64_t self,
                               std::map<uint64_t, Address> peers, FrameHandler on_frame)
    : io_(io),
      self_(self),
      peers_(std::move(peers)),
      on_frame_(std::move(on_frame)),
      acceptor_(io) {
  for (const auto& [id, address] : peers_) {
    if (id != self_) links_[id] = std::make_unique<PeerLink>(io_, id, address);
  }
}

FrameTransport::~FrameTransport() = default;

Status FrameTransport::start() {
  const Address& own = peers_.at(self_);
  if (Status s = listen_on(io_, own, &acceptor_); !s.is_ok()) return s;
  accept();
  return Status::ok();
}

void FrameTransport::accept() {
  acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      spdlog::warn("peer accept: {}", ec.message());
    } else {
      std::make_shared<IncomingConnection>(std::move(socket), on_frame_)->read();
    }
    accept();
  });
}

bool FrameTransport::send(uint64_t to, std::string_view payload, std::function<void()> written) {
  const auto it = links_.find(to);
  if (it == links_.end()) return false;
  if (payload.size() > kMaxFramePayload) return false;  // the receiver would refuse the frame
  std::string frame;
  append_frame(&frame, payload);
  it->second->send(std::move(frame), std::move(written));
  return true;
}

}  // namespace faultline::common
