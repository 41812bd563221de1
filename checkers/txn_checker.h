// Elle-style transactional checkers: `--model list-append` and
// `--model rw-register`. Each infers from the history which transactions
// must precede which (write-write, write-read, read-write and, for
// strict-serializable, real-time dependencies), then looks for cycles in
// that graph (txn_graph.h) and for anomalies no order explains (aborted and
// intermediate reads, garbage, ...). Which anomalies make a history invalid
// depends on CheckOptions::consistency_model. docs/checkers.md,
// "Transactions", has the rules and the result fields.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "checkers/checker.h"
#include "checkers/txn_graph.h"
#include "checkers/txn_history.h"
#include "checkers/workload_support.h"

namespace faultline {

class ListAppendChecker : public Checker {
 public:
  std::string name() const override { return "list-append"; }
  CheckResult check(const History& history, const std::vector<Operation>& ops,
                    const CheckOptions& options) const override;
};

class RwRegisterChecker : public Checker {
 public:
  std::string name() const override { return "rw-register"; }
  CheckResult check(const History& history, const std::vector<Operation>& ops,
                    const CheckOptions& options) const override;
};

// rw-register: the version "nil" (never written) where a value is expected,
// in version keys and Edge::other. read_txns refuses this value in a history.
inline constexpr int64_t kNilValue = INT64_MIN;

// What the two checkers share: the graph they fill, the anomalies they find
// on the way, and turning both into a result.
class TxnAnalysis {
 public:
  TxnAnalysis(const History& history, const std::vector<Operation>& ops, const TxnHistory& txns,
              TxnModel model, const CheckOptions& options);

  const History& history() const { return history_; }
  const TxnHistory& txns() const { return txns_; }
  const Event& invoke(uint32_t txn) const {
    return history_.events[ops_[txns_.txns[txn].op].invoke];
  }
  // Adds a dependency edge; edges of failed transactions are dropped.
  void edge(uint32_t from, uint32_t to, EdgeKind kind, uint32_t key, int64_t value,
            int64_t other = 0);
  // An anomaly found outside the graph, concerning `txns`.
  // Anomalies the consistency model allows are only counted.
  void anomaly(std::string kind, uint32_t key, std::string description,
               const std::vector<uint32_t>& txns, nlohmann::json evidence = nullptr);
  // The history does not fit the model ("file:line: expected ..."); ends the check.
  void input_error(std::string error) { input_error_ = std::move(error); }
  // "the txn of process 0 at lines 3-4"
  std::string label(uint32_t txn) const;
  bool expired() { return out_of_time_ || (out_of_time_ = deadline_.expired()); }

  // Adds the real-time edges if the model asks for them, searches for
  // cycles and gives the verdict.
  CheckResult finish();

 private:
  std::string explain(const Edge& e, const std::string& from, const std::string& to) const;
  void add_cycle(const Cycle& cycle);
  void add_realtime_edges();
  bool prohibited(const std::string& kind) const;

  const History& history_;
  const std::vector<Operation>& ops_;
  const TxnHistory& txns_;
  TxnModel model_;
  const CheckOptions& options_;
  DeadlineWatch deadline_;
  TxnGraph graph_;
  AnomalyCollector anomalies_;
  std::map<std::string, uint64_t> prohibited_counts_, allowed_counts_;
  std::vector<std::string> explanations_;  // of the first few prohibited anomalies
  std::string input_error_;
  bool out_of_time_ = false;
};

// The model-specific halves: fill `analysis` with edges and anomalies.
void infer_list_append(TxnAnalysis* analysis);
void infer_rw_register(TxnAnalysis* analysis);

}  // namespace faultline
