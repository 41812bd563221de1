#include "workloads/fake_resp_server.h"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace faultline {

FakeRespServer::FakeRespServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listen_fd_, 16) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("fake RESP server: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { loop(); });
}

FakeRespServer::~FakeRespServer() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

std::vector<std::vector<std::string>> FakeRespServer::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

std::vector<std::string> FakeRespServer::commands() const {
  std::vector<std::string> names;
  for (const auto& r : requests()) names.push_back(r.empty() ? "" : r[0]);
  return names;
}

void FakeRespServer::loop() {
  struct Connection {
    int fd;
    redisReader* reader;
  };
  std::vector<Connection> connections;
  auto drop = [&](size_t i) {
    ::close(connections[i].fd);
    redisReaderFree(connections[i].reader);
    connections.erase(connections.begin() + static_cast<std::ptrdiff_t>(i));
  };
  while (!stop_) {
    std::vector<pollfd> fds = {{listen_fd_, POLLIN, 0}};
    for (const Connection& c : connections) fds.push_back({c.fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), 20) <= 0) continue;
    if (fds[0].revents & POLLIN) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        ++accepted_;
        connections.push_back({fd, redisReaderCreate()});
      }
    }
    // Back to front, so that dropping a connection leaves earlier indexes valid.
    for (size_t i = fds.size() - 1; i >= 1; --i) {
      if (fds[i].revents == 0) continue;
      Connection& c = connections[i - 1];
      char buf[4096];
      const ssize_t n = recv(c.fd, buf, sizeof(buf), 0);
      if (n <= 0) {
        drop(i - 1);
        continue;
      }
      redisReaderFeed(c.reader, buf, static_cast<size_t>(n));
      bool dropped = false;
      void* parsed = nullptr;
      while (!dropped && redisReaderGetReply(c.reader, &parsed) == REDIS_OK && parsed != nullptr) {
        const auto* r = static_cast<redisReply*>(parsed);
        std::vector<std::string> request;
        for (size_t k = 0; r->type == REDIS_REPLY_ARRAY && k < r->elements; ++k)
          request.emplace_back(r->element[k]->str, r->element[k]->len);
        freeReplyObject(parsed);
        {
          std::lock_guard<std::mutex> lock(mutex_);
          requests_.push_back(request);
        }
        const Action action = handler_(request);
        if (action.kind == Action::Kind::kReply || action.kind == Action::Kind::kReplyThenClose)
          (void)!send(c.fd, action.bytes.data(), action.bytes.size(), MSG_NOSIGNAL);
        if (action.kind == Action::Kind::kClose || action.kind == Action::Kind::kReplyThenClose) {
          drop(i - 1);
          dropped = true;
        }
      }
    }
  }
  while (!connections.empty()) drop(0);
}

}  // namespace faultline
