// HttpClient: HTTP/1.1 requests over one keep-alive connection (Boost.Beast)
// whose every step honours the caller's deadline. The answer says how far
// the request got, which is what a history needs to sort an operation:
// nothing sent (no effect), sent but no answer (unknown), or answered.
//
// Used by etcd's gateway client (etcd_http.h) and the http-json protocol of
// config-defined targets (workloads/http_json_session.h).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace faultline {

struct HttpAnswer {
  // kNotSent: no byte of the request left (no connection); kNoAnswer: sent,
  // at least in part, and no complete answer came (timeout, reset);
  // kAnswered: `status` and `body` hold the server's answer.
  enum class Kind { kNotSent, kNoAnswer, kAnswered };
  Kind kind = Kind::kNotSent;
  int status = 0;
  std::string body;
  std::string error;  // kNotSent, kNoAnswer: what went wrong, with host:port and path
};

class HttpClient {
 public:
  using Clock = std::chrono::steady_clock;

  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `method` `target` (a path with its query) with `body` (sent with a
  // JSON content type when not empty) to host:port, connecting (or
  // reconnecting, when the open connection goes elsewhere or was closed by
  // the server) first. Any failure closes the connection, as does an answer
  // that is not keep-alive.
  HttpAnswer request(std::string_view method, const std::string& host, int port,
                     std::string_view target, const std::string& body, Clock::time_point deadline);
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faultline
