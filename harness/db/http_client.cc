#include "harness/db/http_client.h"

#include <fmt/format.h>
#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace faultline {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Bodies past this are not a key-value store's answers to the workloads.
constexpr uint64_t kBodyLimit = 64 << 20;

HttpAnswer failed(HttpAnswer::Kind kind, std::string error) {
  HttpAnswer a;
  a.kind = kind;
  a.error = std::move(error);
  return a;
}

}  // namespace

struct HttpClient::Impl {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  std::string host;
  int port = 0;
  bool open = false;

  // Runs the operation just started to its end; the stream's expiry (the
  // deadline) cancels it if need be.
  void run() {
    ioc.restart();
    ioc.run();
  }

  void close() {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.socket().close(ignored);
    buffer.clear();
    open = false;
  }

  // Whether the open connection is idle and still open: an idle connection
  // with something to read has been closed by the server (or sent garbage).
  bool usable() {
    if (!open) return false;
    pollfd p{stream.socket().native_handle(), POLLIN, 0};
    if (::poll(&p, 1, 0) != 0) close();
    return open;
  }

  std::string connect(const std::string& to_host, int to_port, Clock::time_point deadline) {
    close();
    host = to_host;
    port = to_port;
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return fmt::format("{}:{}: resolve: {}", host, port, ec.message());
    stream.expires_at(deadline);
    stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) return fmt::format("{}:{}: connect: {}", host, port, ec.message());
    open = true;
    return "";
  }
};

HttpClient::HttpClient() : impl_(std::make_unique<Impl>()) {}

HttpClient::~HttpClient() { close(); }

void HttpClient::close() { impl_->close(); }

HttpAnswer HttpClient::request(std::string_view method, const std::string& host, int port,
                               std::string_view target, const std::string& body,
                               Clock::time_point deadline) {
  Impl& c = *impl_;
  if (c.host != host || c.port != port || !c.usable()) {
    if (std::string e = c.connect(host, port, deadline); !e.empty())
      return failed(HttpAnswer::Kind::kNotSent, e);
  }
  const std::string where = fmt::format("{}:{}{}", host, port, target);
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, host);
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  req.keep_alive(true);
  req.body() = body;
  req.prepare_payload();
  beast::error_code ec;
  size_t written = 0;
  c.stream.expires_at(deadline);
  http::async_write(c.stream, req, [&](beast::error_code e, size_t n) {
    ec = e;
    written = n;
  });
  c.run();
  if (ec) {
    c.close();
    return failed(written == 0 ? HttpAnswer::Kind::kNotSent : HttpAnswer::Kind::kNoAnswer,
                  fmt::format("{}: send: {}", where, ec.message()));
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(kBodyLimit);
  http::async_read(c.stream, c.buffer, parser, [&](beast::error_code e, size_t) { ec = e; });
  c.run();
  if (ec) {
    c.close();
    const bool timeout = ec == beast::error::timeout;
    return failed(HttpAnswer::Kind::kNoAnswer,
                  fmt::format("{}: {}", where, timeout ? "timed out" : ec.message()));
  }
  http::response<http::string_body> res = parser.release();
  if (!res.keep_alive()) c.close();
  HttpAnswer out;
  out.kind = HttpAnswer::Kind::kAnswered;
  out.status = static_cast<int>(res.result_int());
  out.body = std::move(res.body());
  return out;
}

}  // namespace faultline
