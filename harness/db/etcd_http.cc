#include "harness/db/etcd_http.h"

#include <fmt/format.h>

namespace faultline {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

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

EtcdReply EtcdConnection::post(const std::string& host, int port, std::string_view path,
                               const nlohmann::json& request, Clock::time_point deadline) {
  const HttpAnswer a = client_.request("POST", host, port, path, request.dump(), deadline);
  if (a.kind == HttpAnswer::Kind::kNotSent)
    return make_reply(EtcdReply::Kind::kNotApplied, a.error);
  if (a.kind == HttpAnswer::Kind::kNoAnswer) return make_reply(EtcdReply::Kind::kUnknown, a.error);
  EtcdReply out;
  out.answered = true;
  out.body = nlohmann::json::parse(a.body, nullptr, false);
  if (a.status == 200 && out.body.is_object()) return out;
  client_.close();
  if (a.status == 200) {
    out.kind = EtcdReply::Kind::kUnknown;
    out.error = fmt::format("{}:{}{}: answer is not JSON", host, port, path);
    return out;
  }
  std::string message =
      out.body.is_object() && out.body.contains("error") && out.body["error"].is_string()
          ? out.body["error"].get<std::string>()
          : a.body.substr(0, 200);
  out.kind = etcd_error_means_not_applied(a.status, out.body) ? EtcdReply::Kind::kNotApplied
                                                              : EtcdReply::Kind::kUnknown;
  out.error = fmt::format("{} (HTTP {})", message, a.status);
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
