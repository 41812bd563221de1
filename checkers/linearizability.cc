#include "checkers/linearizability.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <new>
#include <thread>

#include "checkers/linear_search.h"
#include "checkers/memory_budget.h"
#include "checkers/minimal_core.h"
#include "checkers/models.h"

namespace faultline {
namespace {

// At most this many failing keys get a minimal core (each costs searches),
// within CheckOptions::core_timeout: past it a core is reported as found so
// far, not minimal.
constexpr size_t kCoresToShrink = 3;

// "1 op", "2 ops".
std::string count(size_t n, std::string_view noun) {
  return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
}

// "process 4: read -> 3 (ok, lines 10-12)".
std::string op_text(const History& h, const Operation& o) {
  const Event& inv = h.events[o.invoke];
  std::string text = fmt::format("process {}: {}", inv.process, h.function_name(inv));
  if (inv.value != ValueTable::kNull) text += " " + h.values.text(inv.value);
  if (o.pending()) return text + fmt::format(" (never completed, line {})", inv.line);
  const Event& done = h.events[o.completion];
  if (done.value != inv.value && done.value != ValueTable::kNull)
    text += " -> " + h.values.text(done.value);
  return text + fmt::format(" ({}, lines {}-{})", to_string(o.type), inv.line, done.line);
}

template <class Model>
struct KeyOps {
  uint32_t key = 0;
  std::vector<SearchOp<typename Model::Op>> ops;
  std::vector<uint32_t> source;  // index into the checker's `ops` for each search op
  SearchResult<typename Model::State> result;
  CoreResult core;
  double search_seconds = 0, core_seconds = 0;
};

template <class Model>
class ModelRun {
 public:
  ModelRun(const History& h, const std::vector<Operation>& ops, const CheckOptions& options)
      : h_(h), ops_(ops), options_(options), model_(h), memory_(options.memory_baseline) {
    limits_.deadline = options.deadline;
    limits_.max_memory_bytes = options.max_memory_bytes;
    limits_.memory_in_use = &memory_;
    limits_.cancel = &cancel_;
    limits_.cutoff = &cutoff_;
    limits_.optimized = options.search != SearchStrategy::kPlain;
    limits_.portfolio = options.search == SearchStrategy::kPortfolio;
    limits_.prove_after = options.prove_after;
  }

  CheckResult run() {
    CheckResult result;
    result.checker = "linearizable";
    std::string error;
    if (!split_by_key(&error)) {
      result.verdict = Verdict::kUnknown;
      result.input_error = error;
      result.summary = "malformed input: " + error;
      return result;
    }
    search_all_keys();
    if (options_.on_verdict) {
      CheckResult first = result;
      options_.on_verdict(summarize(first));
    }
    shrink_cores();
    return summarize(result);
  }

 private:
  bool split_by_key(std::string* error) {
    std::unordered_map<uint32_t, size_t> slot;  // key id -> index in keys_
    for (uint32_t i = 0; i < ops_.size(); ++i) {
      const Operation& o = ops_[i];
      if (o.type == EventType::kFail) continue;  // definitely did not happen
      typename Model::Op op;
      Conversion c = model_.convert(h_, o, &op, error);
      if (c == Conversion::kBad) return false;
      if (c == Conversion::kDrop) continue;
      const uint32_t key = h_.events[o.invoke].key;
      auto [it, inserted] = slot.try_emplace(key, keys_.size());
      if (inserted) keys_.push_back(KeyOps<Model>{key, {}, {}, {}, {}});
      KeyOps<Model>& k = keys_[it->second];
      bool info = o.type != EventType::kOk;
      k.ops.push_back(SearchOp<typename Model::Op>{op, o.invoke, info ? 0 : o.completion, info});
      k.source.push_back(i);
      ++searched_ops_;
    }
    std::sort(keys_.begin(), keys_.end(), [&](const KeyOps<Model>& a, const KeyOps<Model>& b) {
      return h_.keys.text(a.key) < h_.keys.text(b.key);
    });
    return true;
  }

  void search_all_keys() {
    // Largest keys first, so one big key does not finish last on its own.
    std::vector<size_t> order(keys_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return keys_[a].ops.size() > keys_[b].ops.size(); });
    std::atomic<size_t> next{0};
    auto worker = [&] {
      for (size_t i; (i = next.fetch_add(1)) < order.size();) {
        KeyOps<Model>& k = keys_[order[i]];
        const auto start = std::chrono::steady_clock::now();
        try {
          k.result = search_ops(model_, k.ops, limits_, nullptr, prover(k));
        } catch (const std::bad_alloc&) {  // past the address-space cap (memory_budget.h)
          k.result = {};
          k.result.outcome = SearchOutcome::kGaveUp;
          k.result.stopped_by = "address space";
        }
        k.search_seconds = seconds_since(start);
        // Past the check's budget every other search will give up too; stop
        // them now (but not for the cutoff: a quicker key may still finish).
        if (k.result.outcome == SearchOutcome::kGaveUp &&
            std::string_view(k.result.stopped_by) != "cutoff")
          cancel_ = true;
        // The verdict is known: the other keys get core_timeout more to be
        // checked, not more (they cannot change the verdict).
        if (k.result.outcome == SearchOutcome::kNotLinearizable) {
          const int64_t cut =
              (std::chrono::steady_clock::now() + options_.core_timeout).time_since_epoch().count();
          for (int64_t now = cutoff_.load();
               cut < now && !cutoff_.compare_exchange_weak(now, cut);) {
          }
        }
        configurations_ += k.result.configurations;
      }
    };
    unsigned n = options_.threads ? options_.threads : std::thread::hardware_concurrency();
    n = std::max(1u, std::min<unsigned>(n, static_cast<unsigned>(keys_.size())));
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < n; ++t) threads.emplace_back(worker);
    worker();
    for (auto& t : threads) t.join();
  }

