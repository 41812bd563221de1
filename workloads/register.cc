// register: linearizable read/write/cas registers on independent keys
// (Jepsen's linearizable-register over jepsen.independent).
#include <fmt/format.h>

#include "workloads/kv_session.h"
#include "workloads/workload.h"

namespace faultline {
namespace {

constexpr int kValues = 5;  // values are 0..4: small, so that reads often match cas

class RegisterClient : public Client {
 public:
  RegisterClient(const ClientContext& context, const ClientProtocol& protocol)
      : session_(make_kv_session(protocol, context)), timeout_(context.timeout) {}

  Op invoke(const Op& invoke) override {
    const std::string key = "register:" + invoke.key.dump();
    const auto deadline = KvSession::Clock::now() + timeout_;
    if (invoke.f == "read") {
      const KvOutcome o = session_->read(key, deadline);
      return complete_kv(invoke, o, o.value);
    }
    if (invoke.f == "write" && invoke.value.is_number_integer())
      return complete_kv(invoke, session_->write(key, invoke.value.get<int64_t>(), deadline),
                         invoke.value);
    if (invoke.f == "cas" && invoke.value.is_array() && invoke.value.size() == 2 &&
        invoke.value[0].is_number_integer() && invoke.value[1].is_number_integer()) {
      const KvOutcome o = session_->cas(key, invoke.value[0].get<int64_t>(),
                                        invoke.value[1].get<int64_t>(), deadline);
      if (o.kind == KvOutcome::Kind::kOk && o.value == false) {
        Op c = invoke.complete(EventType::kFail, invoke.value);  // did not swap: no effect
        c.error = "cas mismatch";
        c.node = o.node;
        return c;
      }
      return complete_kv(invoke, o, invoke.value);
    }
    Op c = invoke.complete(EventType::kFail, nullptr);
    c.error = fmt::format("register client: cannot {} {}", invoke.f, invoke.value.dump());
    return c;
  }

 private:
  std::unique_ptr<KvSession> session_;
  std::chrono::milliseconds timeout_;
};

// One key's ops: reads, writes and (if the target has CAS) cas, in equal parts.
GenPtr register_ops(bool cas) {
  return gen::from_fn([cas](const Context& ctx) -> std::optional<Op> {
    std::uniform_int_distribution<int> value(0, kValues - 1);
    switch (std::uniform_int_distribution<int>(0, cas ? 2 : 1)(ctx.rng())) {
      case 0: return gen::op("read");
      case 1: return gen::op("write", value(ctx.rng()));
      default: {
        const int expected = value(ctx.rng());
        return gen::op("cas", nlohmann::json::array({expected, value(ctx.rng())}));
      }
    }
  });
}

}  // namespace

Status make_register_workload(const WorkloadOptions& options, Workload* out) {
  const int per_key = options.threads_per_key == 0 ? options.concurrency : options.threads_per_key;
  if (per_key < 1 || options.concurrency % per_key != 0)
    return Status::invalid_argument(
        fmt::format("register: expected threads per key to divide the concurrency {}, got {}",
                    options.concurrency, per_key));
  if (options.ops_per_key < 1)
    return Status::invalid_argument(
        fmt::format("register: expected at least 1 op per key, got {}", options.ops_per_key));
  if (options.key_count < 0)
    return Status::invalid_argument(
        fmt::format("register: expected a key count >= 0, got {}", options.key_count));
  gen::KeySource keys = gen::sequential_keys(0);
  if (options.key_count > 0) {
    keys = [all = std::move(keys),
            left = options.key_count]() mutable -> std::optional<nlohmann::json> {
      if (left <= 0) return std::nullopt;
      --left;
      return all();
    };
  }
  const bool cas = options.target.cas;
  out->generator = gen::concurrent_keys(per_key, options.ops_per_key, std::move(keys),
                                        [cas](const nlohmann::json&) { return register_ops(cas); });
  out->final_generator = nullptr;
  out->client = [protocol = options.protocol](const ClientContext& c) {
    return std::make_unique<RegisterClient>(c, protocol);
  };
  out->checkers.clear();
  out->checkers.push_back(make_checker("register"));
  out->needs_cas = cas;
  return Status::ok();
}

}  // namespace faultline
