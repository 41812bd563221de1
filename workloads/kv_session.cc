#include "workloads/kv_session.h"

#include <charconv>
#include <initializer_list>
#include <map>
#include <string_view>
#include <utility>

#include "harness/db/template.h"
#include "workloads/etcd_session.h"
#include "workloads/http_json_session.h"

namespace faultline {
namespace {

using Kind = RespReply::Kind;

// A RESP outcome as a KvOutcome: a reply of the kind expected is ok with
// `value`; another reply is not applied when the command cannot have changed
// anything (`read_only`), else unknown.
KvOutcome from_resp(const RespOutcome& o, bool expected, bool read_only, nlohmann::json value) {
  KvOutcome out;
  out.node = o.node;
  if (o.kind != RespOutcome::Kind::kReply) {
    out.kind = o.kind == RespOutcome::Kind::kNotApplied ? KvOutcome::Kind::kNotApplied
                                                        : KvOutcome::Kind::kUnknown;
    out.error = o.error;
  } else if (!expected) {
    out.kind = read_only ? KvOutcome::Kind::kNotApplied : KvOutcome::Kind::kUnknown;
    out.error = unexpected_reply_error(o.reply);
  } else {
    out.value = std::move(value);
  }
  return out;
}

using Values = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// The command of `templ` for these values. A word of plain text or one whole
// placeholder (every word of the default commands) is filled in directly,
// as expand_template would fill it; any other word goes through it.
std::vector<std::string> command(const std::vector<std::string>& templ, Values values) {
  std::vector<std::string> out;
  out.reserve(templ.size());
  std::map<std::string, std::string> all;  // for expand_template, made when first needed
  for (const std::string& word : templ) {
    const size_t brace = word.find_first_of("{}");
    if (brace == std::string::npos) {
      out.push_back(word);
    } else if (brace == 0 && word.size() > 2 && word.find_first_of("{}", 1) == word.size() - 1 &&
               word.back() == '}') {
      const std::string_view name = std::string_view(word).substr(1, word.size() - 2);
      std::string& filled = out.emplace_back();  // a name not given expands to ""
      for (const auto& [n, v] : values)
        if (n == name) filled = v;
    } else {
      if (all.empty())
        for (const auto& [n, v] : values) all.emplace(n, v);
      out.push_back(expand_template(word, all));
    }
  }
  return out;
}

}  // namespace

std::unique_ptr<KvSession> make_kv_session(const ClientProtocol& protocol,
                                           const ClientContext& context) {
  if (protocol.kind == ClientProtocol::Kind::kEtcdV3)
    return std::make_unique<EtcdKvSession>(context, protocol.serializable_reads);
  if (protocol.kind == ClientProtocol::Kind::kHttpJson)
    return std::make_unique<HttpJsonKvSession>(context, protocol);
  return std::make_unique<RespKvSession>(context, protocol);
}

nlohmann::json stored_value(const std::string& text) {
  int64_t n = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, n);
  if (!text.empty() && ec == std::errc() && ptr == end) return n;
  return text;
}

KvOutcome not_done(KvOutcome::Kind kind, std::string error, std::string node) {
  KvOutcome o;
  o.kind = kind;
  o.error = std::move(error);
  o.node = std::move(node);
  return o;
}

Op complete_unexpected(const Op& invoke, const KvOutcome& outcome, bool not_applied) {
  return complete_kv(
      invoke,
      not_done(not_applied ? KvOutcome::Kind::kNotApplied : KvOutcome::Kind::kUnknown,
               unexpected_reply_error(outcome.reply), outcome.node),
      nullptr);
}

KvRequest KvRequest::command(std::vector<std::string> command, nlohmann::json carry) {
  KvRequest r;
  r.kind = Kind::kCommand;
  r.commands.push_back(std::move(command));
  r.carry = std::move(carry);
  return r;
}

KvRequest KvRequest::transaction(std::vector<std::vector<std::string>> commands) {
  KvRequest r;
  r.kind = Kind::kTransaction;
  r.commands = std::move(commands);
  return r;
}

KvOutcome KvSession::resp(const KvRequest&, Clock::time_point) {
  return not_done(KvOutcome::Kind::kNotApplied, "this protocol has no RESP commands", "");
}