  // The invalidity shortcut for key k's search: a window of ops before the
  // stuck op that fails by itself (minimal_core.h), optimized search only.
  Prover prover(const KeyOps<Model>& k) const {
    if constexpr (HasAnyState<Model>) {
      if (!limits_.optimized) return {};
      return [this, &k](uint32_t stuck, uint64_t max_steps, uint64_t* used) {
        SearchLimits window_limits = limits_;
        window_limits.portfolio = false;
        window_limits.max_steps = max_steps;
        CoreSearch<Model> window(model_, k.ops, stuck, window_limits);
        const bool proved = window.find_window(SIZE_MAX);
        *used = window.steps_used();
        return proved;
      };
    }
    return {};
  }

  // The second phase: minimal cores of the first few invalid keys, within
  // the core budget.
  void shrink_cores() {
    cancel_ = false;  // (set when some key's search gave up)
    const auto start = std::chrono::steady_clock::now();
    SearchLimits core_limits = limits_;
    core_limits.cutoff = nullptr;
    core_limits.deadline = start + options_.core_timeout < start  // (overflow: no budget)
                               ? limits_.deadline
                               : std::min(limits_.deadline, start + options_.core_timeout);
    size_t shrunk = 0;
    for (KeyOps<Model>& k : keys_) {
      if (k.result.outcome != SearchOutcome::kNotLinearizable || shrunk++ >= kCoresToShrink)
        continue;
      const auto key_start = std::chrono::steady_clock::now();
      try {
        k.core = minimal_core(model_, k.ops, k.result.stuck_op, core_limits);
      } catch (const std::bad_alloc&) {
        k.core = {};  // no core: the verdict stands without one
      }
      k.core_seconds = seconds_since(key_start);
    }
  }

  static double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  CheckResult& summarize(CheckResult& result) {
    size_t invalid = 0, gave_up = 0;
    for (const KeyOps<Model>& k : keys_) {
      if (k.result.outcome == SearchOutcome::kNotLinearizable) ++invalid;
      if (k.result.outcome == SearchOutcome::kGaveUp) ++gave_up;
    }
    result.details = {{"model", model_name()},
                      {"keys", keys_.size()},
                      {"operations", ops_.size()},
                      {"searched_operations", searched_ops_},
                      {"configurations", configurations_.load()},
                      {"invalid_keys", invalid},
                      {"unchecked_keys", gave_up},
                      {"search", to_string(options_.search)}};
    std::string explanation;
    for (KeyOps<Model>& k : keys_) {
      if (k.result.outcome != SearchOutcome::kNotLinearizable) continue;
      result.anomalies.push_back(anomaly(k));
      if (explanation.empty()) explanation = explain(k);
    }
    result.details["explanation"] = explanation;
    if (invalid > 0) {
      result.verdict = Verdict::kInvalid;
      result.summary = fmt::format(
          "not linearizable: {} of {}{}; {}", invalid, count(keys_.size(), "key"),
          gave_up > 0
              ? fmt::format(" ({} not checked: searched at most {:.1f} s past the verdict)",
                            gave_up, std::chrono::duration<double>(options_.core_timeout).count())
              : "",
          result.anomalies.front().description);
    } else if (gave_up > 0) {
      result.verdict = Verdict::kUnknown;
      result.summary = fmt::format("gave up in the search: {}; {} of {} unchecked", budget_text(),
                                   gave_up, count(keys_.size(), "key"));
      result.details["phase"] = "search";
    } else {
      result.verdict = Verdict::kValid;
      result.summary = fmt::format("linearizable: {} on {}", count(ops_.size(), "op"),
                                   count(keys_.size(), "key"));
    }
    return result;
  }

  // Which budget stopped the search, in words.
  std::string budget_text() const {
    std::string_view by = "time";
    for (const KeyOps<Model>& k : keys_)
      if (std::string_view(k.result.stopped_by).find("memory") != std::string_view::npos ||
          std::string_view(k.result.stopped_by) == "address space")
        by = k.result.stopped_by;
    if (by == "memory")
      return fmt::format("out of memory (budget {} MB)", options_.max_memory_bytes >> 20);
    if (by == "address space")
      return fmt::format("out of memory (the address-space limit of {} MB was reached)",
                         address_space_limit() >> 20);
    return "timeout reached";
  }

