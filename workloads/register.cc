// register: linearizable read/write/cas registers on independent keys
// (Jepsen's linearizable-register over jepsen.independent).
#include <fmt/format.h>

#include "workloads/workload.h"

namespace faultline {
namespace {

constexpr int kValues = 5;  // values are 0..4: small, so that reads often match cas

// A register op as a request: read, write or cas of the key's register.
std::optional<KvRequest> register_request(const Op& invoke) {
  // dump() writes an integer as to_string() does, at several times the cost.
  const std::string key =
      "register:" + (invoke.key.is_number_integer() ? std::to_string(invoke.key.get<int64_t>())
                                                    : invoke.key.dump());
  if (invoke.f == "read") return KvRequest{.kind = KvRequest::Kind::kRead, .key = key};
  if (invoke.f == "write" && invoke.value.is_number_integer())
    return KvRequest{
        .kind = KvRequest::Kind::kWrite, .key = key, .value = invoke.value.get<int64_t>()};
  if (invoke.f == "cas" && invoke.value.is_array() && invoke.value.size() == 2 &&
      invoke.value[0].is_number_integer() && invoke.value[1].is_number_integer())
    return KvRequest{.kind = KvRequest::Kind::kCas,
                     .key = key,
                     .value = invoke.value[1].get<int64_t>(),
                     .expected = invoke.value[0].get<int64_t>()};
  return std::nullopt;
}

KvStep register_completion(const Op& invoke, const KvRequest&, const KvOutcome& o) {
  if (invoke.f == "read") return complete_kv(invoke, o, o.value);
  if (invoke.f == "cas" && o.kind == KvOutcome::Kind::kOk && o.value == false) {
    Op c = invoke.complete(EventType::kFail, invoke.value);  // did not swap: no effect
    c.error = "cas mismatch";
    c.node = o.node;
    return c;
  }
  return complete_kv(invoke, o, invoke.value);
}

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
  out->kv_ops = {register_request, register_completion};
  out->client = kv_ops_client("register", out->kv_ops, options.protocol);
  out->checkers.clear();
  out->checkers.push_back(make_checker("register"));
  out->needs_cas = cas;
  return Status::ok();
}

}  // namespace faultline
