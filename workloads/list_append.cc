// list-append: transactions of appends and reads over a few keys at a time
// (Jepsen's append workload, checked by Elle): each is one MULTI/EXEC, an
// append is APPEND of "<element>," to the key's string and a read is a GET
// whose string "1,2,3," is the list [1, 2, 3]. Every element is appended
// once, so a read names every append it saw, in order, and the list-append
// checker (checkers/txn_checker.h) can find the isolation anomalies.
#include <fmt/format.h>

#include <charconv>

#include "workloads/resp_session.h"
#include "workloads/workload.h"

namespace faultline {
namespace {

constexpr int kActiveKeys = 5;      // keys in use at a time
constexpr int kAppendsPerKey = 32;  // appends after which a key is retired for a fresh one
constexpr int kMaxMops = 4;         // micro-operations per transaction: 1..4

std::string list_key(int64_t key) { return fmt::format("append:{}", key); }

// "1,2,3," -> [1, 2, 3]; false if the text is not that.
bool parse_list(const std::string& text, nlohmann::json* out) {
  *out = nlohmann::json::array();
  const char* p = text.data();
  const char* end = p + text.size();
  while (p != end) {
    int64_t element = 0;
    const auto r = std::from_chars(p, end, element);
    if (r.ec != std::errc() || r.ptr == end || *r.ptr != ',') return false;
    out->push_back(element);
    p = r.ptr + 1;
  }
  return true;
}

class ListAppendClient : public Client {
 public:
  explicit ListAppendClient(const ClientContext& context) : session_(context) {}

  Op invoke(const Op& invoke) override {
    const auto deadline = session_.deadline();
    std::vector<std::vector<std::string>> commands;
    if (invoke.f == "txn" && invoke.value.is_array()) {
      for (const nlohmann::json& m : invoke.value) {
        if (!m.is_array() || m.size() != 3 || !m[1].is_number_integer()) break;
        if (m[0] == "append" && m[2].is_number_integer()) {
          commands.push_back({"APPEND", list_key(m[1].get<int64_t>()), m[2].dump() + ","});
        } else if (m[0] == "r") {
          commands.push_back({"GET", list_key(m[1].get<int64_t>())});
        } else {
          break;
        }
      }
    }
    if (commands.empty() || commands.size() != invoke.value.size()) {
      Op c = invoke.complete(EventType::kFail, nullptr);
      c.error = fmt::format("list-append client: cannot {} {}", invoke.f, invoke.value.dump());
      return c;
    }
    const RespOutcome o = session_.transaction(commands, deadline);
    if (o.kind != RespOutcome::Kind::kReply) return complete_without_reply(invoke, o);
    if (o.reply.kind != RespReply::Kind::kArray || o.reply.elements.size() != commands.size())
      return complete_unexpected(invoke, o, false);
    nlohmann::json result = invoke.value;
    for (size_t i = 0; i < commands.size(); ++i) {
      const RespReply& r = o.reply.elements[i];
      if (commands[i][0] == "APPEND") {
        if (r.kind != RespReply::Kind::kInteger) return complete_unexpected(invoke, o, false);
      } else if (r.kind == RespReply::Kind::kNil) {
        result[i][2] = nlohmann::json::array();
      } else if (r.kind != RespReply::Kind::kString || !parse_list(r.text, &result[i][2])) {
        return complete_unexpected(invoke, o, false);  // its appends may have happened
      }
    }
    return complete_ok(invoke, o, std::move(result));
  }

 private:
  RespSession session_;
};

// Which keys are in use and how far each has got; shared by the
// generator's copies, like the set workload's counter.
struct KeySpace {
  int64_t slots[kActiveKeys];
  int appends[kActiveKeys] = {};
  int64_t next_key = kActiveKeys;
  int64_t next_element = 1;
  KeySpace() {
    for (int i = 0; i < kActiveKeys; ++i) slots[i] = i;
  }
};

}  // namespace

Status make_list_append_workload(const WorkloadOptions& options, Workload* out) {
  if (!options.target.transactions)
    return Status::invalid_argument("list-append: expected a target with MULTI/EXEC");
  auto keys = std::make_shared<KeySpace>();
  out->generator = gen::from_fn([keys](const Context& ctx) -> std::optional<Op> {
    nlohmann::json mops = nlohmann::json::array();
    const int n = std::uniform_int_distribution<int>(1, kMaxMops)(ctx.rng());
    for (int i = 0; i < n; ++i) {
      const int slot = std::uniform_int_distribution<int>(0, kActiveKeys - 1)(ctx.rng());
      const int64_t key = keys->slots[slot];
      if (std::uniform_int_distribution<int>(0, 1)(ctx.rng()) == 0) {
        mops.push_back({"r", key, nullptr});
        continue;
      }
      mops.push_back({"append", key, keys->next_element++});
      if (++keys->appends[slot] == kAppendsPerKey) {
        keys->slots[slot] = keys->next_key++;
        keys->appends[slot] = 0;
      }
    }
    return gen::op("txn", std::move(mops));
  });
  out->final_generator = nullptr;
  out->client = [](const ClientContext& c) { return std::make_unique<ListAppendClient>(c); };
  out->checkers.clear();
  out->checkers.push_back(make_checker("list-append"));
  out->needs_cas = false;
  return Status::ok();
}

}  // namespace faultline
