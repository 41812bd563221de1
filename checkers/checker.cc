#include "checkers/checker.h"

#include <algorithm>

#include "checkers/bank_checker.h"
#include "checkers/counter_checker.h"
#include "checkers/linearizability.h"
#include "checkers/set_checker.h"
#include "checkers/txn_checker.h"

namespace faultline {

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::kValid: return "valid";
    case Verdict::kUnknown: return "unknown";
    case Verdict::kInvalid: return "invalid";
  }
  return "?";
}

std::string_view to_string(SearchStrategy s) {
  switch (s) {
    case SearchStrategy::kPortfolio: return "portfolio";
    case SearchStrategy::kOptimized: return "optimized";
    case SearchStrategy::kPlain: return "plain";
  }
  return "?";
}

std::string_view to_string(ConsistencyModel m) {
  switch (m) {
    case ConsistencyModel::kStrictSerializable: return "strict-serializable";
    case ConsistencyModel::kSerializable: return "serializable";
    case ConsistencyModel::kSnapshotIsolation: return "snapshot-isolation";
    case ConsistencyModel::kReadCommitted: return "read-committed";
  }
  return "?";
}

bool parse_consistency_model(std::string_view name, ConsistencyModel* out) {
  for (ConsistencyModel m :
       {ConsistencyModel::kStrictSerializable, ConsistencyModel::kSerializable,
        ConsistencyModel::kSnapshotIsolation, ConsistencyModel::kReadCommitted}) {
    if (to_string(m) == name) {
      *out = m;
      return true;
    }
  }
  return false;
}

Verdict worst(Verdict a, Verdict b) { return std::max(a, b); }

nlohmann::json CheckResult::to_json() const {
  nlohmann::json anomalies_json = nlohmann::json::array();
  for (const Anomaly& a : anomalies) {
    anomalies_json.push_back({{"kind", a.kind},
                              {"key", a.key},
                              {"description", a.description},
                              {"evidence", a.evidence}});
  }
  return {{"checker", checker}, {"verdict", to_string(verdict)},
          {"summary", summary}, {"anomalies", anomalies_json},
          {"details", details}, {"input_error", input_error}};
}

namespace {

nlohmann::json time_json(int64_t time) {
  return time < 0 ? nlohmann::json(nullptr) : nlohmann::json(time);
}

}  // namespace

nlohmann::json op_evidence(const History& history, const Operation& op, bool with_values) {
  const Event& inv = history.events[op.invoke];
  nlohmann::json out = {{"process", inv.process},
                        {"f", history.function_name(inv)},
                        {"type", op.pending() ? "pending" : to_string(op.type)},
                        {"line", inv.line},
                        {"index", inv.index},
                        {"time", time_json(inv.time)},
                        {"completion_line", nullptr},
                        {"completion_index", nullptr},
                        {"completion_time", nullptr}};
  if (with_values) {
    out["value"] = history.values.json(inv.value);
    out["result"] = nullptr;
  }
  if (!op.pending()) {
    const Event& done = history.events[op.completion];
    out["completion_line"] = done.line;
    out["completion_index"] = done.index;
    out["completion_time"] = time_json(done.time);
    if (with_values) out["result"] = history.values.json(done.value);
  }
  return out;
}

std::unique_ptr<Checker> make_checker(std::string_view model) {
  if (model == "register" || model == "kv") return make_linearizability_checker(model);
  if (model == "set") return std::make_unique<SetChecker>();
  if (model == "counter") return std::make_unique<CounterChecker>();
  if (model == "bank") return std::make_unique<BankChecker>();
  if (model == "list-append") return std::make_unique<ListAppendChecker>();
  if (model == "rw-register") return std::make_unique<RwRegisterChecker>();
  return nullptr;
}

std::vector<std::string> checker_models() {
  return {"register", "kv", "set", "counter", "bank", "list-append", "rw-register"};
}

}  // namespace faultline
