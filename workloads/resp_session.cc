#include "workloads/resp_session.h"

#include <fmt/format.h>

#include <array>
#include <charconv>

namespace faultline {
namespace {

constexpr std::string_view kNotLeader = "NOTLEADER";

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool is_not_leader(const RespReply& r) {
  return r.kind == RespReply::Kind::kError && starts_with(r.text, kNotLeader);
}

RespOutcome not_applied(std::string error, std::string node) {
  RespOutcome o;
  o.kind = RespOutcome::Kind::kNotApplied;
  o.error = std::move(error);
  o.node = std::move(node);
  return o;
}

RespOutcome unknown(std::string error, std::string node) {
  RespOutcome o = not_applied(std::move(error), std::move(node));
  o.kind = RespOutcome::Kind::kUnknown;
  return o;
}

// A reply that is a RESP error, sorted by what it says about the command.
RespOutcome from_error_reply(const RespReply& r, std::string node) {
  return error_means_not_applied(r.text) ? not_applied(r.text, std::move(node))
                                         : unknown(r.text, std::move(node));
}

}  // namespace

bool error_means_not_applied(std::string_view error) {
  static constexpr std::array<std::string_view, 10> kRefused = {
      "NOTLEADER",
      "WRONGTYPE",
      "EXECABORT",
      "ERR unknown command",
      "ERR wrong number of arguments",
      "ERR syntax error",
      "ERR value is not an integer",
      "ERR increment or decrement would overflow",
      "ERR MULTI calls can not be nested",
      "ERR EXEC without MULTI",
  };
  for (std::string_view prefix : kRefused) {
    if (starts_with(error, prefix)) return true;
  }
  return error.ends_with("; not applied");
}

int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

RespSession::RespSession(const ClientContext& context)
    : nodes_(context.nodes),
      timeout_(context.timeout),
      home_node_(HomeNode::for_thread(context.thread, std::max<size_t>(1, context.nodes.size()))) {
  if (nodes_.empty()) return;
  home_index_ = home_node_.at(steady_now_ns());
  home_.target = nodes_[home_index_];
}

void RespSession::go_home() {
  const size_t at = home_node_.at(steady_now_ns());
  if (at != home_index_) {
    home_.connection.close();
    home_index_ = at;
    home_.target = nodes_[at];
  }
  link_ = &home_;
}

void RespSession::move_on() {
  link_->connection.close();
  if (link_ == &home_) home_node_.failed(home_index_, steady_now_ns());
}

bool RespSession::redirect(const std::string& error, RespOutcome* out) {
  const std::string address =
      error.size() > kNotLeader.size() + 1 ? error.substr(kNotLeader.size() + 1) : "";
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon != std::string::npos) {
    try {
      port = std::stoi(address.substr(colon + 1));
    } catch (const std::exception&) {
      port = 0;
    }
  }
  if (port <= 0) {  // "NOTLEADER unknown": no leader right now; ask again next time
    *out = not_applied(error, link_->target.name);
    return false;
  }
  const std::string host = address.substr(0, colon);
  if (home_.target.host == host && home_.target.port == port) {
    link_ = &home_;
    return true;
  }
  if (away_.target.host != host || away_.target.port != port) {
    away_.connection.close();
    away_.target = NodeEndpoint{address, host, port};
    for (const NodeEndpoint& n : nodes_) {
      if (n.host == host && n.port == port) away_.target = n;
    }
  }
  link_ = &away_;
  return true;
}

RespOutcome RespSession::call(const std::vector<std::string>& command, Clock::time_point deadline) {
  return run({command}, Mode::kSingle, deadline);
}

RespOutcome RespSession::pipeline(const std::vector<std::vector<std::string>>& commands,
                                  Clock::time_point deadline) {
  return run(commands, Mode::kPipeline, deadline);
}

RespOutcome RespSession::transaction(const std::vector<std::vector<std::string>>& commands,
                                     Clock::time_point deadline) {
  return run(commands, Mode::kTransaction, deadline);
}

RespOutcome RespSession::run(const std::vector<std::vector<std::string>>& commands, Mode mode,
                             Clock::time_point deadline) {
  if (nodes_.empty()) return not_applied("no nodes to send to", "");
  go_home();
  RespOutcome out;
  std::string last;
  for (int i = 0; i <= kMaxRedirects; ++i) {
    if (attempt(commands, mode, deadline, &out) == Step::kDone) return out;
    last = link_->target.name;
  }
  move_on();
  return not_applied(
      fmt::format("{} NOTLEADER redirects in a row (last to {})", kMaxRedirects + 1, last),
      out.node);
}