Op complete_kv(const Op& invoke, const KvOutcome& outcome, nlohmann::json ok_value) {
  const EventType type = outcome.kind == KvOutcome::Kind::kOk           ? EventType::kOk
                         : outcome.kind == KvOutcome::Kind::kNotApplied ? EventType::kFail
                                                                        : EventType::kInfo;
  Op c = invoke.complete(type, type == EventType::kOk ? std::move(ok_value) : nullptr);
  c.error = outcome.error;
  c.node = outcome.node;
  return c;
}

KvOutcome KvSession::call(const KvRequest& r, Clock::time_point deadline) {
  switch (r.kind) {
    case KvRequest::Kind::kRead: return read(r.key, deadline);
    case KvRequest::Kind::kWrite: return write(r.key, r.value, deadline);
    case KvRequest::Kind::kCas: return cas(r.key, r.expected, r.value, deadline);
    case KvRequest::Kind::kAdd: return add(r.key, r.value, deadline);
    case KvRequest::Kind::kCommand:
    case KvRequest::Kind::kTransaction: return resp(r, deadline);
  }
  return {};
}

std::vector<std::string> resp_kv_command(const ClientProtocol& protocol, const KvRequest& r) {
  const std::string value = std::to_string(r.value);
  switch (r.kind) {
    case KvRequest::Kind::kRead: return command(protocol.read, {{"key", r.key}});
    case KvRequest::Kind::kWrite:
      return command(protocol.write, {{"key", r.key}, {"value", value}});
    case KvRequest::Kind::kCas:
      return command(protocol.cas,
                     {{"key", r.key}, {"expected", std::to_string(r.expected)}, {"value", value}});
    case KvRequest::Kind::kAdd: return command(protocol.add, {{"key", r.key}, {"delta", value}});
    case KvRequest::Kind::kCommand: return r.commands.at(0);
    case KvRequest::Kind::kTransaction: return {};  // several: MULTI, r.commands, EXEC
  }
  return {};
}

KvOutcome resp_kv_outcome(const KvRequest& r, const RespOutcome& o) {
  switch (r.kind) {
    case KvRequest::Kind::kRead: {
      const bool expected = o.reply.kind == Kind::kString || o.reply.kind == Kind::kNil;
      return from_resp(o, expected, true, expected ? reply_value(o.reply) : nullptr);
    }
    case KvRequest::Kind::kWrite:
      return from_resp(o, o.reply.kind == Kind::kString, false, nullptr);
    case KvRequest::Kind::kCas: {
      const bool swapped = o.reply.kind == Kind::kInteger && o.reply.text == "1";
      const bool kept = o.reply.kind == Kind::kInteger && o.reply.text == "0";
      return from_resp(o, swapped || kept, false, swapped);
    }
    case KvRequest::Kind::kAdd: return from_resp(o, o.reply.kind == Kind::kInteger, false, nullptr);
    case KvRequest::Kind::kCommand:
    case KvRequest::Kind::kTransaction: {
      // Any reply: the workload's complete() judges it.
      KvOutcome out = from_resp(o, true, false, nullptr);
      out.reply = o.reply;
      return out;
    }
  }
  return {};
}

KvOutcome RespKvSession::send(const KvRequest& request, Clock::time_point deadline) {
  return resp_kv_outcome(request, session_.call(resp_kv_command(protocol_, request), deadline));
}

KvOutcome RespKvSession::resp(const KvRequest& request, Clock::time_point deadline) {
  if (request.kind == KvRequest::Kind::kTransaction)
    return resp_kv_outcome(request, session_.transaction(request.commands, deadline));
  return send(request, deadline);
}

KvOutcome RespKvSession::read(const std::string& key, Clock::time_point deadline) {
  return send({.kind = KvRequest::Kind::kRead, .key = key}, deadline);
}

KvOutcome RespKvSession::write(const std::string& key, int64_t value, Clock::time_point deadline) {
  return send({.kind = KvRequest::Kind::kWrite, .key = key, .value = value}, deadline);
}

KvOutcome RespKvSession::cas(const std::string& key, int64_t expected, int64_t value,
                             Clock::time_point deadline) {
  return send({.kind = KvRequest::Kind::kCas, .key = key, .value = value, .expected = expected},
              deadline);
}

KvOutcome RespKvSession::add(const std::string& key, int64_t delta, Clock::time_point deadline) {
  return send({.kind = KvRequest::Kind::kAdd, .key = key, .value = delta}, deadline);
}

}  // namespace faultline
