#include "workloads/etcd_session.h"

#include <fmt/format.h>

#include <charconv>

namespace faultline {
namespace {

nlohmann::json put_request(const std::string& key, int64_t value) {
  return {{"key", base64_encode(key)}, {"value", base64_encode(std::to_string(value))}};
}

// int64 fields come as decimal strings (proto3 JSON); absent means 0.
bool int64_field(const nlohmann::json& object, const char* name, int64_t* out) {
  *out = 0;
  if (!object.contains(name)) return true;
  const nlohmann::json& v = object[name];
  if (v.is_number_integer()) {
    *out = v.get<int64_t>();
    return true;
  }
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Whether a txn answer says its comparisons held (proto3 JSON omits false).
bool succeeded(const nlohmann::json& body) {
  return body.contains("succeeded") && body["succeeded"].is_boolean() &&
         body["succeeded"].get<bool>();
}

}  // namespace

EtcdKvSession::EtcdKvSession(const ClientContext& context, bool serializable_reads)
    : nodes_(context), serializable_reads_(serializable_reads) {}

KvOutcome EtcdKvSession::post(const char* path, const nlohmann::json& request,
                              Clock::time_point deadline, nlohmann::json* body) {
  const NodeEndpoint* node = nodes_.node();
  if (node == nullptr) return not_done(KvOutcome::Kind::kNotApplied, "no nodes to send to", "");
  EtcdReply r = connection_.post(node->host, node->port, path, request, deadline);
  KvOutcome o;
  o.node = node->name;
  if (r.answered) {
    nodes_.answered();
  } else {
    nodes_.failed();
  }
  if (r.kind != EtcdReply::Kind::kOk) {
    o.kind = r.kind == EtcdReply::Kind::kNotApplied ? KvOutcome::Kind::kNotApplied
                                                    : KvOutcome::Kind::kUnknown;
    o.error = std::move(r.error);
    return o;
  }
  *body = std::move(r.body);
  return o;
}

KvOutcome EtcdKvSession::range(const std::string& key, Clock::time_point deadline,
                               int64_t* mod_revision) {
  nlohmann::json request = {{"key", base64_encode(key)}};
  if (serializable_reads_) request["serializable"] = true;
  nlohmann::json body;
  KvOutcome o = post("/v3/kv/range", request, deadline, &body);
  *mod_revision = 0;
  if (o.kind != KvOutcome::Kind::kOk) {
    o.kind = KvOutcome::Kind::kNotApplied;  // a read changes nothing
    return o;
  }
  const nlohmann::json kvs = body.value("kvs", nlohmann::json::array());
  if (!kvs.is_array() || kvs.size() > 1)
    return not_done(KvOutcome::Kind::kNotApplied, "range: unexpected kvs: " + kvs.dump(), o.node);
  if (kvs.empty()) return o;  // absent: null
  std::string bytes;
  if (!kvs[0].is_object() || !kvs[0].contains("value") || !kvs[0]["value"].is_string() ||
      !base64_decode(kvs[0]["value"].get<std::string>(), &bytes) ||
      !int64_field(kvs[0], "mod_revision", mod_revision))
    return not_done(KvOutcome::Kind::kNotApplied, "range: unexpected kv: " + kvs[0].dump(), o.node);
  o.value = stored_value(bytes);
  return o;
}

KvOutcome EtcdKvSession::read(const std::string& key, Clock::time_point deadline) {
  int64_t ignored = 0;
  return range(key, deadline, &ignored);
}

KvOutcome EtcdKvSession::write(const std::string& key, int64_t value, Clock::time_point deadline) {
  nlohmann::json body;
  return post("/v3/kv/put", put_request(key, value), deadline, &body);
}

KvOutcome EtcdKvSession::cas(const std::string& key, int64_t expected, int64_t value,
                             Clock::time_point deadline) {
  const nlohmann::json request = {{"compare",
                                   {{{"key", base64_encode(key)},
                                     {"result", "EQUAL"},
                                     {"target", "VALUE"},
                                     {"value", base64_encode(std::to_string(expected))}}}},
                                  {"success", {{{"request_put", put_request(key, value)}}}}};
  nlohmann::json body;
  KvOutcome o = post("/v3/kv/txn", request, deadline, &body);
  if (o.kind == KvOutcome::Kind::kOk) o.value = succeeded(body);
  return o;
}

KvOutcome EtcdKvSession::add(const std::string& key, int64_t delta, Clock::time_point deadline) {
  // Each round either succeeds or changed nothing (its txn's comparison
  // failed), so running out of time between rounds is a definite failure.
  for (int round = 1;; ++round) {
    int64_t mod_revision = 0;
    KvOutcome seen = range(key, deadline, &mod_revision);
    if (seen.kind != KvOutcome::Kind::kOk) return seen;
    if (!seen.value.is_null() && !seen.value.is_number_integer())
      return not_done(KvOutcome::Kind::kNotApplied,
                      fmt::format("add: {} holds {}, not an integer", key, seen.value.dump()),
                      seen.node);
    const int64_t now = seen.value.is_null() ? 0 : seen.value.get<int64_t>();
    const nlohmann::json request = {
        {"compare",
         {{{"key", base64_encode(key)},
           {"result", "EQUAL"},
           {"target", "MOD"},
           {"mod_revision", std::to_string(mod_revision)}}}},
        {"success", {{{"request_put", put_request(key, now + delta)}}}}};
    nlohmann::json body;
    KvOutcome o = post("/v3/kv/txn", request, deadline, &body);
    if (o.kind != KvOutcome::Kind::kOk || succeeded(body)) return o;
    if (Clock::now() >= deadline)
      return not_done(KvOutcome::Kind::kNotApplied,
                      fmt::format("add: {} changed under each of {} attempts", key, round), o.node);
  }
}

}  // namespace faultline
