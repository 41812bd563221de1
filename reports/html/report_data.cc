#include "reports/html/report_data.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

#include "reports/html/nemesis_intervals.h"

namespace faultline {
namespace {

using nlohmann::json;

// Events without times are placed by their position in the history instead.
bool history_has_times(const History& history) {
  return !history.events.empty() && std::all_of(history.events.begin(), history.events.end(),
                                                [](const Event& e) { return e.time >= 0; });
}

int type_code(const Operation& op) {
  if (op.pending()) return 3;
  switch (op.type) {
    case EventType::kOk: return 0;
    case EventType::kFail: return 1;
    default: return 2;
  }
}

// An op in checker evidence is identified by its invoke's line and index
// (op_evidence writes both; a line alone is not unique in EDN).
using OpRef = std::pair<int64_t, int64_t>;

bool is_op_evidence(const json& j) {
  return j.is_object() && j.contains("process") && j.contains("f") && j.contains("line") &&
         j.contains("index") && j["line"].is_number_integer() && j["index"].is_number_integer();
}

OpRef op_ref(const json& j) { return {j["line"].get<int64_t>(), j["index"].get<int64_t>()}; }

void collect_op_refs(const json& j, std::set<OpRef>* refs) {
  if (is_op_evidence(j)) {
    refs->insert(op_ref(j));
    return;
  }
  if (j.is_structured())
    for (const json& child : j) collect_op_refs(child, refs);
}

struct LinFailure {
  const Anomaly* anomaly = nullptr;
  size_t op = SIZE_MAX;  // the stuck op, an index into ops
  std::vector<size_t> core, prefix_tail, window;
  int64_t window_start = 0, window_end = 0;
  bool window_truncated = false;
};

class ReportBuilder {
 public:
  ReportBuilder(const History& history, const std::vector<Operation>& ops,
                const ReportOptions& options)
      : history_(history), ops_(ops), options_(options), has_times_(history_has_times(history)) {}

  int64_t time_of(uint32_t event) const {
    return has_times_ ? history_.events[event].time : static_cast<int64_t>(event);
  }
  int64_t start(size_t op) const { return time_of(ops_[op].invoke); }
  // A pending op has no end; it is drawn to the end of the history.
  int64_t end(size_t op) const {
    return ops_[op].pending() ? end_of_history() : time_of(ops_[op].completion);
  }
  int64_t end_of_history() const {
    return history_.events.empty() ? 0 : time_of(history_.events.size() - 1);
  }

  json build(const std::vector<CheckResult>& results, const json& config, const std::string& title);

 private:
  void resolve_evidence(const std::vector<CheckResult>& results);
  std::vector<size_t> resolve(const json& list) const;
  void build_window(const std::vector<size_t>& key_ops, LinFailure* failure) const;
  std::vector<size_t> choose_drawn() const;
  json op_row(size_t op);
  json throughput() const;
  json stats() const;

