// counter: increments by small positive amounts and reads (Jepsen's counter
// workload), on one key.
#include <fmt/format.h>

#include "workloads/workload.h"

namespace faultline {
namespace {

constexpr const char* kCounterKey = "counter";

// Counter ops as requests: add to the key, or read it.
std::optional<KvRequest> counter_request(const Op& invoke) {
  if (invoke.f == "add" && invoke.value.is_number_integer())
    return KvRequest{
        .kind = KvRequest::Kind::kAdd, .key = kCounterKey, .value = invoke.value.get<int64_t>()};
  if (invoke.f == "read") return KvRequest{.kind = KvRequest::Kind::kRead, .key = kCounterKey};
  return std::nullopt;
}

KvStep counter_completion(const Op& invoke, const KvRequest&, const KvOutcome& o) {
  if (invoke.f == "add") return complete_kv(invoke, o, invoke.value);
  if (o.kind == KvOutcome::Kind::kOk && !o.value.is_null() && !o.value.is_number_integer()) {
    Op c = invoke.complete(EventType::kFail, nullptr);  // a read changes nothing
    c.error = fmt::format("unexpected reply: {}", o.value.dump());
    c.node = o.node;
    return c;
  }
  return complete_kv(invoke, o, o.value.is_null() ? nlohmann::json(0) : o.value);  // 0: never added
}

}  // namespace

Status make_counter_workload(const WorkloadOptions& options, Workload* out) {
  if (!options.target.increments)
    return Status::invalid_argument("counter: expected a target with INCRBY");
  // Adds of 1..5 and reads, in equal parts.
  out->generator = gen::from_fn([](const Context& ctx) -> std::optional<Op> {
    if (std::uniform_int_distribution<int>(0, 1)(ctx.rng()) == 0) return gen::op("read");
    return gen::op("add", std::uniform_int_distribution<int>(1, 5)(ctx.rng()));
  });
  out->final_generator = until_ok(gen::op("read"), 10, std::chrono::seconds(1));
  out->kv_ops = {counter_request, counter_completion};
  out->client = kv_ops_client("counter", out->kv_ops, options.protocol);
  out->checkers.clear();
  out->checkers.push_back(make_checker("counter"));
  out->needs_cas = false;
  return Status::ok();
}

}  // namespace faultline
