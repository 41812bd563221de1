// The checker interface: a checker reads a whole history and returns a
// verdict with its evidence. Like Jepsen's checkers, each is small and pure:
// it never touches the network, files or clocks other than its budget.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

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

// Budgets: a checker that exceeds one stops and answers kUnknown.
struct CheckOptions {
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  uint64_t max_memory_bytes = UINT64_MAX;  // for the checker's own search state
  unsigned threads = 0;                    // 0: one per hardware thread
  // Off: the linearizability search runs as plain WGL with a bit per op, like
  // Porcupine (no info-op symmetry, no dominance pruning). For benchmarks.
  bool optimizations = true;
  // How often the linearizability search may get stuck without progress
  // before it tries to show the key invalid from a window of ops instead
  // (linear_search.h, set_prover). Tests lower it to exercise that path.
  uint32_t prove_after = 1000;
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

// The checker for a model name: "register", "kv", "set", "counter", "bank".
// Returns nullptr for an unknown name.
std::unique_ptr<Checker> make_checker(std::string_view model);
// Names accepted by make_checker, for usage messages.
std::vector<std::string> checker_models();

}  // namespace faultline
