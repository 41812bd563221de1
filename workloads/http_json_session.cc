#include "workloads/http_json_session.h"

#include <fmt/format.h>

#include <algorithm>

#include "harness/db/etcd_http.h"  // base64
#include "harness/db/template.h"

namespace faultline {
namespace {

using Kind = KvOutcome::Kind;

bool is_2xx(int status) { return status >= 200 && status < 300; }

// The operation's placeholders: the key and values, each also in base64.
std::map<std::string, std::string> op_values(
    const std::string& key, std::initializer_list<std::pair<const char*, int64_t>> more) {
  std::map<std::string, std::string> v = {{"key", key}, {"key_base64", base64_encode(key)}};
  for (const auto& [name, n] : more) {
    v[name] = std::to_string(n);
    v[std::string(name) + "_base64"] = base64_encode(std::to_string(n));
  }
  return v;
}

// The JSON at `pointer` in `body`, or null when it is not there.
nlohmann::json at(const nlohmann::json& body, const std::string& pointer) {
  const nlohmann::json::json_pointer p(pointer);
  return body.contains(p) ? body.at(p) : nlohmann::json();
}

}  // namespace

std::string percent_encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

KvOutcome HttpJsonKvSession::send(const ClientProtocol::HttpCall& call,
                                  const std::map<std::string, std::string>& values, bool read_only,
                                  int accepted, Clock::time_point deadline, int* status,
                                  nlohmann::json* body) {
  const NodeEndpoint* node = nodes_.node();
  if (node == nullptr) return not_done(Kind::kNotApplied, "no nodes to send to", "");
  std::map<std::string, std::string> in_path;
  for (const auto& [name, value] : values) in_path[name] = percent_encode(value);
  const std::string path = expand_template(call.path, in_path);
  const HttpAnswer a = client_.request(call.method, node->host, node->port, path,
                                       expand_template(call.body, values), deadline);
  const Kind unknown = read_only ? Kind::kNotApplied : Kind::kUnknown;
  if (a.kind != HttpAnswer::Kind::kAnswered) {
    nodes_.failed();
    return not_done(a.kind == HttpAnswer::Kind::kNotSent ? Kind::kNotApplied : unknown, a.error,
                    node->name);
  }
  nodes_.answered();
  if (!is_2xx(a.status) && a.status != accepted) {
    const bool refused =
        std::find(protocol_.http_not_applied.begin(), protocol_.http_not_applied.end(), a.status) !=
        protocol_.http_not_applied.end();
    return not_done(
        refused ? Kind::kNotApplied : unknown,
        fmt::format("{} {}: HTTP {}: {}", call.method, path, a.status, a.body.substr(0, 200)),
        node->name);
  }
  *status = a.status;
  *body = a.body.empty() ? nlohmann::json() : nlohmann::json::parse(a.body, nullptr, false);
  KvOutcome o;
  o.node = node->name;
  return o;
}

KvOutcome HttpJsonKvSession::read(const std::string& key, Clock::time_point deadline) {
  const ClientProtocol::HttpCall& call = protocol_.http_read;
  int status = 0;
  nlohmann::json body;
  KvOutcome o = send(call, op_values(key, {}), true, call.absent_status, deadline, &status, &body);
  if (o.kind != Kind::kOk || !is_2xx(status)) return o;  // absent: null
  if (body.is_discarded())
    return not_done(Kind::kNotApplied, fmt::format("read {}: the answer is not JSON", key), o.node);
  const nlohmann::json v = at(body, call.value);
  if (v.is_null()) return o;
  if (v.is_number_integer()) {
    o.value = v;
  } else if (v.is_string() && !call.base64) {
    o.value = stored_value(v.get<std::string>());
  } else if (std::string bytes; v.is_string() && base64_decode(v.get<std::string>(), &bytes)) {
    o.value = stored_value(bytes);
  } else {
    return not_done(Kind::kNotApplied,
                    fmt::format("read {}: unexpected value at {}: {}", key, call.value, v.dump()),
                    o.node);
  }
  return o;
}

KvOutcome HttpJsonKvSession::write(const std::string& key, int64_t value,
                                   Clock::time_point deadline) {
  int status = 0;
  nlohmann::json body;
  return send(protocol_.http_write, op_values(key, {{"value", value}}), false, 0, deadline, &status,
              &body);
}

KvOutcome HttpJsonKvSession::cas(const std::string& key, int64_t expected, int64_t value,
                                 Clock::time_point deadline) {
  const ClientProtocol::HttpCall& call = protocol_.http_cas;
  int status = 0;
  nlohmann::json body;
  KvOutcome o = send(call, op_values(key, {{"expected", expected}, {"value", value}}), false,
                     call.kept_status, deadline, &status, &body);
  if (o.kind != Kind::kOk) return o;
  if (!is_2xx(status)) {
    o.value = false;  // the kept status
  } else if (call.swapped.empty()) {
    o.value = true;
  } else if (body.is_discarded()) {
    return not_done(Kind::kUnknown, fmt::format("cas {}: the answer is not JSON", key), o.node);
  } else {
    const nlohmann::json swapped = at(body, call.swapped);
    if (!swapped.is_null() && !swapped.is_boolean())
      return not_done(Kind::kUnknown,
                      fmt::format("cas {}: expected a boolean at {}, got {}", key, call.swapped,
                                  swapped.dump()),
                      o.node);
    o.value = swapped.is_boolean() && swapped.get<bool>();
  }
  return o;
}

KvOutcome HttpJsonKvSession::add(const std::string& key, int64_t delta,
                                 Clock::time_point deadline) {
  int status = 0;
  nlohmann::json body;
  return send(protocol_.http_add, op_values(key, {{"delta", delta}}), false, 0, deadline, &status,
              &body);
}

}  // namespace faultline