  const History& history_;
  const std::vector<Operation>& ops_;
  const ReportOptions& options_;
  const bool has_times_;
  std::map<OpRef, size_t> op_by_ref_;  // only for ops named in evidence
  std::vector<LinFailure> failures_;
  std::vector<uint8_t> flags_;  // per op: kFlagAnomaly | kFlagWindow
  std::unordered_map<size_t, size_t> row_of_op_;
  std::unordered_map<uint32_t, size_t> key_slot_, function_slot_;
  json keys_ = json::array(), functions_ = json::array();
};

std::vector<size_t> ReportBuilder::resolve(const json& list) const {
  std::vector<size_t> out;
  if (!list.is_array()) return out;
  for (const json& j : list) {
    if (!is_op_evidence(j)) continue;
    auto it = op_by_ref_.find(op_ref(j));
    if (it != op_by_ref_.end()) out.push_back(it->second);
  }
  return out;
}

void ReportBuilder::resolve_evidence(const std::vector<CheckResult>& results) {
  std::set<OpRef> refs;
  for (const CheckResult& r : results)
    for (const Anomaly& a : r.anomalies) collect_op_refs(a.evidence, &refs);
  flags_.assign(ops_.size(), 0);
  if (refs.empty()) return;
  for (size_t i = 0; i < ops_.size(); ++i) {
    const Event& inv = history_.events[ops_[i].invoke];
    OpRef ref{inv.line, inv.index};
    if (refs.count(ref)) {
      op_by_ref_[ref] = i;
      flags_[i] |= kFlagAnomaly;
    }
  }
  for (const CheckResult& r : results) {
    for (const Anomaly& a : r.anomalies) {
      if (a.kind != "nonlinearizable" || !a.evidence.is_object()) continue;
      LinFailure failure;
      failure.anomaly = &a;
      std::vector<size_t> stuck = resolve(json::array({a.evidence.value("op", json())}));
      if (stuck.empty()) continue;
      failure.op = stuck[0];
      failure.core = resolve(a.evidence.value("core", json::array()));
      failure.prefix_tail = resolve(a.evidence.value("prefix_tail", json::array()));
      failures_.push_back(std::move(failure));
    }
  }
  // The failing keys' ops, in one pass over the history.
  std::unordered_map<uint32_t, std::vector<size_t>> key_ops;
  for (const LinFailure& f : failures_) key_ops[history_.events[ops_[f.op].invoke].key];
  for (size_t i = 0; i < ops_.size() && !key_ops.empty(); ++i) {
    auto it = key_ops.find(history_.events[ops_[i].invoke].key);
    if (it != key_ops.end()) it->second.push_back(i);
  }
  for (LinFailure& f : failures_) {
    build_window(key_ops[history_.events[ops_[f.op].invoke].key], &f);
    for (size_t op : f.window) flags_[op] |= kFlagWindow;
  }
}

// The failing key's ops that overlap the span of the stuck op and its core:
// what a person needs to see the failure. Capped at max_window_ops, keeping
// the stuck op and its core, then the ops invoked nearest the stuck op.
void ReportBuilder::build_window(const std::vector<size_t>& key_ops, LinFailure* failure) const {
  std::vector<size_t> evidence = failure->core;
  evidence.push_back(failure->op);
  failure->window_start = std::numeric_limits<int64_t>::max();
  failure->window_end = std::numeric_limits<int64_t>::min();
  for (size_t op : evidence) {
    failure->window_start = std::min(failure->window_start, start(op));
    failure->window_end = std::max(failure->window_end, end(op));
  }
  std::vector<size_t> in_window;
  for (size_t i : key_ops)
    if (start(i) <= failure->window_end && end(i) >= failure->window_start) in_window.push_back(i);
  std::set<size_t> keep(evidence.begin(), evidence.end());
  if (in_window.size() > options_.max_window_ops) {
    const size_t stuck = failure->op;
    std::stable_sort(in_window.begin(), in_window.end(), [stuck](size_t a, size_t b) {
      return (a > stuck ? a - stuck : stuck - a) < (b > stuck ? b - stuck : stuck - b);
    });
    failure->window_truncated = true;
  }
  for (size_t op : in_window) {
    if (keep.size() >= std::max(options_.max_window_ops, evidence.size())) break;
    keep.insert(op);
  }
  failure->window.assign(keep.begin(), keep.end());
}

// Every flagged op, and an even sample of the others up to max_drawn_ops.
std::vector<size_t> ReportBuilder::choose_drawn() const {
  std::vector<size_t> drawn;
  size_t flagged = 0;
  for (uint8_t f : flags_) flagged += f != 0;
  const size_t others = ops_.size() - flagged;
  const size_t room = options_.max_drawn_ops > flagged ? options_.max_drawn_ops - flagged : 0;
  const size_t stride = others <= room ? 1 : (room == 0 ? SIZE_MAX : (others + room - 1) / room);
  size_t other_index = 0;
  for (size_t i = 0; i < ops_.size(); ++i) {
    if (flags_[i] != 0) {
      drawn.push_back(i);
    } else if (stride != SIZE_MAX && other_index++ % stride == 0) {
      drawn.push_back(i);
    }
  }
  return drawn;
}

json ReportBuilder::op_row(size_t op) {
  const Operation& o = ops_[op];
  const Event& inv = history_.events[o.invoke];
  auto slot = [](std::unordered_map<uint32_t, size_t>* slots, json* table, uint32_t id,
                 const std::string& name) {
    auto [it, added] = slots->emplace(id, table->size());
    if (added) table->push_back(name);
    return it->second;
  };
  json row = json::array();
  row.push_back(inv.process);
  row.push_back(slot(&function_slot_, &functions_, inv.f, history_.function_name(inv)));
  row.push_back(type_code(o));
  row.push_back(start(op));
  row.push_back(o.pending() ? json() : json(end(op)));
  row.push_back(slot(&key_slot_, &keys_, inv.key, history_.key_name(inv.key)));
  row.push_back(truncate_utf8(history_.values.text(inv.value), options_.max_value_chars));
  if (o.pending()) {
    row.push_back(nullptr);
  } else {
    const Event& done = history_.events[o.completion];
    row.push_back(truncate_utf8(history_.values.text(done.value), options_.max_value_chars));
  }
  row.push_back(inv.line);
  row.push_back(o.pending() ? json() : json(history_.events[o.completion].line));
  row.push_back(flags_[op]);
  if (!o.pending()) {
    const Event& done = history_.events[o.completion];
    if (done.error != History::kNoNote || done.node != History::kNoNote) {
      auto note = [&](uint32_t id) {
        return id == History::kNoNote ? json() : json(history_.notes.text(id));
      };
      row.push_back(note(done.error));
      row.push_back(note(done.node));
    }
  }
  return row;
}

// Completions per bucket of time, by outcome, over every op (not only the drawn ones).
json ReportBuilder::throughput() const {
  const int64_t t0 = history_.events.empty() ? 0 : time_of(0);
  const int64_t span = std::max<int64_t>(1, end_of_history() - t0);
  const size_t buckets = std::max<size_t>(1, options_.throughput_buckets);
  const int64_t width = std::max<int64_t>(
      1, (span + static_cast<int64_t>(buckets) - 1) / static_cast<int64_t>(buckets));
  std::vector<int64_t> counts[3];
  for (auto& c : counts) c.assign(buckets, 0);
  for (size_t i = 0; i < ops_.size(); ++i) {
    if (ops_[i].pending()) continue;
    const size_t b = std::min(buckets - 1, static_cast<size_t>((end(i) - t0) / width));
    counts[type_code(ops_[i])][b]++;
  }
  return {
      {"start", t0}, {"width", width}, {"ok", counts[0]}, {"fail", counts[1]}, {"info", counts[2]}};
}

json ReportBuilder::stats() const {
  int64_t by_type[4] = {0, 0, 0, 0};
  std::set<int64_t> processes;
  std::set<uint32_t> keys;
  for (const Operation& o : ops_) {
    by_type[type_code(o)]++;
    processes.insert(history_.events[o.invoke].process);
    keys.insert(history_.events[o.invoke].key);
  }
  return {{"events", history_.events.size()},
          {"ops", ops_.size()},
          {"ok", by_type[0]},
          {"fail", by_type[1]},
          {"info", by_type[2]},
          {"pending", by_type[3]},
          {"processes", json(std::vector<int64_t>(processes.begin(), processes.end()))},
          {"keys", keys.size()},
          {"start", history_.events.empty() ? 0 : time_of(0)},
          {"end", end_of_history()}};
}

json ReportBuilder::build(const std::vector<CheckResult>& results, const json& config,
                          const std::string& title) {
  resolve_evidence(results);
  const std::vector<size_t> drawn = choose_drawn();
  json rows = json::array();
  for (size_t op : drawn) {
    row_of_op_[op] = rows.size();
    rows.push_back(op_row(op));
  }
  auto rows_of = [this](const std::vector<size_t>& list) {
    json out = json::array();
    for (size_t op : list) out.push_back(row_of_op_.at(op));
    return out;
  };
  json lin = json::array();
  for (const LinFailure& f : failures_) {
    const json& ev = f.anomaly->evidence;
    lin.push_back({{"key", f.anomaly->key},
                   {"description", f.anomaly->description},
                   {"op", row_of_op_.at(f.op)},
                   {"core", rows_of(f.core)},
                   {"prefix_tail", rows_of(f.prefix_tail)},
                   {"prefix_length", ev.value("prefix_length", json())},
                   {"states_before", ev.value("states_before", json::array())},
                   {"core_any_initial", ev.value("core_any_initial", json())},
                   {"core_minimal", ev.value("core_minimal", json())},
                   {"key_operations", ev.value("key_operations", json())},
                   {"window", rows_of(f.window)},
                   {"window_start", f.window_start},
                   {"window_end", f.window_end},
                   {"window_truncated", f.window_truncated}});
  }
  Verdict verdict = Verdict::kValid;
  json results_json = json::array();
  for (const CheckResult& r : results) {
    verdict = worst(verdict, r.verdict);
    results_json.push_back(r.to_json());
  }
  json nemesis = json::array();
  for (const NemesisInterval& n : nemesis_intervals(history_, has_times_))
    nemesis.push_back({{"name", n.name}, {"start", n.start}, {"end", n.end}, {"open", n.open}});
  json nemesis_events = json::array();
  for (size_t i = 0; i < history_.events.size(); ++i) {
    const Event& e = history_.events[i];
    if (!e.is_nemesis()) continue;
    nemesis_events.push_back(
        {time_of(i), history_.function_name(e), std::string(to_string(e.type)),
         truncate_utf8(history_.values.text(e.value), options_.max_value_chars), e.line});
  }
  return {{"format", 1},
          {"title", title},
          {"config", config},
          {"verdict", std::string(to_string(verdict))},
          {"time_unit", has_times_ ? "ns" : "event"},
          {"stats", stats()},
          {"results", results_json},
          {"functions", functions_},
          {"keys", keys_},
          {"ops", rows},
          {"sampling",
           {{"total_ops", ops_.size()},
            {"drawn_ops", rows.size()},
            {"max_drawn_ops", options_.max_drawn_ops},
            {"downsampled", rows.size() < ops_.size()}}},
          {"nemesis", nemesis},
          {"nemesis_events", nemesis_events},
          {"throughput", throughput()},
          {"linearizability", lin}};
}

}  // namespace

std::string truncate_utf8(const std::string& text, size_t max_chars) {
  if (text.size() <= max_chars) return text;
  size_t cut = max_chars;
  // Back up over continuation bytes (10xxxxxx) to the start of a character.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "\xE2\x80\xA6";
}

json build_report_data(const History& history, const std::vector<Operation>& ops,
                       const std::vector<CheckResult>& results, const json& config,
                       const std::string& title, const ReportOptions& options) {
  ReportBuilder builder(history, ops, options);
  return builder.build(results, config, title);
}

}  // namespace faultline
