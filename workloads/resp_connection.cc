#include "workloads/resp_connection.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <hiredis/hiredis.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace faultline {
namespace {

// Waits until `fd` is ready for `events` or the deadline passes. Returns
// false on timeout.
bool wait_for(int fd, short events, RespConnection::Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - RespConnection::Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count() + 1, 1 << 30)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return true;  // let the next call report the error
  }
}

}  // namespace

RespConnection::RespConnection() = default;

RespConnection::~RespConnection() { close(); }

void RespConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (reader_ != nullptr) redisReaderFree(reader_);
  reader_ = nullptr;
}

Status RespConnection::fail(std::string what) {
  close();
  return Status::io_error(fmt::format("{}: {}", where_, what));
}

Status RespConnection::connect(const std::string& host, int port, Clock::time_point deadline) {
  close();
  where_ = fmt::format("{}:{}", host, port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) return fail(fmt::format("connect: {}", gai_strerror(rc)));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addresses(found, &freeaddrinfo);
  fd_ = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return fail(fmt::format("connect: socket: {}", std::strerror(errno)));
  const int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (::connect(fd_, found->ai_addr, found->ai_addrlen) != 0) {
    if (errno != EINPROGRESS) return fail(fmt::format("connect: {}", std::strerror(errno)));
    if (!wait_for(fd_, POLLOUT, deadline)) return fail("connect: timed out");
    int error = 0;
    socklen_t len = sizeof(error);
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) return fail(fmt::format("connect: {}", std::strerror(error)));
  }
  reader_ = redisReaderCreate();
  if (reader_ == nullptr) return fail("connect: cannot allocate a reply reader");
  return Status::ok();
}

bool RespConnection::usable() {
  if (fd_ < 0) return false;
  char byte;
  const ssize_t n = recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
  // Closed by the peer (0), broken (< 0), or bytes nobody asked for (> 0: a
  // RESP2 server never speaks first, so replies would be out of step).
  close();
  return false;
}

Status RespConnection::send(const std::vector<std::vector<std::string>>& commands,
                            Clock::time_point deadline, bool* sent_any) {
  *sent_any = false;
  if (fd_ < 0) return Status::io_error(where_ + ": not connected");
  std::string out;
  for (const std::vector<std::string>& command : commands) out += encode_command(command);
  size_t at = 0;
  while (at < out.size()) {
    const ssize_t n = ::send(fd_, out.data() + at, out.size() - at, MSG_NOSIGNAL);
    if (n > 0) {
      at += static_cast<size_t>(n);
      *sent_any = true;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      if (!wait_for(fd_, POLLOUT, deadline)) return fail("send: timed out");
    } else {
      return fail(fmt::format("send: {}", std::strerror(errno)));
    }
  }
  return Status::ok();
}

Status RespConnection::read(Clock::time_point deadline, RespReply* reply) {
  if (fd_ < 0) return Status::io_error(where_ + ": not connected");
  for (;;) {
    void* parsed = nullptr;
    if (redisReaderGetReply(reader_, &parsed) != REDIS_OK)
      return fail(fmt::format("protocol error: {}", reader_->errstr));
    if (parsed != nullptr) {
      *reply = to_resp_reply(*static_cast<redisReply*>(parsed));
      freeReplyObject(parsed);
      return Status::ok();
    }
    char buf[16384];
    const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n > 0) {
      if (redisReaderFeed(reader_, buf, static_cast<size_t>(n)) != REDIS_OK)
        return fail(fmt::format("protocol error: {}", reader_->errstr));
    } else if (n == 0) {
      return fail("connection closed by the server");
    } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      if (!wait_for(fd_, POLLIN, deadline)) return fail("timed out waiting for a reply");
    } else {
      return fail(fmt::format("receive: {}", std::strerror(errno)));
    }
  }
}

}  // namespace faultline
