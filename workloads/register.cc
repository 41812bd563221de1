// register: linearizable read/write/cas registers on independent keys
// (Jepsen's linearizable-register over jepsen.independent).
#include <fmt/format.h>

#include "workloads/resp_session.h"
#include "workloads/workload.h"

namespace faultline {
namespace {

constexpr int kValues = 5;  // values are 0..4: small, so that reads often match cas

// The one command of a register op: GET, SET or CAS on the key's register.
std::optional<std::vector<std::string>> register_command(const Op& invoke) {
  const std::string key = "register:" + invoke.key.dump();
  if (invoke.f == "read") return std::vector<std::string>{"GET", key};
  if (invoke.f == "write") return std::vector<std::string>{"SET", key, invoke.value.dump()};
  if (invoke.f == "cas" && invoke.value.is_array() && invoke.value.size() == 2)
    return std::vector<std::string>{"CAS", key, invoke.value[0].dump(), invoke.value[1].dump()};
  return std::nullopt;
}

Op register_completion(const Op& invoke, const RespOutcome& o) {
  if (o.kind != RespOutcome::Kind::kReply) return complete_without_reply(invoke, o);
  if (invoke.f == "read") {
    if (o.reply.kind != RespReply::Kind::kString && o.reply.kind != RespReply::Kind::kNil)
      return complete_unexpected(invoke, o, true);  // a read changes nothing
    return complete_ok(invoke, o, reply_value(o.reply));
  }
  if (invoke.f == "write") {
    if (o.reply.kind != RespReply::Kind::kString) return complete_unexpected(invoke, o, false);
    return complete_ok(invoke, o, invoke.value);
  }
  if (o.reply.kind == RespReply::Kind::kInteger && o.reply.text == "1")
    return complete_ok(invoke, o, invoke.value);
  if (o.reply.kind == RespReply::Kind::kInteger && o.reply.text == "0") {
    Op c = invoke.complete(EventType::kFail, invoke.value);  // did not swap: no effect
    c.error = "cas mismatch";
    c.node = o.node;
    return c;
  }
  return complete_unexpected(invoke, o, false);
}

class RegisterClient : public Client {
 public:
  explicit RegisterClient(const ClientContext& context) : session_(context) {}

  Op invoke(const Op& invoke) override {
    const std::optional<std::vector<std::string>> command = register_command(invoke);
    if (!command) return cannot_run(invoke, "register");
    return register_completion(invoke, session_.call(*command, session_.deadline()));
  }

 private:
  RespSession session_;
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
  out->client = [](const ClientContext& c) { return std::make_unique<RegisterClient>(c); };
  out->resp_ops = {register_command, register_completion};
  out->checkers.clear();
  out->checkers.push_back(make_checker("register"));
  out->needs_cas = cas;
  return Status::ok();
}

}  // namespace faultline