  std::string key_label(const KeyOps<Model>& k) const {
    return k.key == History::kNoKey ? "the register" : "key " + h_.key_name(k.key);
  }

  std::string states_text(const KeyOps<Model>& k) const {
    std::string s;
    for (const auto& state : k.result.states_before)
      s += (s.empty() ? "" : " or ") + model_.describe(state);
    return s;
  }

  Anomaly anomaly(const KeyOps<Model>& k) const {
    const Operation& stuck = ops_[k.source[k.result.stuck_op]];
    nlohmann::json states = nlohmann::json::array();
    for (const auto& s : k.result.states_before) states.push_back(model_.describe(s));
    nlohmann::json prefix_tail = nlohmann::json::array();
    const size_t tail = std::min<size_t>(k.result.prefix.size(), 20);
    for (size_t i = k.result.prefix.size() - tail; i < k.result.prefix.size(); ++i)
      prefix_tail.push_back(op_evidence(h_, ops_[k.source[k.result.prefix[i]]]));
    nlohmann::json core = nlohmann::json::array();
    for (uint32_t i : k.core.ops) core.push_back(op_evidence(h_, ops_[k.source[i]]));
    Anomaly a;
    a.kind = "nonlinearizable";
    a.key = h_.key_name(k.key);
    a.description = fmt::format("{}: {} cannot be linearized (state before it: {})", key_label(k),
                                op_text(h_, stuck), states_text(k));
    if (!k.core.ops.empty())
      a.description +=
          fmt::format("; {} of {}", k.core.minimal ? "minimal core" : "core (not minimal yet)",
                      count(k.core.ops.size(), "op"));
    a.evidence = {{"op", op_evidence(h_, stuck)},
                  {"states_before", states},
                  {"prefix_length", k.result.prefix.size()},
                  {"prefix_tail", prefix_tail},
                  {"core", core},
                  {"core_minimal", k.core.minimal},
                  {"core_any_initial", k.core.any_initial},
                  {"key_operations", k.ops.size()},
                  {"search_seconds", k.search_seconds},
                  {"core_seconds", k.core_seconds}};
    return a;
  }

  // A few lines a person reads in a terminal to see the bug.
  std::string explain(const KeyOps<Model>& k) const {
    std::string out = fmt::format("{} is not linearizable.\n", key_label(k));
    out += fmt::format("  A longest linearizable prefix ({}) stops before\n    {}\n",
                       count(k.result.prefix.size(), "op"),
                       op_text(h_, ops_[k.source[k.result.stuck_op]]));
    out += fmt::format("  which cannot take effect in any state possible there: {}.\n",
                       states_text(k));
    if (!k.core.ops.empty()) {
      out += fmt::format(
          "  These {} cannot all have happened as recorded{}, even if none of the key's other ops "
          "happened{}:\n",
          count(k.core.ops.size(), "op"), k.core.any_initial ? ", whatever the initial value" : "",
          k.core.minimal
              ? " (without any one of them, the rest could)"
              : fmt::format(" (not minimal yet: the core budget of {:.1f} s ran out; the smallest "
                            "found so far)",
                            std::chrono::duration<double>(options_.core_timeout).count()));
      for (uint32_t i : k.core.ops) out += "    " + op_text(h_, ops_[k.source[i]]) + "\n";
    }
    return out;
  }

  std::string model_name() const;

  const History& h_;
  const std::vector<Operation>& ops_;
  const CheckOptions& options_;
  Model model_;
  SearchLimits limits_;
  std::atomic<uint64_t> memory_;  // SearchLimits::memory_in_use, from options.memory_baseline
  std::atomic<bool> cancel_{false};
  std::atomic<int64_t> cutoff_{INT64_MAX};  // SearchLimits::cutoff
  std::atomic<uint64_t> configurations_{0};
  size_t searched_ops_ = 0;
  std::vector<KeyOps<Model>> keys_;
};

template <>
std::string ModelRun<RegisterModel>::model_name() const {
  return "register";
}
template <>
std::string ModelRun<KvModel>::model_name() const {
  return "kv";
}

class LinearizabilityChecker : public Checker {
 public:
  explicit LinearizabilityChecker(std::string model) : model_(std::move(model)) {}
  std::string name() const override { return "linearizable"; }
  CheckResult check(const History& history, const std::vector<Operation>& ops,
                    const CheckOptions& options) const override {
    if (model_ == "kv") return ModelRun<KvModel>(history, ops, options).run();
    return ModelRun<RegisterModel>(history, ops, options).run();
  }

 private:
  std::string model_;
};

}  // namespace

std::unique_ptr<Checker> make_linearizability_checker(std::string_view model) {
  return std::make_unique<LinearizabilityChecker>(std::string(model));
}

}  // namespace faultline
