// counter: increments by small positive amounts and reads (Jepsen's counter
// workload), on one key.
#include <fmt/format.h>

#include "workloads/kv_session.h"
#include "workloads/workload.h"

namespace faultline {
namespace {

constexpr const char* kCounterKey = "counter";

class CounterClient : public Client {
 public:
  CounterClient(const ClientContext& context, const ClientProtocol& protocol)
      : session_(make_kv_session(protocol, context)), timeout_(context.timeout) {}

  Op invoke(const Op& invoke) override {
    const auto deadline = KvSession::Clock::now() + timeout_;
    if (invoke.f == "add" && invoke.value.is_number_integer())
      return complete_kv(invoke, session_->add(kCounterKey, invoke.value.get<int64_t>(), deadline),
                         invoke.value);
    if (invoke.f == "read") {
      const KvOutcome o = session_->read(kCounterKey, deadline);
      if (o.kind == KvOutcome::Kind::kOk && !o.value.is_null() && !o.value.is_number_integer()) {
        Op c = invoke.complete(EventType::kFail, nullptr);  // a read changes nothing
        c.error = fmt::format("unexpected reply: {}", o.value.dump());
        c.node = o.node;
        return c;
      }
      return complete_kv(invoke, o,
                         o.value.is_null() ? nlohmann::json(0) : o.value);  // 0: never added
    }
    Op c = invoke.complete(EventType::kFail, nullptr);
    c.error = fmt::format("counter client: cannot {} {}", invoke.f, invoke.value.dump());
    return c;
  }

 private:
  std::unique_ptr<KvSession> session_;
  std::chrono::milliseconds timeout_;
};

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
  out->client = [protocol = options.protocol](const ClientContext& c) {
    return std::make_unique<CounterClient>(c, protocol);
  };
  out->checkers.clear();
  out->checkers.push_back(make_checker("counter"));
  out->needs_cas = false;
  return Status::ok();
}

}  // namespace faultline
