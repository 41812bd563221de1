#include "targets/common/client_listener.h"

#include <spdlog/spdlog.h>

#include <array>
#include <map>

#include "targets/common/tcp_listen.h"
#include "targets/resp/resp_parser.h"
#include "targets/resp/resp_writer.h"

namespace faultline::common {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr size_t kMaxBufferedBytes = 16u << 20;
// Requests a connection may have unanswered (overlapped writes) at once.
constexpr uint64_t kMaxUnanswered = 1024;

}  // namespace

class ClientConnection : public std::enable_shared_from_this<ClientConnection> {
 public:
  ClientConnection(tcp::socket socket, CommandHandler& handler, ClientListener& listener)
      : socket_(std::move(socket)), handler_(handler), listener_(listener) {}

  void start() { pump(); }

  // Takes the reply to request `seq` (a second reply is ignored), sends the
  // replies that are next in order, and resumes the requests that waited for
  // it: later, not from inside the caller, which may be in the middle of
  // applying a Ready and should not see new requests arrive under it.
  void complete(uint64_t seq, std::string reply) {
    if (seq < next_to_send_ || seq >= next_seq_) return;
    // Whether pump() may hand on more requests after this reply.
    const bool unblocks = seq == blocking_ || next_seq_ - next_to_send_ >= kMaxUnanswered;
    if (seq == blocking_) blocking_ = kNone;
    if (seq != next_to_send_) {  // an overlapped request before it is unanswered
      done_early_.emplace(seq, std::move(reply));
    } else {
      out_ += reply;
      ++next_to_send_;
      for (auto it = done_early_.begin(); it != done_early_.end() && it->first == next_to_send_;
           it = done_early_.erase(it)) {
        out_ += it->second;
        ++next_to_send_;
      }
      flush();
    }
    if (unblocks && !pumping_)
      asio::post(socket_.get_executor(), [self = shared_from_this()] { self->pump(); });
  }

  void overlap(uint64_t seq) {
    if (seq != blocking_) return;
    blocking_ = kNone;
    if (!pumping_)
      asio::post(socket_.get_executor(), [self = shared_from_this()] { self->pump(); });
  }

 private:
  static constexpr uint64_t kNone = UINT64_MAX;

  // Hands on buffered requests while every earlier one is answered or
  // overlapped, so that a read sees the connection's earlier writes and none
  // of its later ones (Redis's per-connection order). Reads from the socket
  // when the parser needs more.
  void pump() {
    pumping_ = true;
    std::vector<std::string> args;
    while (blocking_ == kNone && next_seq_ - next_to_send_ < kMaxUnanswered &&
           !close_after_replies_ && socket_.is_open()) {
      const resp::ParseResult r = parser_.next(&args);
      if (r == resp::ParseResult::kCommand) {
        const uint64_t seq = next_seq_++;
        blocking_ = seq;  // until answered or overlapped
        handler_.handle(std::move(args), session_,
                        ReplyHandle(weak_from_this(), seq, seq != next_to_send_));
      } else if (r == resp::ParseResult::kNeedMore) {
        break;
      } else {  // protocol error: answered, then the connection closes
        std::string error;
        resp::append_error(&error, "ERR " + parser_.error());
        close_after_replies_ = true;
        const uint64_t seq = next_seq_++;
        blocking_ = seq;
        complete(seq, std::move(error));
      }
    }
    pumping_ = false;
    // Keep reading while a request waits, to notice a client that hangs up,
    // up to a bound on what a pipelining client can make us buffer.
    if (!reading_ && socket_.is_open() && !close_after_replies_ &&
        parser_.buffered() < kMaxBufferedBytes) {
      read();
    }
  }

  void read() {
    reading_ = true;
    socket_.async_read_some(asio::buffer(chunk_),
                            [self = shared_from_this()](error_code ec, size_t n) {
                              self->reading_ = false;
                              if (ec) return self->close();
                              self->parser_.feed(self->chunk_.data(), n);
                              self->pump();
                            });
  }

  void flush() {
    if (writing_ || !socket_.is_open()) return;
    if (out_.empty()) {
      if (close_after_replies_ && next_to_send_ == next_seq_) close();
      return;
    }
    writing_ = true;
    sending_.swap(out_);
    out_.clear();
    asio::async_write(socket_, asio::buffer(sending_),
                      [self = shared_from_this()](error_code ec, size_t) {
                        self->writing_ = false;
                        if (ec) return self->close();
                        self->flush();
                      });
  }

  void close() {
    if (!socket_.is_open()) return;
    error_code ignored;
    socket_.close(ignored);
    listener_.forget(shared_from_this());
  }

  tcp::socket socket_;
  CommandHandler& handler_;
  ClientListener& listener_;
  resp::RequestParser parser_;
  kv::Session session_;
  std::array<char, 64 * 1024> chunk_;
  uint64_t next_seq_ = 0;      // sequence number of the next request
  uint64_t next_to_send_ = 0;  // the oldest unanswered request, if != next_seq_
  uint64_t blocking_ = kNone;  // the request handed on last, unless answered or overlapped
  std::map<uint64_t, std::string> done_early_;  // replies waiting for earlier ones
  std::string out_;                             // replies ready to write
  std::string sending_;                         // replies being written
  bool writing_ = false;
  bool reading_ = false;
  bool pumping_ = false;  // inside pump(): a reply needs no pump() of its own
  bool close_after_replies_ = false;
};

void ClientListener::forget(const std::shared_ptr<ClientConnection>& connection) {
  connections_.erase(connection);
}

void ReplyHandle::send(std::string reply) const {
  if (const auto connection = connection_.lock()) connection->complete(seq_, std::move(reply));
}

void ReplyHandle::overlap() const {
  if (const auto connection = connection_.lock()) connection->overlap(seq_);
}

ClientListener::ClientListener(asio::io_context& io, Address address, CommandHandler& handler)
    : io_(io), address_(std::move(address)), handler_(handler), acceptor_(io) {}

Status ClientListener::start() {
  if (Status s = listen_on(io_, address_, &acceptor_); !s.is_ok()) return s;
  accept();
  return Status::ok();
}

void ClientListener::accept() {
  acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      spdlog::warn("client accept: {}", ec.message());
    } else {
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto connection = std::make_shared<ClientConnection>(std::move(socket), handler_, *this);
      connections_.insert(connection);
      connection->start();
    }
    accept();
  });
}

}  // namespace faultline::common
