// list-append and rw-register: transactions of writes and reads over a few
// keys at a time (Jepsen's append and wr workloads, checked by Elle), each
// one MULTI/EXEC. list-append: an append is APPEND of "<element>," to the
// key's string and a read is a GET whose string "1,2,3," is the list [1, 2,
// 3]. rw-register: a write is SET of the value, a read a GET. Every element
// or value is written once, so a read names the writes it saw and the
// checkers (checkers/txn_checker.h) can find the isolation anomalies.
#include <fmt/format.h>

#include <charconv>

#include "workloads/workload.h"

namespace faultline {
namespace {

constexpr int kActiveKeys = 5;     // keys in use at a time
constexpr int kWritesPerKey = 32;  // writes after which a key is retired for a fresh one
constexpr int kMaxMops = 4;        // micro-operations per transaction: 1..4

// The RESP key of a transaction key: "append:7" or "wr:7".
std::string resp_key(bool list_append, int64_t key) {
  return fmt::format("{}:{}", list_append ? "append" : "wr", key);
}

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

// A transaction as one MULTI/EXEC request of its micro-operations; nullopt
// if the op is not a transaction of this workload.
std::optional<KvRequest> txn_request(bool list_append, const Op& invoke) {
  if (invoke.f != "txn" || !invoke.value.is_array() || invoke.value.empty()) return std::nullopt;
  std::vector<std::vector<std::string>> commands;
  for (const nlohmann::json& m : invoke.value) {
    if (!m.is_array() || m.size() != 3 || !m[1].is_number_integer()) return std::nullopt;
    const std::string key = resp_key(list_append, m[1].get<int64_t>());
    if (m[0] == (list_append ? "append" : "w") && m[2].is_number_integer()) {
      commands.push_back(list_append ? std::vector<std::string>{"APPEND", key, m[2].dump() + ","}
                                     : std::vector<std::string>{"SET", key, m[2].dump()});
    } else if (m[0] == "r") {
      commands.push_back({"GET", key});
    } else {
      return std::nullopt;
    }
  }
  return KvRequest::transaction(std::move(commands));
}

// The transaction's completion: ok with its reads filled in from EXEC's
// array. A reply of another shape: info, as its writes may have happened.
KvStep txn_completion(bool list_append, const Op& invoke, const KvRequest& request,
                      const KvOutcome& o) {
  if (o.kind != KvOutcome::Kind::kOk) return complete_kv(invoke, o, nullptr);
  const std::vector<std::vector<std::string>>& commands = request.commands;
  if (o.reply.kind != RespReply::Kind::kArray || o.reply.elements.size() != commands.size())
    return complete_unexpected(invoke, o, false);
  nlohmann::json result = invoke.value;
  for (size_t i = 0; i < commands.size(); ++i) {
    const RespReply& r = o.reply.elements[i];
    if (commands[i][0] == "APPEND") {
      if (r.kind != RespReply::Kind::kInteger) return complete_unexpected(invoke, o, false);
    } else if (commands[i][0] == "SET") {
      if (r.kind != RespReply::Kind::kString) return complete_unexpected(invoke, o, false);
    } else if (!list_append) {
      result[i][2] = reply_value(r);
      if (!result[i][2].is_null() && !result[i][2].is_number_integer())
        return complete_unexpected(invoke, o, false);
    } else if (r.kind == RespReply::Kind::kNil) {
      result[i][2] = nlohmann::json::array();
    } else if (r.kind != RespReply::Kind::kString || !parse_list(r.text, &result[i][2])) {
      return complete_unexpected(invoke, o, false);
    }
  }
  return complete_kv(invoke, o, std::move(result));
}

// Which keys are in use and how far each has got; shared by the
// generator's copies, like the set workload's counter.
struct KeySpace {
  int64_t slots[kActiveKeys];
  int writes[kActiveKeys] = {};
  int64_t next_key = kActiveKeys;
  int64_t next_value = 1;
  KeySpace() {
    for (int i = 0; i < kActiveKeys; ++i) slots[i] = i;
  }
};

// Transactions of 1..kMaxMops reads and writes (equal odds) on the keys in
// use; every write a value of its own.
GenPtr txn_generator(bool list_append) {
  auto keys = std::make_shared<KeySpace>();
  return gen::from_fn([keys, list_append](const Context& ctx) -> std::optional<Op> {
    nlohmann::json mops = nlohmann::json::array();
    const int n = std::uniform_int_distribution<int>(1, kMaxMops)(ctx.rng());
    for (int i = 0; i < n; ++i) {
      const int slot = std::uniform_int_distribution<int>(0, kActiveKeys - 1)(ctx.rng());
      const int64_t key = keys->slots[slot];
      if (std::uniform_int_distribution<int>(0, 1)(ctx.rng()) == 0) {
        mops.push_back({"r", key, nullptr});
        continue;
      }
      mops.push_back({list_append ? "append" : "w", key, keys->next_value++});
      if (++keys->writes[slot] == kWritesPerKey) {
        keys->slots[slot] = keys->next_key++;
        keys->writes[slot] = 0;
      }
    }
    return gen::op("txn", std::move(mops));
  });
}

Status make_txn_workload(bool list_append, const WorkloadOptions& options, Workload* out) {
  const char* name = list_append ? "list-append" : "rw-register";
  if (!options.target.transactions)
    return Status::invalid_argument(fmt::format("{}: expected a target with MULTI/EXEC", name));
  out->generator = txn_generator(list_append);
  out->final_generator = nullptr;
  out->kv_ops = {[list_append](const Op& invoke) { return txn_request(list_append, invoke); },
                 [list_append](const Op& invoke, const KvRequest& request, const KvOutcome& o) {
                   return txn_completion(list_append, invoke, request, o);
                 }};
  out->client = kv_ops_client(name, out->kv_ops, options.protocol);
  out->checkers.clear();
  out->checkers.push_back(make_checker(name));
  out->needs_cas = false;
  return Status::ok();
}

}  // namespace

Status make_list_append_workload(const WorkloadOptions& options, Workload* out) {
  return make_txn_workload(true, options, out);
}

Status make_rw_register_workload(const WorkloadOptions& options, Workload* out) {
  return make_txn_workload(false, options, out);
}

}  // namespace faultline
