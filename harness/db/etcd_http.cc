#include "harness/db/etcd_http.h"

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

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
// Bodies past this are not etcd's answers to the workloads' requests.
constexpr uint64_t kBodyLimit = 64 << 20;

EtcdReply make_reply(EtcdReply::Kind kind, std::string error) {
  EtcdReply r;
  r.kind = kind;
  r.error = std::move(error);
  return r;
}

}  // namespace

bool etcd_error_means_not_applied(int http_status, const nlohmann::json& body) {
  if (!body.is_object() || !body.contains("code") || !body["code"].is_number_integer())
    return http_status >= 400 && http_status < 500;
  const int code = body["code"].get<int>();
  return code == 3 || code == 8;  // InvalidArgument, ResourceExhausted
}

struct EtcdConnection::Impl {
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

  Status connect(const std::string& to_host, int to_port, Clock::time_point deadline) {
    close();
    host = to_host;
    port = to_port;
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return Status::io_error(fmt::format("{}:{}: resolve: {}", host, port, ec.message()));
    stream.expires_at(deadline);
    stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) return Status::io_error(fmt::format("{}:{}: connect: {}", host, port, ec.message()));
    open = true;
    return Status::ok();
  }
};

EtcdConnection::EtcdConnection() : impl_(std::make_unique<Impl>()) {}

EtcdConnection::~EtcdConnection() { close(); }

void EtcdConnection::close() { impl_->close(); }

EtcdReply EtcdConnection::post(const std::string& host, int port, std::string_view path,
                               const nlohmann::json& request, Clock::time_point deadline) {
  Impl& c = *impl_;
  if (c.host != host || c.port != port || !c.usable()) {
    if (Status st = c.connect(host, port, deadline); !st.is_ok())
      return make_reply(EtcdReply::Kind::kNotApplied, st.message());
  }
  const std::string where = fmt::format("{}:{}{}", host, port, path);
  http::request<http::string_body> req{http::verb::post, std::string(path), 11};
  req.set(http::field::host, host);
  req.set(http::field::content_type, "application/json");
  req.keep_alive(true);
  req.body() = request.dump();
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
    return make_reply(written == 0 ? EtcdReply::Kind::kNotApplied : EtcdReply::Kind::kUnknown,
                      fmt::format("{}: send: {}", where, ec.message()));
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(kBodyLimit);
  http::async_read(c.stream, c.buffer, parser, [&](beast::error_code e, size_t) { ec = e; });
  c.run();
  if (ec) {
    c.close();
    const bool timeout = ec == beast::error::timeout;
    return make_reply(EtcdReply::Kind::kUnknown,
                      fmt::format("{}: {}", where, timeout ? "timed out" : ec.message()));
  }
  const http::response<http::string_body>& res = parser.get();
  if (!res.keep_alive()) c.close();
  EtcdReply out;
  out.answered = true;
  out.body = nlohmann::json::parse(res.body(), nullptr, false);
  const int status = static_cast<int>(res.result_int());
  if (status == 200 && out.body.is_object()) return out;
  c.close();
  if (status == 200) {
    out.kind = EtcdReply::Kind::kUnknown;
    out.error = where + ": answer is not JSON";
    return out;
  }
  std::string message =
      out.body.is_object() && out.body.contains("error") && out.body["error"].is_string()
          ? out.body["error"].get<std::string>()
          : res.body().substr(0, 200);
  out.kind = etcd_error_means_not_applied(status, out.body) ? EtcdReply::Kind::kNotApplied
                                                            : EtcdReply::Kind::kUnknown;
  out.error = fmt::format("{} (HTTP {})", message, status);
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

bool base64_decode(std::string_view text, std::string* bytes) {
  if (text.size() % 4 != 0) return false;
  bytes->clear();
  for (size_t i = 0; i < text.size(); i += 4) {
    uint32_t n = 0;
    int pad = 0;
    for (size_t j = 0; j < 4; ++j) {
      const char ch = text[i + j];
      size_t v = 0;
      if (ch == '=' && i + 4 == text.size() && j >= 2) {
        ++pad;
      } else if (pad > 0 || (v = kAlphabet.find(ch)) == std::string_view::npos) {
        return false;
      }
      n = (n << 6) | static_cast<uint32_t>(ch == '=' ? 0 : v);
    }
    bytes->push_back(static_cast<char>((n >> 16) & 0xff));
    if (pad < 2) bytes->push_back(static_cast<char>((n >> 8) & 0xff));
    if (pad < 1) bytes->push_back(static_cast<char>(n & 0xff));
  }
  return true;
}

Status etcd_status(const std::string& host, int port, std::chrono::milliseconds timeout,
                   EtcdStatus* out) {
  EtcdConnection connection;
  const EtcdReply r =
      connection.post(host, port, "/v3/maintenance/status", nlohmann::json::object(),
                      EtcdConnection::Clock::now() + timeout);
  if (r.kind != EtcdReply::Kind::kOk) return Status::io_error(r.error);
  const nlohmann::json& header = r.body.value("header", nlohmann::json::object());
  if (!header.is_object() || !header.contains("member_id") || !header["member_id"].is_string())
    return Status::io_error(fmt::format("{}:{}: status without header.member_id", host, port));
  out->member_id = header["member_id"].get<std::string>();
  out->leader = r.body.contains("leader") && r.body["leader"].is_string()
                    ? r.body["leader"].get<std::string>()
                    : "0";
  return Status::ok();
}

}  // namespace faultline
