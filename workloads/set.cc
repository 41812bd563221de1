// set: adds of unique integers, then one read of the whole set after the
// faults are healed (Jepsen's set workload). On a target without sets, each
// element is a key of its own and the read looks them all up.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>

#include "workloads/resp_session.h"
#include "workloads/workload.h"

namespace faultline {
namespace {

constexpr const char* kSetKey = "set";
constexpr int64_t kGetChunk = 256;  // GETs per pipeline when elements are keys

std::string element_key(int64_t element) { return fmt::format("set:{}", element); }

class SetClient : public Client {
 public:
  // `highest`: the highest element any client of this run tried to add (for
  // a read of element keys), shared by the clients of one factory.
  SetClient(const ClientContext& context, bool sets, std::shared_ptr<std::atomic<int64_t>> highest)
      : session_(context), sets_(sets), highest_(std::move(highest)) {}

  Op invoke(const Op& invoke) override {
    const auto deadline = session_.deadline();
    if (invoke.f == "add" && invoke.value.is_number_integer()) {
      const int64_t element = invoke.value.get<int64_t>();
      int64_t seen = highest_->load();
      while (seen < element && !highest_->compare_exchange_weak(seen, element)) {
      }
      const RespOutcome o = sets_ ? session_.call({"SADD", kSetKey, invoke.value.dump()}, deadline)
                                  : session_.call({"SET", element_key(element), "1"}, deadline);
      if (o.kind != RespOutcome::Kind::kReply) return complete_without_reply(invoke, o);
      const bool expected = sets_ ? o.reply.kind == RespReply::Kind::kInteger
                                  : o.reply.kind == RespReply::Kind::kString;
      return expected ? complete_ok(invoke, o, invoke.value)
                      : complete_unexpected(invoke, o, false);
    }
    if (invoke.f == "read") return sets_ ? read_set(invoke, deadline) : read_keys(invoke, deadline);
    return cannot_run(invoke, "set");
  }

 private:
  Op read_set(const Op& invoke, RespSession::Clock::time_point deadline) {
    const RespOutcome o = session_.call({"SMEMBERS", kSetKey}, deadline);
    if (o.kind != RespOutcome::Kind::kReply) return complete_without_reply(invoke, o);
    if (o.reply.kind != RespReply::Kind::kArray) return complete_unexpected(invoke, o, true);
    nlohmann::json elements = nlohmann::json::array();
    for (const RespReply& member : o.reply.elements) elements.push_back(reply_value(member));
    std::sort(elements.begin(), elements.end());
    return complete_ok(invoke, o, std::move(elements));
  }

  // Every element key up to the highest element added, in pipelines of GETs
  // (all a target without sets may offer): an element is in the set when its
  // key exists. Not atomic, and need not be: the set checker asks of the
  // final read only that it hold every add completed before it began
  // (docs/checkers.md).
  Op read_keys(const Op& invoke, RespSession::Clock::time_point deadline) {
    const int64_t highest = highest_->load();
    nlohmann::json elements = nlohmann::json::array();
    RespOutcome o;
    for (int64_t first = 0; first <= highest; first += kGetChunk) {
      std::vector<std::vector<std::string>> gets;
      for (int64_t e = first; e <= highest && e < first + kGetChunk; ++e)
        gets.push_back({"GET", element_key(e)});
      o = session_.pipeline(gets, deadline);
      if (o.kind != RespOutcome::Kind::kReply) return complete_without_reply(invoke, o);
      for (size_t i = 0; i < o.reply.elements.size(); ++i) {
        if (o.reply.elements[i].kind != RespReply::Kind::kNil)
          elements.push_back(first + static_cast<int64_t>(i));
      }
    }
    return complete_ok(invoke, o, std::move(elements));
  }

  RespSession session_;
  bool sets_;
  std::shared_ptr<std::atomic<int64_t>> highest_;
};

}  // namespace

Status make_set_workload(const WorkloadOptions& options, Workload* out) {
  auto next = std::make_shared<int64_t>(0);
  out->generator = gen::from_fn(
      [next](const Context&) -> std::optional<Op> { return gen::op("add", (*next)++); });
  out->final_generator = until_ok(gen::op("read"), 10, std::chrono::seconds(1));
  const bool sets = options.target.sets;
  auto highest = std::make_shared<std::atomic<int64_t>>(-1);
  out->client = [sets, highest](const ClientContext& c) {
    return std::make_unique<SetClient>(c, sets, highest);
  };
  out->checkers.clear();
  out->checkers.push_back(make_checker("set"));
  out->needs_cas = false;
  return Status::ok();
}

}  // namespace faultline
