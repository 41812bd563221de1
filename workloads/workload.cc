#include "workloads/workload.h"

#include <fmt/format.h>

#include <algorithm>

namespace faultline {
namespace {

// See kv_ops_client.
class KvOpsClient : public Client {
 public:
  KvOpsClient(const ClientContext& context, const std::string& workload, const KvOps& ops,
              const ClientProtocol& protocol)
      : session_(make_kv_session(protocol, context)),
        timeout_(context.timeout),
        workload_(workload),
        ops_(ops) {}

  Op invoke(const Op& invoke) override {
    std::optional<KvRequest> request = ops_.request(invoke);
    if (!request) return cannot_run(invoke, workload_);
    for (;;) {
      KvStep step = ops_.complete(invoke, *request,
                                  session_->call(*request, KvSession::Clock::now() + timeout_));
      if (Op* done = std::get_if<Op>(&step)) return std::move(*done);
      request = std::move(std::get<KvRequest>(step));
    }
  }

 private:
  std::unique_ptr<KvSession> session_;
  std::chrono::milliseconds timeout_;
  std::string workload_;
  KvOps ops_;
};

// See until_ok.
class UntilOk : public Generator {
 public:
  UntilOk(Op op, int attempts, std::chrono::nanoseconds interval)
      : op_(std::move(op)), attempts_left_(attempts), interval_(interval.count()) {}

  Next next(const Context& ctx) override {
    if (done_ || (attempts_left_ <= 0 && thread_ < 0)) return Next::exhausted();
    if (thread_ >= 0) return Next::pending();  // one attempt at a time
    const std::optional<int> thread = ctx.some_free_thread();
    if (!thread) return Next::pending();
    Op op = op_;
    op.time = std::max(ctx.time(), not_before_);
    return Next::invoke(std::move(op), *thread);
  }

  void commit(const Context&, const Op&, int thread) override {
    thread_ = thread;
    --attempts_left_;
  }

  void update(const Context&, const Op& event, int thread) override {
    if (thread != thread_ || event.type == EventType::kInvoke) return;
    thread_ = -1;
    done_ = event.type == EventType::kOk;
    not_before_ = event.time + interval_;
  }

  GenPtr clone() const override { return std::make_unique<UntilOk>(*this); }

 private:
  Op op_;
  int attempts_left_;
  int64_t interval_;
  int thread_ = -1;  // the thread of the attempt in flight, -1 if none
  bool done_ = false;
  int64_t not_before_ = 0;
};

}  // namespace

GenPtr until_ok(Op op, int attempts, std::chrono::nanoseconds interval) {
  return std::make_unique<UntilOk>(std::move(op), attempts, interval);
}

Status target_capabilities(std::string_view target, TargetCapabilities* out) {
  if (target == "raftkv") {
    *out = TargetCapabilities{};
  } else if (target == "dht") {
    *out = TargetCapabilities{false, false, false, false};
  } else if (target == "etcd") {
    *out = TargetCapabilities{true, false, false, true};
  } else if (target == "paxos") {
    // Every single-key command; nothing across keys (MULTI, MGET of several).
    *out = TargetCapabilities{true, false, true, true};
  } else {
    return Status::invalid_argument(
        fmt::format("unknown target '{}': expected raftkv, dht, etcd or paxos", target));
  }
  return Status::ok();
}

Op cannot_run(const Op& invoke, std::string_view workload) {
  Op c = invoke.complete(EventType::kFail, nullptr);
  c.error = fmt::format("{} client: cannot {} {}", workload, invoke.f, invoke.value.dump());
  return c;
}

ClientFactory kv_ops_client(std::string workload, KvOps ops, ClientProtocol protocol) {
  return [workload = std::move(workload), ops = std::move(ops),
          protocol = std::move(protocol)](const ClientContext& c) {
    return std::make_unique<KvOpsClient>(c, workload, ops, protocol);
  };
}

std::vector<std::string> workload_names() {
  return {"register", "set", "counter", "bank", "list-append", "rw-register"};
}

Status make_workload(std::string_view name, const WorkloadOptions& options, Workload* out) {
  if (options.concurrency < 1)
    return Status::invalid_argument(
        fmt::format("expected a concurrency of at least 1, got {}", options.concurrency));
  if (options.protocol.kind != ClientProtocol::Kind::kResp && name != "register" &&
      name != "counter" && name != "set")
    return Status::invalid_argument(fmt::format(
        "workload {} speaks only RESP; this target's protocol supports register, counter and set",
        name));
  Status st;
  if (name == "register") {
    st = make_register_workload(options, out);
  } else if (name == "set") {
    st = make_set_workload(options, out);
  } else if (name == "counter") {
    st = make_counter_workload(options, out);
  } else if (name == "bank") {
    st = make_bank_workload(options, out);
  } else if (name == "list-append") {
    st = make_list_append_workload(options, out);
  } else if (name == "rw-register") {
    st = make_rw_register_workload(options, out);
  } else {
    return Status::invalid_argument(fmt::format("unknown workload '{}': expected one of {}", name,
                                                fmt::join(workload_names(), ", ")));
  }
  if (st.is_ok()) out->name = std::string(name);
  return st;
}

}  // namespace faultline