RespSession::Step RespSession::attempt(const std::vector<std::vector<std::string>>& commands,
                                       Mode mode, Clock::time_point deadline, RespOutcome* out) {
  const std::string node = link_->target.name;
  RespConnection& connection = link_->connection;
  if (!connection.usable()) {
    const Status st = connection.connect(link_->target.host, link_->target.port, deadline);
    if (!st.is_ok()) {
      *out = not_applied(st.message(), node);
      move_on();
      return Step::kDone;
    }
  }
  // Sends `batch` and reads one reply per command. Sent but unanswered is
  // unknown, unless `discarded` (commands queued in a transaction whose EXEC
  // was never sent: dropping the connection discards them).
  auto exchange = [&](const std::vector<std::vector<std::string>>& batch, bool discarded,
                      std::vector<RespReply>* replies) {
    bool sent_any = false;
    Status st = connection.send(batch, deadline, &sent_any);
    for (size_t i = 0; st.is_ok() && i < batch.size(); ++i) {
      replies->emplace_back();
      st = connection.read(deadline, &replies->back());
    }
    if (st.is_ok()) {
      if (link_ == &home_) home_node_.answered(home_index_);
      return true;
    }
    *out = sent_any && !discarded ? unknown(st.message(), node) : not_applied(st.message(), node);
    move_on();
    return false;
  };
  // A reply that is not what it should be (an error before EXEC, a
  // redirect): nothing took effect, except that an unknown error to a single
  // command may hide one.
  auto answered_error = [&](const RespReply& r, bool before_exec) {
    if (is_not_leader(r)) return redirect(r.text, out) ? Step::kRedirect : Step::kDone;
    if (r.kind != RespReply::Kind::kError) {
      *out = not_applied(fmt::format("unexpected reply before EXEC: {}", r.text), node);
    } else {
      *out = before_exec ? not_applied(r.text, node) : from_error_reply(r, node);
    }
    connection.close();  // discards a transaction in progress
    return Step::kDone;
  };
  std::vector<RespReply> replies;
  if (mode == Mode::kTransaction) {
    // MULTI alone first: if it was refused (NOTLEADER), the commands must
    // not follow it, or they would run one by one.
    if (!exchange({{"MULTI"}}, true, &replies)) return Step::kDone;
    if (replies[0].kind != RespReply::Kind::kString) return answered_error(replies[0], true);
    replies.clear();
    if (!exchange(commands, true, &replies)) return Step::kDone;
    for (const RespReply& r : replies) {
      if (r.kind != RespReply::Kind::kString) return answered_error(r, true);  // not +QUEUED
    }
    replies.clear();
    if (!exchange({{"EXEC"}}, false, &replies)) return Step::kDone;
    if (replies[0].kind == RespReply::Kind::kNil) {
      *out = unknown("EXEC answered nil", node);
      connection.close();
      return Step::kDone;
    }
  } else if (!exchange(commands, false, &replies)) {
    return Step::kDone;
  }
  for (const RespReply& r : replies) {
    if (r.kind == RespReply::Kind::kError) return answered_error(r, false);
  }
  out->kind = RespOutcome::Kind::kReply;
  if (mode == Mode::kPipeline) {
    out->reply = RespReply{RespReply::Kind::kArray, "", std::move(replies)};
  } else {
    out->reply = std::move(replies[0]);
  }
  out->node = node;
  return Step::kDone;
}

nlohmann::json reply_value(const RespReply& reply) {
  if (reply.kind == RespReply::Kind::kNil) return nullptr;
  int64_t n = 0;
  const char* end = reply.text.data() + reply.text.size();
  const auto [ptr, ec] = std::from_chars(reply.text.data(), end, n);
  if (!reply.text.empty() && ec == std::errc() && ptr == end) return n;
  return reply.text;
}

std::string unexpected_reply_error(const RespReply& r) {
  return fmt::format("unexpected reply: {}",
                     r.kind == RespReply::Kind::kArray
                         ? fmt::format("array of {}", r.elements.size())
                         : (r.kind == RespReply::Kind::kNil ? "nil" : r.text));
}

}  // namespace faultline
