// Test support: a scripted RESP server on 127.0.0.1 (a real socket, an
// ephemeral port, one thread) for testing clients' handling of redirects,
// errors, hangs and dropped connections.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace faultline {

class FakeRespServer {
 public:
  struct Action {
    enum class Kind { kReply, kReplyThenClose, kHang, kClose };
    Kind kind = Kind::kReply;
    std::string bytes;  // raw RESP to send: "+OK\r\n", "-ERR x\r\n", ":1\r\n", ...
  };
  static Action reply(std::string bytes) { return {Action::Kind::kReply, std::move(bytes)}; }
  static Action hang() { return {Action::Kind::kHang, ""}; }
  static Action close() { return {Action::Kind::kClose, ""}; }

  // Called on the server's thread for each request (its arguments).
  using Handler = std::function<Action(const std::vector<std::string>& request)>;

  explicit FakeRespServer(Handler handler);
  ~FakeRespServer();  // stops the thread and closes every socket
  FakeRespServer(const FakeRespServer&) = delete;
  FakeRespServer& operator=(const FakeRespServer&) = delete;

  int port() const { return port_; }
  // Every request received so far, in order.
  std::vector<std::vector<std::string>> requests() const;
  // The names of the requests received so far ("SET", "MULTI", ...).
  std::vector<std::string> commands() const;
  // Connections accepted so far.
  int connections() const { return accepted_; }

 private:
  void loop();

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  mutable std::mutex mutex_;
  std::vector<std::vector<std::string>> requests_;
  std::thread thread_;
};

}  // namespace faultline
