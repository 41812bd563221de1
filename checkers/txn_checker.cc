#include "checkers/txn_checker.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "checkers/memory_budget.h"

namespace faultline {
namespace {

constexpr size_t kExplained = 3;  // anomalies spelled out in details["explanation"]

std::string value_text(int64_t v) { return v == kNilValue ? "nil" : std::to_string(v); }

CheckResult run(const History& history, const std::vector<Operation>& ops,
                const CheckOptions& options, TxnModel model, const char* name) {
  TxnHistory txns;
  DeadlineWatch deadline(options.deadline);
  bool out_of_time = false;
  if (std::string error = read_txns(history, ops, model, &deadline, &txns, &out_of_time);
      !error.empty())
    return input_error_result(name, std::move(error));
  if (out_of_time) return deadline_result(name);
  TxnAnalysis analysis(history, ops, txns, model, options);
  if (model == TxnModel::kListAppend) {
    infer_list_append(&analysis);
  } else {
    infer_rw_register(&analysis);
  }
  return analysis.finish();
}

}  // namespace

CheckResult ListAppendChecker::check(const History& history, const std::vector<Operation>& ops,
                                     const CheckOptions& options) const {
  return run(history, ops, options, TxnModel::kListAppend, "list-append");
}

CheckResult RwRegisterChecker::check(const History& history, const std::vector<Operation>& ops,
                                     const CheckOptions& options) const {
  return run(history, ops, options, TxnModel::kRwRegister, "rw-register");
}

TxnAnalysis::TxnAnalysis(const History& history, const std::vector<Operation>& ops,
                         const TxnHistory& txns, TxnModel model, const CheckOptions& options)
    : history_(history),
      ops_(ops),
      txns_(txns),
      model_(model),
      options_(options),
      deadline_(options.deadline),
      graph_(static_cast<uint32_t>(txns.txns.size())) {}

void TxnAnalysis::edge(uint32_t from, uint32_t to, EdgeKind kind, uint32_t key, int64_t value,
                       int64_t other) {
  if (txns_.txns[from].type == EventType::kFail || txns_.txns[to].type == EventType::kFail) return;
  graph_.add({from, to, kind, key, value, other});
}

std::string TxnAnalysis::label(uint32_t txn) const {
  const Operation& op = ops_[txns_.txns[txn].op];
  const Event& inv = history_.events[op.invoke];
  if (op.pending()) return fmt::format("the txn of process {} at line {}", inv.process, inv.line);
  return fmt::format("the txn of process {} at lines {}-{}", inv.process, inv.line,
                     history_.events[op.completion].line);
}

bool TxnAnalysis::prohibited(const std::string& kind) const {
  const ConsistencyModel m = options_.consistency_model;
  if (kind.find("-realtime") != std::string::npos)
    return m == ConsistencyModel::kStrictSerializable;
  if (kind == "G2-item")
    return m == ConsistencyModel::kStrictSerializable || m == ConsistencyModel::kSerializable;
  if (kind == "G-single") return m != ConsistencyModel::kReadCommitted;
  return true;  // G0, G1a, G1b, G1c, internal, incompatible-order, duplicate-elements, garbage
}

void TxnAnalysis::anomaly(std::string kind, uint32_t key, std::string description,
                          const std::vector<uint32_t>& txns, nlohmann::json evidence) {
  if (!prohibited(kind)) {
    ++allowed_counts_[kind];
    return;
  }
  ++prohibited_counts_[kind];
  if (explanations_.size() < kExplained) explanations_.push_back(kind + ": " + description);
  if (!evidence.is_object()) evidence = nlohmann::json::object();
  evidence["txns"] = nlohmann::json::array();
  for (uint32_t t : txns) evidence["txns"].push_back(op_evidence(history_, ops_[txns_.txns[t].op]));
  anomalies_.add(
      {std::move(kind), txns_.key_name(key), std::move(description), std::move(evidence)});
}

std::string TxnAnalysis::explain(const Edge& e, const std::string& a, const std::string& b) const {
  const std::string k = "key " + txns_.key_name(e.key);
  if (e.kind == kRt) {
    const Operation& from = ops_[txns_.txns[e.from].op];
    return fmt::format("{} completed (line {}) before {} was invoked (line {})", a,
                       history_.events[from.completion].line, b, invoke(e.to).line);
  }
  if (model_ == TxnModel::kListAppend) {
    switch (e.kind) {
      case kWw: return fmt::format("{} appended {} to {} after {}'s {}", b, e.value, k, a, e.other);
      case kWr: return fmt::format("{} read {}'s append of {} to {}", b, a, e.value, k);
      default: return fmt::format("{} read {} without {}'s append of {}", a, k, b, e.value);
    }
  }
  switch (e.kind) {
    case kWw: return fmt::format("{} wrote {} to {} after {}'s {}", b, e.value, k, a, e.other);
    case kWr: return fmt::format("{} read {} = {}, which {} wrote", b, k, e.value, a);
    default:
      return fmt::format("{} read {} = {}, which {} overwrote with {}", a, k, value_text(e.other),
                         b, e.value);
  }
}

void TxnAnalysis::add_cycle(const Cycle& cycle) {
  // Names the cycle's transactions T1, T2, ... in the order it visits them.
  std::vector<uint32_t> nodes;
  for (uint32_t i : cycle.edges) nodes.push_back(graph_.edges()[i].from);
  auto name = [&nodes](uint32_t txn) {
    return fmt::format("T{}", std::find(nodes.begin(), nodes.end(), txn) - nodes.begin() + 1);
  };
  std::string description = fmt::format("a cycle of {} transactions.", nodes.size());
  for (uint32_t t : nodes) description += fmt::format(" {} is {}.", name(t), label(t));
  nlohmann::json edges = nlohmann::json::array();
  for (uint32_t i : cycle.edges) {
    const Edge& e = graph_.edges()[i];
    const std::string why = explain(e, name(e.from), name(e.to));
    description +=
        fmt::format(" {} < {} ({}): {}.", name(e.from), name(e.to), edge_kind_name(e.kind), why);
    edges.push_back({{"from", name(e.from)},
                     {"to", name(e.to)},
                     {"kind", edge_kind_name(e.kind)},
                     {"key", e.kind == kRt ? "" : txns_.key_name(e.key)},
                     {"why", why}});
  }
  // The anomaly's key: its first dependency edge's (real time alone is
  // acyclic, so a cycle has one).
  uint32_t key = 0;
  for (auto it = cycle.edges.rbegin(); it != cycle.edges.rend(); ++it)
    if (graph_.edges()[*it].kind != kRt) key = graph_.edges()[*it].key;
  anomaly(cycle.kind, key, std::move(description), nodes, {{"cycle", std::move(edges)}});
}

void TxnAnalysis::add_realtime_edges() {
  // Real-time order, transitively reduced: each invoke gets an edge from the
  // "frontier", the ok transactions that completed before it and are not
  // already before another such one. An edge A < B is left out when A < C <
  // B, so there are about (invokes x concurrency) edges, not n^2.
  struct Point {
    uint32_t event, txn;
    bool completion;
  };
  std::vector<Point> points;
  for (uint32_t t = 0; t < txns_.txns.size(); ++t) {
    const Operation& op = ops_[txns_.txns[t].op];
    if (txns_.txns[t].type == EventType::kFail) continue;
    points.push_back({op.invoke, t, false});
    if (txns_.txns[t].type == EventType::kOk) points.push_back({op.completion, t, true});
  }
  std::sort(points.begin(), points.end(),
            [](const Point& a, const Point& b) { return a.event < b.event; });
  std::vector<uint32_t> frontier;
  std::vector<std::vector<uint32_t>> before(txns_.txns.size());  // frontier at each invoke
  std::vector<char> in_frontier(txns_.txns.size(), 0);
  for (const Point& p : points) {
    if (!p.completion) {
      for (uint32_t f : frontier) graph_.add({f, p.txn, kRt, 0, 0, 0});
      before[p.txn] = frontier;
      continue;
    }
    for (uint32_t f : before[p.txn]) in_frontier[f] = 0;
    std::vector<uint32_t>().swap(before[p.txn]);
    std::erase_if(frontier, [&](uint32_t f) { return !in_frontier[f]; });
    frontier.push_back(p.txn);
    in_frontier[p.txn] = 1;
  }
}

CheckResult TxnAnalysis::finish() {
  const char* checker = model_ == TxnModel::kListAppend ? "list-append" : "rw-register";
  if (!input_error_.empty()) return input_error_result(checker, input_error_);
  if (out_of_time_) return deadline_result(checker);
  const bool realtime = options_.consistency_model == ConsistencyModel::kStrictSerializable;
  if (realtime) add_realtime_edges();
  graph_.finish();
  uint64_t edge_counts[4] = {0, 0, 0, 0};
  for (const Edge& e : graph_.edges()) ++edge_counts[__builtin_ctz(e.kind)];
  CheckResult result;
  result.checker = checker;
  if (resident_bytes() > options_.max_memory_bytes) {
    result.verdict = Verdict::kUnknown;
    result.summary = fmt::format("out of memory (budget {} MB) with the dependency graph built",
                                 options_.max_memory_bytes >> 20);
    return result;
  }
  // The G-single search may try every rw edge of a component, each with a
  // breadth-first search: bounded by a multiple of the graph's size.
  const uint64_t work_budget = 20 * (graph_.nodes() + graph_.edges().size()) + 10'000'000;
  const CycleSearch search = find_cycles(graph_, realtime, work_budget, &deadline_);
  if (search.out_of_time) return deadline_result(checker);
  for (const Cycle& cycle : search.cycles) add_cycle(cycle);

  uint64_t ok = 0, info = 0, fail = 0;
  for (const Txn& t : txns_.txns) {
    ok += t.type == EventType::kOk;
    info += t.type == EventType::kInfo;
    fail += t.type == EventType::kFail;
  }
  result.details = {{"consistency_model", to_string(options_.consistency_model)},
                    {"ok_txns", ok},
                    {"info_txns", info},
                    {"failed_txns", fail},
                    {"keys", txns_.keys.size()},
                    {"edges",
                     {{"ww", edge_counts[0]},
                      {"wr", edge_counts[1]},
                      {"rw", edge_counts[2]},
                      {"rt", edge_counts[3]}}},
                    {"cycle_components", search.components},
                    {"anomaly_counts", prohibited_counts_},
                    {"allowed_anomaly_counts", allowed_counts_}};
  anomalies_.move_into(&result);
  std::vector<std::string> kinds;
  for (const auto& [kind, n] : prohibited_counts_) kinds.push_back(fmt::format("{} {}", n, kind));
  if (!kinds.empty()) {
    result.verdict = Verdict::kInvalid;
    result.summary =
        fmt::format("not {}: {}", to_string(options_.consistency_model), fmt::join(kinds, ", "));
    std::string explanation;
    for (const std::string& e : explanations_) explanation += e + "\n";
    result.details["explanation"] = explanation;
  } else if (options_.consistency_model == ConsistencyModel::kSnapshotIsolation &&
             !search.g_single_complete) {
    result.verdict = Verdict::kUnknown;
    result.summary = fmt::format(
        "G2-item cycles found; whether one is a G-single (forbidden by snapshot-isolation) is "
        "unknown: the search ran out of its budget of {} edge visits",
        work_budget);
  } else if (ok == 0) {
    result.verdict = Verdict::kUnknown;
    result.summary = fmt::format("no ok transaction to check ({} info, {} failed)", info, fail);
  } else {
    result.summary = fmt::format(
        "{} ok txns ({} info, {} failed) on {} keys: {}", ok, info, fail, txns_.keys.size(),
        allowed_counts_.empty()
            ? std::string("no anomaly")
            : fmt::format("only anomalies {} allows", to_string(options_.consistency_model)));
  }
  return result;
}

}  // namespace faultline
