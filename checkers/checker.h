// The checker interface: a checker reads a whole history and returns a
// verdict with its evidence. Like Jepsen's checkers, each is small and pure:
// it never touches the network, files or clocks other than its budget.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "history/history.h"

namespace faultline {

// Ordered from best to worst: a set of results is as bad as its worst one.
enum class Verdict { kValid = 0, kUnknown = 1, kInvalid = 2 };

std::string_view to_string(Verdict v);
Verdict worst(Verdict a, Verdict b);

// A specific thing that went wrong, for people and for the store.
struct Anomaly {
  std::string kind;         // e.g. "nonlinearizable", "lost", "unexpected", "negative-balance"
  std::string key;          // the key it concerns, "" if none
  std::string description;  // one sentence a person can act on
  nlohmann::json evidence;  // the ops and values involved
};

struct CheckResult {
  std::string checker;  // "linearizable", "set", "counter", "bank"
  Verdict verdict = Verdict::kValid;
  std::string summary;  // one line, e.g. "valid: 1000 ops on 10 keys"
  std::vector<Anomaly> anomalies;
  nlohmann::json details = nlohmann::json::object();  // everything else (stats, witnesses)
  // Set when the history's values do not fit the model ("file:line: expected
  // ..."); the verdict is then kUnknown and the CLI exits 65.
  std::string input_error;

  nlohmann::json to_json() const;
};

enum class SearchStrategy { kPortfolio, kOptimized, kPlain };
std::string_view to_string(SearchStrategy s);

// What the transactional checkers (list-append, rw-register) hold a history
// to, strongest first: which anomalies make it invalid (docs/checkers.md).
enum class ConsistencyModel {
  kStrictSerializable,
  kSerializable,
  kSnapshotIsolation,
  kReadCommitted
};
std::string_view to_string(ConsistencyModel m);
// The model named `name` ("strict-serializable", ...); false if none is.
bool parse_consistency_model(std::string_view name, ConsistencyModel* out);

// Budgets: a checker that exceeds one stops and answers kUnknown.
struct CheckOptions {
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // The check's memory: what was held before it (memory_baseline: the
  // parsed history, the program) plus what its searches hold may not pass
  // max_memory_bytes.
  uint64_t max_memory_bytes = UINT64_MAX;
  uint64_t memory_baseline = 0;
  unsigned threads = 0;  // 0: one per hardware thread
  // How the linearizability search runs (linear_search.h). kPlain is WGL
  // with a memo of (ops linearized, state), like Porcupine; kOptimized adds
  // info-op symmetry, dominance pruning, reads first and the invalidity
  // shortcut; kPortfolio, the default, runs both side by side on each key
  // (plain with twice the steps) and takes the first answer, so it is never
  // far behind plain whatever the history's shape.
  SearchStrategy search = SearchStrategy::kPortfolio;
  // The minimal-core phase's own budget (within `deadline`): the verdict is
  // known before it starts; past it, the core found so far is reported as
  // not minimal yet.
  std::chrono::steady_clock::duration core_timeout = std::chrono::seconds(5);
  // Called with the verdict as soon as the search has it, before the
  // minimal-core phase (which may take up to core_timeout); the final
  // result adds the cores. Null: not called.
  std::function<void(const CheckResult&)> on_verdict;
  // How often the linearizability search may get stuck without progress
  // before it tries to show the key invalid from a window of ops instead
  // (linear_search.h, set_prover). Tests lower it to exercise that path.
  uint32_t prove_after = 1000;
  // The transactional checkers only: the isolation level to check.
  ConsistencyModel consistency_model = ConsistencyModel::kStrictSerializable;
};

class Checker {
 public:
  virtual ~Checker() = default;
  virtual std::string name() const = 0;
  // `ops` are history's operations as paired by pair_operations.
  virtual CheckResult check(const History& history, const std::vector<Operation>& ops,
                            const CheckOptions& options) const = 0;
};

// An operation as evidence: {"process", "f", "type" (ok, fail, info or
// pending), "line", "index", "time", "completion_line", "completion_index",
// "completion_time"} and, with `with_values`, "value" (the invoke's) and
// "result" (the completion's). Completion fields are null for a pending
// operation, times null when the history has none. Leave values out where
// they can be huge (a set's read).
nlohmann::json op_evidence(const History& history, const Operation& op, bool with_values = true);

// The checker for a model name: "register", "kv", "set", "counter", "bank",
// "list-append", "rw-register".
// Returns nullptr for an unknown name.
std::unique_ptr<Checker> make_checker(std::string_view model);
// Names accepted by make_checker, for usage messages.
std::vector<std::string> checker_models();

}  // namespace faultline
