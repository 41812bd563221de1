#include "harness/sim/sim_clients.h"

#include <fmt/format.h>

#include <memory>

namespace faultline::sim {

namespace {

constexpr std::string_view kNotLeader = "NOTLEADER";

RespOutcome outcome(RespOutcome::Kind kind, std::string error, std::string node) {
  RespOutcome o;
  o.kind = kind;
  o.error = std::move(error);
  o.node = std::move(node);
  return o;
}

}  // namespace

struct SimClients::Call {
  int thread;
  Op invoke;
  KvRequest kv;
  std::vector<std::string> command;
  std::function<void(Op)> done;
  size_t node = 0;  // where the command goes now
  int redirects = 0;
  uint64_t request = 0;
  bool finished = false;
};

SimClients::SimClients(EventLoop& loop, SimCluster& cluster, KvOps ops, int64_t timeout,
                       int concurrency)
    : loop_(loop),
      cluster_(cluster),
      ops_(std::move(ops)),
      timeout_(timeout),
      threads_(static_cast<size_t>(concurrency)) {}

void SimClients::invoke(int thread, const Op& invoke, std::function<void(Op)> done) {
  Thread& t = threads_.at(static_cast<size_t>(thread));
  if (t.process != invoke.process) {  // a fresh client
    t.process = invoke.process;
    t.home = static_cast<size_t>(thread) % cluster_.names().size();
  }
  auto call = std::make_shared<Call>();
  call->thread = thread;
  call->invoke = invoke;
  call->done = std::move(done);
  call->node = t.home;
  const std::optional<KvRequest> request = ops_.request(invoke);
  if (!request) {
    loop_.after(0, [call] { call->done(cannot_run(call->invoke, "sim")); });
    return;
  }
  call->kv = *request;
  call->command = resp_kv_command(protocol_, *request);
  loop_.after(timeout_, [this, call] {
    if (call->finished) return;
    cluster_.cancel(call->request);
    const std::string node = cluster_.names()[call->node];
    move_on(*call);
    finish(call,
           outcome(RespOutcome::Kind::kUnknown,
                   fmt::format("{}: timed out after {} ms", node, timeout_ / 1'000'000), node));
  });
  attempt(call);
}

void SimClients::attempt(const std::shared_ptr<Call>& call) {
  call->request = cluster_.request(call->node, call->invoke.process, call->command,
                                   [this, call](SimReply r) { on_reply(call, std::move(r)); });
}

void SimClients::on_reply(const std::shared_ptr<Call>& call, SimReply reply) {
  if (call->finished) return;
  const std::string node = cluster_.names()[call->node];
  if (reply.kind != SimReply::Kind::kReply) {
    const bool refused = reply.kind == SimReply::Kind::kRefused;
    move_on(*call);
    finish(call, refused ? outcome(RespOutcome::Kind::kNotApplied,
                                   fmt::format("{}: connect: connection refused", node), node)
                         : outcome(RespOutcome::Kind::kUnknown,
                                   fmt::format("{}: connection lost", node), node));
    return;
  }
  RespOutcome o;
  o.node = node;
  if (Status st = parse_reply(reply.text, &o.reply); !st.is_ok()) {
    finish(call, outcome(RespOutcome::Kind::kUnknown, st.message(), node));
    return;
  }
  if (o.reply.kind == RespReply::Kind::kError) {
    const std::string& text = o.reply.text;
    if (text.starts_with(kNotLeader)) {
      const int leader =
          cluster_.index_of(text.substr(std::min(text.size(), kNotLeader.size() + 1)));
      if (leader < 0) {  // "NOTLEADER unknown": no leader right now
        finish(call, outcome(RespOutcome::Kind::kNotApplied, text, node));
        return;
      }
      if (++call->redirects > RespSession::kMaxRedirects) {
        const std::string last = cluster_.names()[static_cast<size_t>(leader)];
        move_on(*call);
        finish(call, outcome(RespOutcome::Kind::kNotApplied,
                             fmt::format("{} NOTLEADER redirects in a row (last to {})",
                                         RespSession::kMaxRedirects + 1, last),
                             node));
        return;
      }
      call->node = static_cast<size_t>(leader);
      attempt(call);
      return;
    }
    finish(call, outcome(error_means_not_applied(text) ? RespOutcome::Kind::kNotApplied
                                                       : RespOutcome::Kind::kUnknown,
                         text, node));
    return;
  }
  o.kind = RespOutcome::Kind::kReply;
  finish(call, o);
}

void SimClients::finish(const std::shared_ptr<Call>& call, const RespOutcome& outcome) {
  call->finished = true;
  call->done(ops_.complete(call->invoke, resp_kv_outcome(call->kv, outcome)));
}

void SimClients::move_on(Call& call) {
  Thread& t = threads_[static_cast<size_t>(call.thread)];
  if (call.node == t.home) t.home = (t.home + 1) % cluster_.names().size();
}

}  // namespace faultline::sim
