// set: adds of unique integers, then one read of the whole set after the
// faults are healed (Jepsen's set workload). On a target without sets (or
// that speaks another protocol than RESP), each element is a key of its own
// and the read looks them all up.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>

#include "workloads/kv_session.h"
#include "workloads/resp_session.h"
#include "workloads/workload.h"

namespace faultline {
namespace {

constexpr const char* kSetKey = "set";

std::string element_key(int64_t element) { return fmt::format("set:{}", element); }


// SADD / SMEMBERS of one RESP set.
class SetClient : public Client {
 public:
  explicit SetClient(const ClientContext& context) : session_(context) {}

  Op invoke(const Op& invoke) override {
    const auto deadline = session_.deadline();
    if (invoke.f == "add" && invoke.value.is_number_integer()) {
      const RespOutcome o = session_.call({"SADD", kSetKey, invoke.value.dump()}, deadline);
      if (o.kind != RespOutcome::Kind::kReply) return complete_without_reply(invoke, o);
      return o.reply.kind == RespReply::Kind::kInteger ? complete_ok(invoke, o, invoke.value)
                                                       : complete_unexpected(invoke, o, false);
    }
    if (invoke.f == "read") {
      const RespOutcome o = session_.call({"SMEMBERS", kSetKey}, deadline);
      if (o.kind != RespOutcome::Kind::kReply) return complete_without_reply(invoke, o);
      if (o.reply.kind != RespReply::Kind::kArray) return complete_unexpected(invoke, o, true);
      nlohmann::json elements = nlohmann::json::array();
      for (const RespReply& member : o.reply.elements) elements.push_back(reply_value(member));
      std::sort(elements.begin(), elements.end());
      return complete_ok(invoke, o, std::move(elements));
    }
    return cannot_run(invoke, "set");
  }

 private:
  RespSession session_;
};

// Each element a key of its own ("set:N" = 1), through the target's
// KvSession (any protocol): for targets without sets.
class KeySetClient : public Client {
 public:
  // `highest`: the highest element any client of this run tried to add,
  // shared by the clients of one factory: what the read looks up.
  KeySetClient(const ClientContext& context, const ClientProtocol& protocol,
               std::shared_ptr<std::atomic<int64_t>> highest)
      : session_(make_kv_session(protocol, context)),
        timeout_(context.timeout),
        highest_(std::move(highest)) {}

  Op invoke(const Op& invoke) override {
    if (invoke.f == "add" && invoke.value.is_number_integer()) {
      const int64_t element = invoke.value.get<int64_t>();
      int64_t seen = highest_->load();
      while (seen < element && !highest_->compare_exchange_weak(seen, element)) {
      }
      return complete_kv(
          invoke, session_->write(element_key(element), 1, KvSession::Clock::now() + timeout_),
          invoke.value);
    }
    if (invoke.f == "read") return read(invoke);
    return cannot_run(invoke, "set");
  }

 private:
  // Every element key up to the highest element added, one read each: an
  // element is in the set when its key exists. Not atomic, and need not be:
  // the set checker asks of the final read only that it hold every add
  // completed before it began (docs/checkers.md). A read that fails fails
  // the whole read (the final generator tries again).
  Op read(const Op& invoke) {
    nlohmann::json elements = nlohmann::json::array();
    KvOutcome o;
    for (int64_t e = 0, highest = highest_->load(); e <= highest; ++e) {
      o = session_->read(element_key(e), KvSession::Clock::now() + timeout_);
      if (o.kind != KvOutcome::Kind::kOk) return complete_kv(invoke, o, nullptr);
      if (!o.value.is_null()) elements.push_back(e);
    }
    return complete_kv(invoke, o, std::move(elements));
  }

  std::unique_ptr<KvSession> session_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<std::atomic<int64_t>> highest_;
};

}  // namespace

Status make_set_workload(const WorkloadOptions& options, Workload* out) {
  auto next = std::make_shared<int64_t>(0);
  out->generator = gen::from_fn(
      [next](const Context&) -> std::optional<Op> { return gen::op("add", (*next)++); });
  out->final_generator = until_ok(gen::op("read"), 10, std::chrono::seconds(1));
  if (options.target.sets && options.protocol.kind == ClientProtocol::Kind::kResp) {
    out->client = [](const ClientContext& c) { return std::make_unique<SetClient>(c); };
  } else {
    auto highest = std::make_shared<std::atomic<int64_t>>(-1);
    out->client = [protocol = options.protocol, highest](const ClientContext& c) {
      return std::make_unique<KeySetClient>(c, protocol, highest);
    };
  }
  out->checkers.clear();
  out->checkers.push_back(make_checker("set"));
  out->needs_cas = false;
  return Status::ok();
}

}  // namespace faultline
