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
  KvRequest kv;  // the request in progress
  // Its RESP commands, sent one after the other: one, or MULTI ... EXEC.
  std::vector<std::vector<std::string>> commands;
  size_t sent = 0;  // the command in flight
  std::function<void(Op)> done;
  size_t node = 0;  // where the command goes now
  int redirects = 0;
  uint64_t request = 0;
  bool finished = false;

  bool transaction() const { return kv.kind == KvRequest::Kind::kTransaction; }
  // A transaction whose EXEC was not sent yet: stopping now changes nothing.
  bool before_exec() const { return transaction() && sent + 1 < commands.size(); }
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
    t.connection = invoke.process;
    t.home = HomeNode::for_thread(thread, cluster_.names().size());
  }
  auto call = std::make_shared<Call>();
  call->thread = thread;
  call->invoke = invoke;
  call->done = std::move(done);
  std::optional<KvRequest> request = ops_.request(invoke);
  if (!request) {
    loop_.after(0, [call] { call->done(cannot_run(call->invoke, "sim")); });
    return;
  }
  start(call, std::move(*request));
}

void SimClients::start(const std::shared_ptr<Call>& call, KvRequest request) {
  call->kv = std::move(request);
  call->commands.clear();
  if (call->transaction()) {
    call->commands.push_back({"MULTI"});
    call->commands.insert(call->commands.end(), call->kv.commands.begin(), call->kv.commands.end());
    call->commands.push_back({"EXEC"});
  } else {
    call->commands.push_back(resp_kv_command(protocol_, call->kv));
  }
  call->node = threads_[static_cast<size_t>(call->thread)].home.at(loop_.now());
  call->redirects = 0;
  call->sent = 0;
  Thread& t = threads_[static_cast<size_t>(call->thread)];
  t.call = call;
  t.deadline = loop_.now() + timeout_;
  if (!t.timer) {
    t.timer = true;
    loop_.at(t.deadline, [this, thread = call->thread] { on_timer(thread); });
  }
  attempt(call);
}

void SimClients::on_timer(int thread) {
  Thread& t = threads_[static_cast<size_t>(thread)];
  t.timer = false;
  std::shared_ptr<Call> call = t.call;  // set by the start() that armed the timer
  if (call->finished) return;
  if (loop_.now() < t.deadline) {  // a later request's: wait on
    t.timer = true;
    loop_.at(t.deadline, [this, thread] { on_timer(thread); });
    return;
  }
  cluster_.cancel(call->request);
  const std::string node = cluster_.names()[call->node];
  const bool before_exec = call->before_exec();
  if (before_exec) drop_connection(*call);
  move_on(*call);
  finish(call, outcome(before_exec ? RespOutcome::Kind::kNotApplied : RespOutcome::Kind::kUnknown,
                       fmt::format("{}: timed out after {} ms", node, timeout_ / 1'000'000), node));
}

void SimClients::attempt(const std::shared_ptr<Call>& call) {
  call->request = cluster_.request(
      call->node, threads_[static_cast<size_t>(call->thread)].connection,
      call->commands[call->sent], [this, call](SimReply r) { on_reply(call, std::move(r)); });
}

void SimClients::on_reply(const std::shared_ptr<Call>& call, SimReply reply) {
  if (call->finished) return;
  const std::string node = cluster_.names()[call->node];
  if (reply.kind != SimReply::Kind::kReply) {
    const bool not_applied = reply.kind == SimReply::Kind::kRefused || call->before_exec();
    if (call->before_exec()) drop_connection(*call);
    move_on(*call);
    const std::string error = reply.kind == SimReply::Kind::kRefused
                                  ? fmt::format("{}: connect: connection refused", node)
                                  : fmt::format("{}: connection lost", node);
    finish(call, outcome(not_applied ? RespOutcome::Kind::kNotApplied : RespOutcome::Kind::kUnknown,
                         error, node));
    return;
  }
  threads_[static_cast<size_t>(call->thread)].home.answered(call->node);
  RespOutcome o;
  o.node = node;
  if (Status st = parser_.parse(reply.text, &o.reply); !st.is_ok()) {
    const bool before_exec = call->before_exec();
    if (before_exec) drop_connection(*call);
    finish(call, outcome(before_exec ? RespOutcome::Kind::kNotApplied : RespOutcome::Kind::kUnknown,
                         st.message(), node));
    return;
  }
  if (o.reply.kind == RespReply::Kind::kError) {
    const std::string& text = o.reply.text;
    const bool not_leader = text.starts_with(kNotLeader);
    // A transaction stopped before EXEC: what the node queued goes with the
    // connection (but after a redirect of MULTI itself: nothing was queued).
    if (call->before_exec() && (call->sent > 0 || !not_leader)) drop_connection(*call);
    if (not_leader) {
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
      call->sent = 0;
      attempt(call);
      return;
    }
    finish(call, outcome(call->before_exec() || error_means_not_applied(text)
                             ? RespOutcome::Kind::kNotApplied
                             : RespOutcome::Kind::kUnknown,
                         text, node));
    return;
  }
  if (call->before_exec()) {
    on_queued(call, o.reply);
    return;
  }
  if (call->transaction() && o.reply.kind == RespReply::Kind::kNil) {
    drop_connection(*call);
    finish(call, outcome(RespOutcome::Kind::kUnknown, "EXEC answered nil", node));
    return;
  }
  o.kind = RespOutcome::Kind::kReply;
  finish(call, o);
}

void SimClients::on_queued(const std::shared_ptr<Call>& call, const RespReply& reply) {
  if (reply.kind != RespReply::Kind::kString) {  // not +OK to MULTI, not +QUEUED
    const std::string node = cluster_.names()[call->node];
    drop_connection(*call);
    finish(call, outcome(RespOutcome::Kind::kNotApplied,
                         fmt::format("unexpected reply before EXEC: {}", reply.text), node));
    return;
  }
  ++call->sent;
  attempt(call);
}

void SimClients::finish(const std::shared_ptr<Call>& call, const RespOutcome& outcome) {
  KvStep step = ops_.complete(call->invoke, call->kv, resp_kv_outcome(call->kv, outcome));
  if (Op* done = std::get_if<Op>(&step)) {
    call->finished = true;
    call->done(std::move(*done));
    return;
  }
  start(call, std::move(std::get<KvRequest>(step)));
}

void SimClients::move_on(Call& call) {
  Thread& t = threads_[static_cast<size_t>(call.thread)];
  t.home.failed(call.node, loop_.now());
}

void SimClients::drop_connection(Call& call) {
  threads_[static_cast<size_t>(call.thread)].connection = -++dropped_;
}

}  // namespace faultline::sim
