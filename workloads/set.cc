// set: adds of unique integers, then one read of the whole set after the
// faults are healed (Jepsen's set workload). On a target without sets (or
// that speaks another protocol than RESP), each element is a key of its own
// and the read looks them all up.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>

#include "workloads/workload.h"

namespace faultline {
namespace {

constexpr const char* kSetKey = "set";

std::string element_key(int64_t element) { return fmt::format("set:{}", element); }

// SADD / SMEMBERS of one RESP set.
KvOps resp_set_ops() {
  auto request = [](const Op& invoke) -> std::optional<KvRequest> {
    if (invoke.f == "add" && invoke.value.is_number_integer())
      return KvRequest::command({"SADD", kSetKey, invoke.value.dump()});
    if (invoke.f == "read") return KvRequest::command({"SMEMBERS", kSetKey});
    return std::nullopt;
  };
  auto complete = [](const Op& invoke, const KvRequest&, const KvOutcome& o) -> KvStep {
    if (o.kind != KvOutcome::Kind::kOk) return complete_kv(invoke, o, nullptr);
    if (invoke.f == "add") {
      return o.reply.kind == RespReply::Kind::kInteger ? complete_kv(invoke, o, invoke.value)
                                                       : complete_unexpected(invoke, o, false);
    }
    if (o.reply.kind != RespReply::Kind::kArray) return complete_unexpected(invoke, o, true);
    nlohmann::json elements = nlohmann::json::array();
    for (const RespReply& member : o.reply.elements) elements.push_back(reply_value(member));
    std::sort(elements.begin(), elements.end());
    return complete_kv(invoke, o, std::move(elements));
  };
  return {request, complete};
}

// Each element a key of its own ("set:N" = 1), through the target's
// KvSession (any protocol): for targets without sets. A read looks up every
// element key up to the highest element any client of this run tried to add
// (`highest`, shared by the clients of one workload), one read each: an
// element is in the set when its key exists. Not atomic, and need not be:
// the set checker asks of the final read only that it hold every add
// completed before it began (docs/checkers.md). A read that fails fails the
// whole read (the final generator tries again).
KvOps key_set_ops() {
  auto highest = std::make_shared<std::atomic<int64_t>>(-1);
  auto read_element = [](int64_t element, int64_t last, nlohmann::json found) {
    KvRequest r{.kind = KvRequest::Kind::kRead, .key = element_key(element)};
    r.carry = {{"element", element}, {"last", last}, {"found", std::move(found)}};
    return r;
  };
  auto request = [highest, read_element](const Op& invoke) -> std::optional<KvRequest> {
    if (invoke.f == "add" && invoke.value.is_number_integer()) {
      const int64_t element = invoke.value.get<int64_t>();
      int64_t seen = highest->load();
      while (seen < element && !highest->compare_exchange_weak(seen, element)) {
      }
      return KvRequest{.kind = KvRequest::Kind::kWrite, .key = element_key(element), .value = 1};
    }
    if (invoke.f == "read") return read_element(0, highest->load(), nlohmann::json::array());
    return std::nullopt;
  };
  auto complete = [read_element](const Op& invoke, const KvRequest& r,
                                 const KvOutcome& o) -> KvStep {
    if (invoke.f == "add" || o.kind != KvOutcome::Kind::kOk)
      return complete_kv(invoke, o, invoke.f == "add" ? invoke.value : nullptr);
    const int64_t element = r.carry["element"].get<int64_t>();
    const int64_t last = r.carry["last"].get<int64_t>();
    nlohmann::json found = r.carry["found"];
    if (!o.value.is_null() && element <= last) found.push_back(element);
    if (element >= last) return complete_kv(invoke, o, std::move(found));
    return read_element(element + 1, last, std::move(found));
  };
  return {request, complete};
}

}  // namespace

Status make_set_workload(const WorkloadOptions& options, Workload* out) {
  auto next = std::make_shared<int64_t>(0);
  out->generator = gen::from_fn(
      [next](const Context&) -> std::optional<Op> { return gen::op("add", (*next)++); });
  out->final_generator = until_ok(gen::op("read"), 10, std::chrono::seconds(1));
  const bool resp_sets =
      options.target.sets && options.protocol.kind == ClientProtocol::Kind::kResp;
  out->kv_ops = resp_sets ? resp_set_ops() : key_set_ops();
  out->client = kv_ops_client("set", out->kv_ops, options.protocol);
  out->checkers.clear();
  out->checkers.push_back(make_checker("set"));
  out->needs_cas = false;
  return Status::ok();
}

}  // namespace faultline
