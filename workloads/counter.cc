// counter: increments by small positive amounts and reads (Jepsen's counter
// workload), on one key.
#include <fmt/format.h>

#include "workloads/resp_session.h"
#include "workloads/workload.h"

namespace faultline {
namespace {

constexpr const char* kCounterKey = "counter";

class CounterClient : public Client {
 public:
  explicit CounterClient(const ClientContext& context) : session_(context) {}

  Op invoke(const Op& invoke) override {
    const auto deadline = session_.deadline();
    if (invoke.f == "add" && invoke.value.is_number_integer()) {
      const RespOutcome o = session_.call({"INCRBY", kCounterKey, invoke.value.dump()}, deadline);
      if (o.kind != RespOutcome::Kind::kReply) return complete_without_reply(invoke, o);
      if (o.reply.kind != RespReply::Kind::kInteger) return complete_unexpected(invoke, o, false);
      return complete_ok(invoke, o, invoke.value);
    }
    if (invoke.f == "read") {
      const RespOutcome o = session_.call({"GET", kCounterKey}, deadline);
      if (o.kind != RespOutcome::Kind::kReply) return complete_without_reply(invoke, o);
      if (o.reply.kind == RespReply::Kind::kNil) return complete_ok(invoke, o, 0);  // never added
      if (o.reply.kind != RespReply::Kind::kString) return complete_unexpected(invoke, o, true);
      return complete_ok(invoke, o, reply_value(o.reply));
    }
    return cannot_run(invoke, "counter");
  }

 private:
  RespSession session_;
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
  out->client = [](const ClientContext& c) { return std::make_unique<CounterClient>(c); };
  out->checkers.clear();
  out->checkers.push_back(make_checker("counter"));
  out->needs_cas = false;
  return Status::ok();
}

}  // namespace faultline
